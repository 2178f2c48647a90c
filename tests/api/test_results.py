"""Reading and searching stored results over HTTP (SQLite, through the app's own store)."""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.store import Store, Stored
from tests.conftest import FHIR_HEADERS
from tests.store.factories import make_result
from tests.validation import assert_valid_r4


def _store(app: Flask) -> Store:
    store: Store = app.extensions["store"]
    return store


@pytest.fixture
def saved(app: Flask) -> Stored:
    """One stored result for Patient/p1."""
    return _store(app).save(make_result())


@pytest.fixture
def history(app: Flask) -> list[Stored]:
    """Five results for Patient/p1 on Jan 1..5 2026 (oldest first) and one for Patient/p2."""
    store = _store(app)
    results = [
        store.save(make_result(date=datetime(2026, 1, day, 12, tzinfo=UTC))) for day in range(1, 6)
    ]
    store.save(make_result(subject="Patient/p2", date=datetime(2026, 1, 3, tzinfo=UTC)))
    return results


def search(
    client: FlaskClient, query: str, status: int = 200, headers: dict[str, str] | None = None
) -> dict[str, t.Any]:
    """GET a search; check the status, and a valid R4 body either way."""
    response = client.get(query, headers={**FHIR_HEADERS, **(headers or {})})
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert_valid_r4(body)
    return body


def ids(bundle: dict[str, t.Any]) -> list[str]:
    """The ids of the match entries of a searchset."""
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def test_read_answers_the_resource_with_etag_and_last_modified(
    client: FlaskClient, saved: Stored
) -> None:
    response = client.get(f"/fhir/ClinicalImpression/{saved.id}", headers=FHIR_HEADERS)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["ETag"] == 'W/"1"'
    assert response.last_modified == saved.last_updated.replace(microsecond=0)
    body = response.get_json()
    assert body == saved.impression
    assert_valid_r4(body)


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ('W/"1"', 304),
        ('"1"', 304),
        ('W/"0", W/"1"', 304),
        ("*", 304),
        ('W/"2"', 200),
    ],
    ids=["weak", "strong-form", "list", "star", "other-version"],
)
def test_if_none_match_answers_304_without_a_body(
    client: FlaskClient, saved: Stored, if_none_match: str, status: int
) -> None:
    response = client.get(
        f"/fhir/ClinicalImpression/{saved.id}", headers={"If-None-Match": if_none_match}
    )
    assert response.status_code == status
    assert response.headers["ETag"] == 'W/"1"'
    assert (response.data == b"") is (status == 304)


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/ClinicalImpression/nope",
        "/fhir/Provenance/nope",
        "/fhir/ClinicalImpression/not_an_id!",
    ],
)
def test_unknown_id_is_a_404_outcome(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == "not-found"
    assert_valid_r4(body)


def test_provenance_read_and_search_by_every_target_form(
    client: FlaskClient, saved: Stored
) -> None:
    provenance_id = saved.provenance["id"]
    response = client.get(f"/fhir/Provenance/{provenance_id}")
    assert response.status_code == 200 and response.headers["ETag"] == 'W/"1"'
    assert response.get_json() == saved.provenance
    for target in (
        f"ClinicalImpression/{saved.id}",
        f"ClinicalImpression/{saved.id}/_history/1",
        saved.id,
        f"http://localhost/fhir/ClinicalImpression/{saved.id}",
    ):
        bundle = search(client, f"/fhir/Provenance?target={target}")
        assert bundle["total"] == 1
        assert bundle["entry"][0]["resource"] == saved.provenance
        assert bundle["entry"][0]["fullUrl"] == f"http://localhost/fhir/Provenance/{provenance_id}"
    for target in (
        f"ClinicalImpression/{saved.id}/_history/2",
        "Observation/o1",
        "ClinicalImpression/x",
    ):
        assert search(client, f"/fhir/Provenance?target={target}")["total"] == 0


def test_search_answers_a_valid_searchset_newest_first(
    client: FlaskClient, history: list[Stored]
) -> None:
    bundle = search(client, "/fhir/ClinicalImpression?patient=p1")
    assert bundle["type"] == "searchset" and bundle["total"] == 5
    assert ids(bundle) == [s.id for s in reversed(history)]
    entry = bundle["entry"][0]
    assert entry["fullUrl"] == f"http://localhost/fhir/ClinicalImpression/{history[-1].id}"
    assert entry["search"] == {"mode": "match"}
    assert [link["relation"] for link in bundle["link"]] == ["self"]
    assert bundle["link"][0]["url"].startswith("http://localhost/fhir/ClinicalImpression?")


@pytest.mark.parametrize(
    "query",
    [
        "patient=p1",
        "patient=Patient/p1",
        "subject=Patient/p1",
        "subject=p1",
        "subject=Patient/p1&patient=p1",
        "subject=https://ehr.example/fhir/Patient/p1",
    ],
)
def test_subject_and_patient_name_the_same_patient(
    client: FlaskClient, history: list[Stored], query: str
) -> None:
    assert search(client, f"/fhir/ClinicalImpression?{query}")["total"] == 5


@pytest.mark.parametrize(
    "query",
    [
        "subject=Patient/p2&patient=p1",
        "subject=Group/p1",
        "subject=https://ehr.example/fhir/Group/p1",
    ],
)
def test_other_subjects_match_nothing(
    client: FlaskClient, history: list[Stored], query: str
) -> None:
    assert search(client, f"/fhir/ClinicalImpression?{query}")["total"] == 0


@pytest.mark.parametrize(
    ("dates", "days"),
    [
        (["ge2026-01-03"], [5, 4, 3]),
        (["gt2026-01-03"], [5, 4]),
        (["le2026-01-02"], [2, 1]),
        (["lt2026-01-02"], [1]),
        (["2026-01-04"], [4]),
        (["eq2026-01-04"], [4]),
        (["ge2026-01-02", "le2026-01-03"], [3, 2]),
        (["2026"], [5, 4, 3, 2, 1]),
        (["2025-12"], []),
        (["ge2026-01-03T12:00:00Z"], [5, 4, 3]),
        (["gt2026-01-03T12:00:00Z"], [5, 4]),
        (["lt2026-01-03T15:00:00+02:00"], [3, 2, 1]),
        (["lt2026-01-03T14:00:00+02:00"], [2, 1]),
    ],
    ids=lambda value: ",".join(map(str, value)),
)
def test_date_prefixes_compare_with_the_range_of_the_value(
    client: FlaskClient, history: list[Stored], dates: list[str], days: list[int]
) -> None:
    query = "&".join(f"date={d.replace('+', '%2B')}" for d in dates)
    bundle = search(client, f"/fhir/ClinicalImpression?patient=p1&{query}")
    assert ids(bundle) == [history[day - 1].id for day in days]


def test_paging_links_walk_every_result_once(client: FlaskClient, history: list[Stored]) -> None:
    bundle = search(client, "/fhir/ClinicalImpression?patient=p1&_count=2&_sort=date")
    seen = ids(bundle)
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert "previous" not in links
    while "next" in links:
        assert links["next"].startswith("http://localhost/fhir/ClinicalImpression?")
        assert parse_qs(urlsplit(links["next"]).query)["patient"] == ["p1"]
        bundle = search(client, links["next"])
        assert "previous" in {link["relation"] for link in bundle["link"]}
        seen += ids(bundle)
        links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert seen == [s.id for s in history]  # oldest first, as asked


def test_count_zero_answers_only_the_total(client: FlaskClient, history: list[Stored]) -> None:
    bundle = search(client, "/fhir/ClinicalImpression?_count=0")
    assert bundle["total"] == 6 and "entry" not in bundle


def test_revinclude_adds_each_provenance(client: FlaskClient, history: list[Stored]) -> None:
    bundle = search(
        client, "/fhir/ClinicalImpression?patient=p1&_count=2&_revinclude=Provenance:target"
    )
    modes = [entry["search"]["mode"] for entry in bundle["entry"]]
    assert modes == ["match", "match", "include", "include"]
    assert bundle["entry"][2]["resource"] == history[-1].provenance


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("colour=red", "colour"),
        ("_count=-1", "_count"),
        ("_count=many", "_count"),
        ("_count=1&_count=2", "_count"),
        ("_offset=-1", "_offset"),
        ("_sort=status", "_sort"),
        ("date=xx2026-01-01", "date"),
        ("date=2026-13", "date"),
        ("date=yesterday", "date"),
        ("_offset=10001", "_offset"),
        ("patient=Group/g1", "patient"),
        ("subject=a b", "subject"),
        ("subject:Patient=p1", "subject:Patient"),
    ],
    ids=lambda value: value,
)
def test_bad_search_parameters_are_a_400_naming_them(
    client: FlaskClient, query: str, named: str
) -> None:
    body = search(client, f"/fhir/ClinicalImpression?{query}", status=400)
    assert body["resourceType"] == "OperationOutcome"
    assert f"http.{named}" in [e for issue in body["issue"] for e in issue.get("expression", [])]


def test_lenient_handling_ignores_unknown_parameters(
    client: FlaskClient, history: list[Stored]
) -> None:
    bundle = search(
        client,
        "/fhir/ClinicalImpression?patient=p1&colour=red",
        headers={"Prefer": "handling=lenient"},
    )
    assert bundle["total"] == 5 and "colour" not in bundle["link"][0]["url"]


@pytest.mark.parametrize("query", ["?target=", "?target=a%20b", "?target=x&colour=red"])
def test_provenance_search_needs_a_usable_target(client: FlaskClient, query: str) -> None:
    body = search(client, f"/fhir/Provenance{query}", status=400)
    assert body["issue"][0]["expression"][0].startswith("http.")


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/ClinicalImpression/x",
        "/fhir/ClinicalImpression?patient=p1",
        "/fhir/Provenance?target=ClinicalImpression/x",
        "/fhir/Provenance/x",
    ],
)
def test_stateless_mode_answers_404_saying_storage_is_off(tmp_path: t.Any, path: str) -> None:
    app = create_app(
        {"TESTING": True, "STORE_ENABLED": False, "SQLITE_PATH": str(tmp_path / "x.db")}
    )
    response = app.test_client().get(path)
    assert response.status_code == 404
    body = response.get_json()
    assert "storage is off" in body["issue"][0]["diagnostics"]
    assert_valid_r4(body)
