"""Issue 10 through the HTTP API, on SQLite and PostgreSQL: idempotency by identifier scoped by
client, no 5xx from long references or calendar-edge dates, bounded paging, statement timeout.
"""

from __future__ import annotations

import copy
import json
import typing as t
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from service import create_app
from service.store import Store
from service.store.guard import database_errors
from tests.api.test_auth import Keys, bearer, mint, settings
from tests.conftest import FHIR_HEADERS
from tests.store.factories import make_result
from tests.validation import assert_valid_r4

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
OPERATION = "/fhir/ClinicalImpression/$localize-root"
SEARCH = "/fhir/ClinicalImpression"


def sample(name: str = "l5-left") -> dict[str, t.Any]:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def for_patient(bundle: dict[str, t.Any], reference: str) -> dict[str, t.Any]:
    """*bundle* with every Observation about *reference* (identifier unchanged)."""
    other = copy.deepcopy(bundle)
    for entry in other["entry"]:
        if "subject" in entry["resource"]:
            entry["resource"]["subject"] = {"reference": reference}
    return other


def make_app(db_url: str, **more: t.Any) -> Flask:
    return create_app({"TESTING": True, "DATABASE_URL": db_url, **more})


@pytest.fixture
def app(db_url: str) -> t.Iterator[Flask]:
    app = make_app(db_url)
    yield app
    app.extensions["store"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def post(client: FlaskClient, document: t.Any, **headers: str) -> t.Any:
    return client.post(OPERATION, data=json.dumps(document), headers={**FHIR_HEADERS, **headers})


def assert_outcome(response: t.Any, status: int, expression: str | None = None) -> dict[str, t.Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    assert_valid_r4(body)
    if expression is not None:
        assert expression in body["issue"][0].get("expression", [])
    return body


def count_rows(app: Flask) -> int:
    store: Store = app.extensions["store"]
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM clinical_impression")).scalar_one()


# -- 1. idempotency by identifier ----------------------------------------------------------------


def test_same_identifier_and_content_answer_the_stored_result(
    client: FlaskClient, app: Flask
) -> None:
    first = post(client, sample())
    again = post(client, sample())
    assert first.status_code == again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count_rows(app) == 1


def test_another_patient_with_a_used_identifier_is_a_409_without_the_first_result(
    client: FlaskClient, app: Flask
) -> None:
    first = post(client, sample()).get_json()
    other = for_patient(sample(), "Patient/someone-else")
    response = post(client, other)
    body = assert_outcome(response, 409, "Bundle.identifier")
    assert body["issue"][0]["code"] in {"conflict", "duplicate"}
    assert "different exam" in body["issue"][0]["diagnostics"]
    raw = response.get_data(as_text=True)
    assert first["id"] not in raw and "p-l5" not in raw and "ClinicalImpression" not in raw
    assert count_rows(app) == 1
    # other content for the same patient (one Observation fewer) is refused the same way
    fewer = sample()
    fewer["entry"] = fewer["entry"][1:]
    assert_outcome(post(client, fewer), 409, "Bundle.identifier")
    # the same exam under a new identifier is a new result for that patient
    fresh = {**other, "identifier": {"system": "https://ehr.example.org/exam", "value": "new"}}
    created = post(client, fresh)
    assert created.status_code == 200 and created.get_json()["id"] != first["id"]
    assert created.get_json()["subject"] == {"reference": "Patient/someone-else"}


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def test_a_client_replaying_another_clients_identifier_never_gets_its_result(
    db_url: str, tmp_path: Path, keys: Keys
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(keys.jwks()))
    app = make_app(db_url, **settings(str(jwks)))
    client = app.test_client()
    create = "system/ClinicalImpression.c"  # may create results, not read them
    alice = bearer(mint(keys, create, client_id="ehr-a", sub="svc-a"))
    bob = bearer(mint(keys, create, client_id="ehr-b", sub="svc-b"))
    carol = bearer(mint(keys, create, sub="svc-c"))  # no client_id: the sub names the client
    try:
        first = post(client, sample(), **alice)
        assert first.status_code == 200
        # B replays A's identifier with A's exact exam: a result of B's own
        same = post(client, sample(), **bob)
        assert same.status_code == 200
        assert same.get_json()["id"] != first.get_json()["id"]
        # C replays A's identifier with another patient's exam: C's own result, not a 409
        # (which would tell C the identifier is in use) and never A's answer
        theirs = post(client, for_patient(sample(), "Patient/c-patient"), **carol)
        assert theirs.status_code == 200
        assert theirs.get_json()["id"] not in {first.get_json()["id"], same.get_json()["id"]}
        assert theirs.get_json()["subject"] == {"reference": "Patient/c-patient"}
        # each retry finds its own client's result; within a client, other content is a 409
        assert post(client, sample(), **alice).get_json()["id"] == first.get_json()["id"]
        assert post(client, sample(), **bob).get_json()["id"] == same.get_json()["id"]
        body = assert_outcome(
            post(client, for_patient(sample(), "Patient/c-patient"), **bob),
            409,
            "Bundle.identifier",
        )
        assert first.get_json()["id"] not in json.dumps(body)
        assert count_rows(app) == 3
    finally:
        app.extensions["store"].close()


# -- 2. no 5xx from input ------------------------------------------------------------------------


@pytest.mark.parametrize("length", [257, 300, 5000])
def test_a_subject_reference_longer_than_the_column_is_a_422_naming_it(
    client: FlaskClient, app: Flask, length: int
) -> None:
    reference = "Patient/" + "x" * (length - len("Patient/"))
    response = post(client, for_patient(sample(), reference))
    body = assert_outcome(response, 422, "Bundle.entry[0].resource.subject.reference")
    assert body["issue"][0]["code"] == "too-long"
    assert "x" * 50 not in response.get_data(as_text=True)  # the reference is not echoed
    assert count_rows(app) == 0


def test_a_subject_reference_of_exactly_the_column_length_is_stored(
    client: FlaskClient, app: Flask
) -> None:
    reference = "Patient/" + "y" * (256 - len("Patient/"))
    response = post(client, for_patient(sample(), reference))
    assert response.status_code == 200
    stored = client.get(f"{SEARCH}/{response.get_json()['id']}").get_json()
    assert stored["subject"] == {"reference": reference}


EDGES = {
    "first": datetime(1, 1, 1, tzinfo=UTC),
    "year-one": datetime(1, 6, 1, 12, tzinfo=UTC),
    "now": datetime(2026, 3, 1, 12, tzinfo=UTC),
    "last-day": datetime(9999, 12, 31, 12, tzinfo=UTC),
    "last": datetime.max.replace(tzinfo=UTC),
}


@pytest.fixture
def edges(app: Flask) -> dict[str, str]:
    store: Store = app.extensions["store"]
    return {store.save(make_result(date=when)).id: name for name, when in EDGES.items()}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ge0001-01-01", set(EDGES)),
        ("0001", {"first", "year-one"}),
        ("0001-01-01", {"first"}),
        ("le0001-01-01T00:00:00Z", {"first"}),
        ("lt0001-01-01T00:00:00Z", set()),
        ("eb0001-01-01", set()),
        ("gt0001-01-01", set(EDGES) - {"first"}),
        ("ne0001", {"now", "last-day", "last"}),
        ("ge0001-01-01T00:00:00+02:00", set(EDGES)),
        ("9999-12-31", {"last-day", "last"}),
        ("9999", {"last-day", "last"}),
        ("ge9999-12-31T23:59:59.999999Z", {"last"}),
        ("gt9999-12-31", set()),
        ("sa9999-12-30", {"last-day", "last"}),
        ("le9999-12-31T23:59:59Z", set(EDGES)),
        ("lt9999-12-31T23:00:00-05:00", set(EDGES)),
        ("ne2026", set(EDGES) - {"now"}),
        ("ap2026-03-01", {"now"}),
        ("eq2026-03-01T12:00:00.000000001Z", {"now"}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_dates_from_year_1_to_9999_search_with_every_prefix(
    client: FlaskClient, edges: dict[str, str], value: str, expected: set[str]
) -> None:
    response = client.get(SEARCH, query_string={"date": value, "_count": 100})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    bundle = response.get_json()
    found = {edges[entry["resource"]["id"]] for entry in bundle.get("entry", [])}
    assert found == expected
    assert bundle["total"] == len(expected)


@pytest.mark.parametrize(
    "value", ["0000", "10000-01-01", "2026-02-30", "xx2026", "2026-01-01T10:00+25:00"]
)
def test_dates_that_are_not_dates_are_a_400_naming_date(client: FlaskClient, value: str) -> None:
    assert_outcome(client.get(SEARCH, query_string={"date": value}), 400, "http.date")


# -- 5. deep paging ------------------------------------------------------------------------------


def test_offset_beyond_the_maximum_is_a_400_naming_it(client: FlaskClient) -> None:
    body = assert_outcome(client.get(SEARCH, query_string={"_offset": 10_001}), 400, "http._offset")
    assert "narrow the search" in body["issue"][0]["diagnostics"]
    assert client.get(SEARCH, query_string={"_offset": 10_000}).status_code == 200
    assert_outcome(client.get(SEARCH, query_string={"_offset": 1_000_000}), 400, "http._offset")


def test_the_offset_maximum_is_configurable_and_next_links_page_on_by_cursor(db_url: str) -> None:
    """Past the offset bound the next links go on: they are keyset cursors, which cost an index
    seek however deep, not a skip of every row before."""
    app = make_app(db_url, SEARCH_MAX_OFFSET=2)
    store: Store = app.extensions["store"]
    for _ in range(5):
        store.save(make_result())
    client = app.test_client()
    try:
        assert_outcome(client.get(SEARCH, query_string={"_offset": 3}), 400, "http._offset")
        page = client.get(SEARCH, query_string={"_offset": 2, "_count": 1}).get_json()
        assert page["total"] == 5 and len(page["entry"]) == 1
        seen = [page["entry"][0]["resource"]["id"]]
        while (links := {link["relation"]: link["url"] for link in page["link"]}).get("next"):
            assert "_offset" not in links["next"] and "_cursor=" in links["next"]
            page = client.get(links["next"]).get_json()
            seen += [entry["resource"]["id"] for entry in page.get("entry", [])]
        assert len(seen) == len(set(seen)) == 3  # the 3rd, 4th and 5th result
    finally:
        store.close()


@pytest.mark.postgres
def test_the_statement_timeout_is_set_on_the_apps_postgresql_connections(postgres: t.Any) -> None:
    app = make_app(postgres.create_database(), DB_STATEMENT_TIMEOUT_MS=1234)
    store: Store = app.extensions["store"]
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "1234ms"
            connection.rollback()  # a rolled-back transaction does not undo it
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "1234ms"
        raw = store.engine.raw_connection()  # the connections save() writes on
        try:
            cursor = raw.cursor()
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "1234ms"
        finally:
            raw.close()
    finally:
        store.close()
    default = make_app(postgres.create_database())
    try:
        with default.extensions["store"].engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "5s"
    finally:
        default.extensions["store"].close()


@pytest.mark.postgres
def test_a_statement_past_the_timeout_answers_503(
    postgres: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(postgres.create_database(), DB_STATEMENT_TIMEOUT_MS=200)
    store: Store = app.extensions["store"]

    def slow_search(*_args: t.Any, **_kwargs: t.Any) -> t.Any:  # a search the server cancels
        with database_errors(), store.engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(5)"))
        raise AssertionError("pg_sleep(5) was not cancelled")

    monkeypatch.setattr(store, "search", slow_search)
    try:
        response = app.test_client().get(SEARCH)
        body = assert_outcome(response, 503)
        assert body["issue"][0]["code"] == "transient"
        assert "statement timeout" in body["issue"][0]["diagnostics"]
        assert response.headers["Retry-After"]
        assert app.test_client().get("/readyz").status_code == 200  # the pool is still fine
    finally:
        store.close()
