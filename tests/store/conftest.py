"""Store fixtures: every test runs on SQLite and, when a server answers, on PostgreSQL.

PostgreSQL: the server at ``NEUROROOT_TEST_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``) gets one throw-away database
``neuroroot_test_<random>_<n>`` per test, all dropped at the end of the session. When no server
answers, the PostgreSQL cases are skipped with the reason, unless ``NEUROROOT_REQUIRE_POSTGRES``
is set (CI sets it): then they fail.
"""

from __future__ import annotations

import os
import secrets
import typing as t
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from service.store import Store, upgrade
from service.store.engine import sqlite_url

SERVER_URL = os.environ.get(
    "NEUROROOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class PostgresServer:
    """Creates throw-away databases on one server and drops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url.replace("postgresql+psycopg://", "postgresql://"))
        self.prefix = f"neuroroot_test_{secrets.token_hex(4)}"
        self.created: list[str] = []

    def admin(self) -> psycopg.Connection[t.Any]:
        """An autocommit connection to the server's maintenance database."""
        return psycopg.connect(
            self.url.render_as_string(hide_password=False), autocommit=True, connect_timeout=3
        )

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL (psycopg driver)."""
        name = f"{self.prefix}_{len(self.created)}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.database_url(name)

    def database_url(self, name: str, *, port: int | None = None) -> str:
        """The SQLAlchemy URL of database *name*, directly or through a proxy on *port*."""
        url = self.url.set(drivername="postgresql+psycopg", database=name)
        if port is not None:
            url = url.set(host="127.0.0.1", port=port)
        return url.render_as_string(hide_password=False)

    @property
    def address(self) -> tuple[str, int]:
        """The server's host and port."""
        return self.url.host or "127.0.0.1", self.url.port or 5432

    def drop_all(self) -> None:
        """Drop every database this session created (closing their connections first)."""
        with self.admin() as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> t.Iterator[PostgresServer]:
    """The PostgreSQL server, or a skip naming why there is none."""
    server = PostgresServer(SERVER_URL)
    try:
        server.admin().close()
    except psycopg.OperationalError as exc:
        reason = (
            f"no PostgreSQL server answers at {':'.join(map(str, server.address))} "
            f"(set NEUROROOT_TEST_DATABASE_URL): {str(exc).strip()[:200]}"
        )
        if os.environ.get("NEUROROOT_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    server.drop_all()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty (unmigrated) database on each backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store.sqlite3")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture
def store(db_url: str) -> t.Iterator[Store]:
    """A store on a freshly migrated database."""
    upgrade(db_url)
    store = Store.from_url(db_url)
    yield store
    store.close()
