"""A database that stops answering gives 503s (never 500s), and the service recovers with it.

PostgreSQL: the app talks to the server through a TCP proxy on a loopback port; stopping the
proxy refuses new connections and cuts the pooled ones, as a server restart or a network cut
would. SQLite: the database file is moved away (an unmounted volume); the store opens the file
with ``mode=rw``, so it cannot silently start over with an empty database in its place.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from service import create_app
from service.errors import StoreUnavailable
from service.store import Store, upgrade
from service.store.engine import sqlite_url
from tests.store.conftest import PostgresServer
from tests.store.factories import make_result
from tests.store.proxy import TcpProxy


class Outage(t.Protocol):
    """Cuts the database off and brings it back."""

    def down(self) -> None: ...

    def up(self) -> None: ...


class MovedFile:
    """SQLite: the file leaves its path and comes back."""

    def __init__(self, path: Path) -> None:
        self.path, self.away = path, path.with_name(path.name + ".away")

    def down(self) -> None:
        self.path.rename(self.away)

    def up(self) -> None:
        self.away.rename(self.path)


class StoppedProxy:
    """PostgreSQL: the proxy in front of the server stops and starts again."""

    def __init__(self, proxy: TcpProxy) -> None:
        self.proxy = proxy

    def down(self) -> None:
        self.proxy.stop()

    def up(self) -> None:
        self.proxy.start()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def outage_url(request: pytest.FixtureRequest, tmp_path: Path) -> t.Iterator[tuple[str, Outage]]:
    """A migrated database URL the app can use, and the way to cut that database off."""
    if request.param == "sqlite":
        path = tmp_path / "outage.sqlite3"
        url = sqlite_url(path)
        upgrade(url)
        yield url, MovedFile(path)
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    direct = server.create_database()
    upgrade(direct)
    proxy = TcpProxy(server.address)
    proxy.start()
    yield server.database_url(make_url(direct).database or "", port=proxy.port), StoppedProxy(proxy)
    proxy.stop()


def test_store_calls_raise_store_unavailable_while_the_database_is_gone(
    outage_url: tuple[str, Outage],
) -> None:
    url, outage = outage_url
    store = Store.from_url(url)
    saved = store.save(make_result())
    outage.down()
    try:
        for call in (
            store.ping,
            lambda: store.get(saved.id),
            lambda: store.save(make_result()),
            lambda: store.search("ClinicalImpression", count=5),
        ):
            with pytest.raises(StoreUnavailable) as info:
                call()
            assert info.value.message == "the database is not available; retry later"
    finally:
        outage.up()
    store.ping()
    assert store.get(saved.id) is not None
    store.close()


def _check(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 503:
        body = response.get_json()
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "transient"
        assert response.headers["Retry-After"]
        assert "SELECT" not in body["issue"][0]["diagnostics"]  # no SQL or parameters leak


def test_readyz_answers_503_while_the_database_is_gone_then_recovers(
    outage_url: tuple[str, Outage],
) -> None:
    url, outage = outage_url
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    client = app.test_client()
    stored_id = app.extensions["store"].save(make_result()).id
    _check(client, "/readyz", 200)
    outage.down()
    try:
        _check(client, "/readyz", 503)
        _check(client, f"/fhir/ClinicalImpression/{stored_id}", 503)
        _check(client, "/fhir/ClinicalImpression?patient=p1", 503)
        _check(client, f"/fhir/Provenance?target=ClinicalImpression/{stored_id}", 503)
    finally:
        outage.up()
    _check(client, "/readyz", 200)
    _check(client, f"/fhir/ClinicalImpression/{stored_id}", 200)
    app.extensions["store"].close()


@pytest.mark.postgres
def test_the_app_starts_without_its_database_and_migrates_when_it_comes(
    postgres: PostgresServer,
) -> None:
    direct = postgres.create_database()  # empty: never migrated
    proxy = TcpProxy(postgres.address)
    proxy.start()  # to learn its port...
    proxy.stop()  # ...and have nothing answer there yet
    url = postgres.database_url(make_url(direct).database or "", port=proxy.port)
    app = create_app({"TESTING": True, "DATABASE_URL": url})  # nothing listens yet
    client = app.test_client()
    sample = (Path(__file__).parent.parent / "data" / "samples" / "l4-left.json").read_bytes()
    headers = {"Content-Type": "application/fhir+json"}
    _check(client, "/readyz", 503)
    assert (
        client.post(
            "/fhir/ClinicalImpression/$localize-root", data=sample, headers=headers
        ).status_code
        == 503
    )
    proxy.start()
    try:
        _check(client, "/readyz", 200)
        response = client.post(
            "/fhir/ClinicalImpression/$localize-root", data=sample, headers=headers
        )
        assert response.status_code == 200
        _check(client, f"/fhir/ClinicalImpression/{response.get_json()['id']}", 200)
    finally:
        app.extensions["store"].close()
        proxy.stop()
