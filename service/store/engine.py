"""Database URLs and engines: SQLite by default, PostgreSQL through ``DATABASE_URL``.

SQLite: one file, opened in WAL mode (readers never wait for the writer) with a busy timeout (a
writer waits for another instead of failing at once). The store opens the file with
``mode=rw``: if the file disappears (an unmounted volume), requests answer 503 instead of
silently starting a new, empty database; only :func:`~service.store.migrate.upgrade` creates it.
Connections are not pooled (``NullPool``) so that each request opens the file that is there now.

PostgreSQL: psycopg 3, ``pool_pre_ping`` (a connection the server dropped is replaced, not
handed to a request) and a connect timeout, so an unreachable server fails fast into a 503.
"""

from __future__ import annotations

import sqlite3
import typing as t
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool, StaticPool

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CONNECT_TIMEOUT_S",
    "make_engine",
    "normalize_url",
    "sqlite_path",
    "sqlite_url",
]

#: how long a SQLite writer waits for another writer's lock before giving up (503).
BUSY_TIMEOUT_MS = 5000
#: how long a PostgreSQL connection attempt may take before the request answers 503.
CONNECT_TIMEOUT_S = 5

_PSYCOPG = "postgresql+psycopg://"


def normalize_url(url: str) -> str:
    """*url* with the psycopg 3 driver named: ``postgres://`` and ``postgresql://`` become
    ``postgresql+psycopg://`` (Heroku-style and libpq-style URLs both work); others pass as is."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return _PSYCOPG + url[len(prefix):]
    return url


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of the SQLite file at *path* (made absolute)."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite *url*, or None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_connection: t.Any, _record: t.Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode, and faster
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_engine(path: Path | None, *, create: bool) -> Engine:
    if path is None:  # in memory: one shared connection, for experiments only
        engine = create_engine("sqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{quote(str(path))}?mode={'rwc' if create else 'rw'}"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False)

        engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_engine(url: str, *, create: bool = False) -> Engine:
    """An engine for *url*, set up for this service (see the module docstring).

    :param create: for SQLite, create the file (and its folder) when missing; only the
        migrations ask for this.
    """
    url = normalize_url(url)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(sqlite_path(url), create=create)
    if backend == "postgresql":
        connect_args: dict[str, t.Any] = {"application_name": "neuroroot"}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
        # At most 10 connections per process: 8 workers stay under PostgreSQL's default 100.
        return create_engine(url, pool_pre_ping=True, pool_recycle=1800, pool_size=5,
                             max_overflow=5, connect_args=connect_args)
    return create_engine(url, pool_pre_ping=True)
