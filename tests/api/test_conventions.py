"""FHIR search and read conventions (DESIGN section 12), over the test client and, with fhirpy
and fhirclient, over real HTTP on a loopback server started here (no special case for them)."""

from __future__ import annotations

import threading
import typing as t
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from service.store import Store, Stored
from tests.conftest import FHIR_HEADERS
from tests.store.factories import make_result
from tests.validation import assert_valid_r4

SEARCH = "/fhir/ClinicalImpression"


@pytest.fixture
def results(app: Flask) -> list[Stored]:
    """Seven results for Patient/p1 on Jan 1..7 2026 (oldest first), one for Patient/p2."""
    store: Store = app.extensions["store"]
    saved = [
        store.save(make_result(date=datetime(2026, 1, day, 12, tzinfo=UTC))) for day in range(1, 8)
    ]
    store.save(make_result(subject="Patient/p2", date=datetime(2026, 1, 3, tzinfo=UTC)))
    return saved


def get(client: FlaskClient, url: str, status: int = 200, **kwargs: t.Any) -> dict[str, t.Any]:
    response = client.get(url, headers={**FHIR_HEADERS, **kwargs.pop("headers", {})}, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert_valid_r4(body)
    return body


def match_ids(bundle: dict[str, t.Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def test_id_searches_one_or_several_ids(client: FlaskClient, results: list[Stored]) -> None:
    assert match_ids(get(client, f"{SEARCH}?_id={results[2].id}")) == [results[2].id]
    both = get(client, f"{SEARCH}?_id={results[0].id},{results[1].id}&_sort=date")
    assert match_ids(both) == [results[0].id, results[1].id]
    get(client, f"{SEARCH}?_id=a%20b", status=400)


def test_last_updated_takes_prefixes(client: FlaskClient, results: list[Stored]) -> None:
    stamp = results[0].last_updated
    assert get(client, f"{SEARCH}?_lastUpdated=ge{stamp.year}")["total"] == 8
    assert get(client, f"{SEARCH}?_lastUpdated=lt{stamp.year}")["total"] == 0
    later = (stamp + timedelta(days=1)).date().isoformat()
    assert get(client, f"{SEARCH}?_lastUpdated=gt{later}")["total"] == 0
    body = get(client, f"{SEARCH}?_lastUpdated=yesterday", status=400)
    assert body["issue"][0]["expression"] == ["http._lastUpdated"]


def test_count_is_clamped_not_refused_and_zero_counts(
    client: FlaskClient, results: list[Stored]
) -> None:
    assert len(get(client, f"{SEARCH}?_count=100000")["entry"]) == 8
    only = get(client, f"{SEARCH}?_count=0")
    assert only["total"] == 8 and "entry" not in only


def test_summary_count_and_true(client: FlaskClient, results: list[Stored]) -> None:
    counted = get(client, f"{SEARCH}?patient=p1&_summary=count")
    assert counted["total"] == 7 and "entry" not in counted
    summary = get(client, f"{SEARCH}?patient=p1&_summary=true&_count=1")
    resource = summary["entry"][0]["resource"]
    assert "finding" in results[-1].impression and "finding" not in resource
    assert resource["subject"] == {"reference": "Patient/p1"}
    assert {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
        "code": "SUBSETTED",
        "display": "subsetted",
    } in resource["meta"]["tag"]


def test_elements_on_search_and_read(client: FlaskClient, results: list[Stored]) -> None:
    found = get(client, f"{SEARCH}?_elements=date&_count=1")["entry"][0]["resource"]
    assert set(found) == {"resourceType", "id", "meta", "status", "subject", "date"}
    read = get(client, f"{SEARCH}/{results[0].id}?_elements=date")
    assert set(read) == set(found) and read["meta"]["tag"][-1]["code"] == "SUBSETTED"
    whole = get(client, f"{SEARCH}/{results[0].id}")
    assert whole == results[0].impression and "tag" not in whole["meta"]
    body = get(client, f"{SEARCH}/{results[0].id}?_elements=colour", status=400)
    assert body["issue"][0]["expression"] == ["http._elements"]


@pytest.mark.parametrize(
    ("query", "has_total"),
    [
        ("_total=none", False),
        ("_total=accurate", True),
        ("_total=estimate", True),
        ("_totalMethod=count", True),
        ("_totalMethod=none", False),
        ("", True),
    ],
)
def test_total_modes(
    client: FlaskClient, results: list[Stored], query: str, has_total: bool
) -> None:
    assert ("total" in get(client, f"{SEARCH}?{query}")) is has_total


def test_include_on_provenance_adds_the_clinical_impression(
    client: FlaskClient, results: list[Stored]
) -> None:
    bundle = get(
        client,
        f"/fhir/Provenance?target=ClinicalImpression/{results[1].id}&_include=Provenance:target",
    )
    assert [e["search"]["mode"] for e in bundle["entry"]] == ["match", "include"]
    assert bundle["entry"][1]["resource"] == results[1].impression


def test_post_search_has_the_semantics_of_get(client: FlaskClient, results: list[Stored]) -> None:
    query = "patient=p1&date=ge2026-01-03&date=le2026-01-05&_sort=date"
    by_get = get(client, f"{SEARCH}?{query}")
    response = client.post(
        f"{SEARCH}/_search",
        data=query,
        headers={**FHIR_HEADERS, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert match_ids(response.get_json()) == match_ids(by_get) == [r.id for r in results[2:5]]
    bad = client.post(
        f"{SEARCH}/_search",
        data="colour=red",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad.status_code == 400 and bad.get_json()["issue"][0]["expression"] == ["http.colour"]
    json_body = client.post(
        f"{SEARCH}/_search", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert json_body.status_code == 415


def test_if_modified_since_answers_304(client: FlaskClient, results: list[Stored]) -> None:
    url = f"{SEARCH}/{results[0].id}"
    stamp = results[0].last_updated
    assert (
        client.get(
            url,
            headers={
                "If-Modified-Since": format_datetime(stamp + timedelta(seconds=1), usegmt=True)
            },
        ).status_code
        == 304
    )
    assert (
        client.get(
            url,
            headers={
                "If-Modified-Since": format_datetime(stamp - timedelta(seconds=2), usegmt=True)
            },
        ).status_code
        == 200
    )


def _links(bundle: dict[str, t.Any]) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


@pytest.mark.parametrize("sort", ["-date", "date", "-_lastUpdated"])
def test_paging_neither_repeats_nor_skips_while_results_arrive(
    app: Flask, client: FlaskClient, results: list[Stored], sort: str
) -> None:
    store: Store = app.extensions["store"]
    page = get(client, f"{SEARCH}?patient=p1&_count=2&_sort={sort}")
    seen = match_ids(page)
    day = 0
    while "next" in _links(page):
        day += 1  # new results land before, inside and after the pages still to come
        for date in (
            datetime(2025, 12, day, tzinfo=UTC),
            datetime(2026, 1, 4, 6, tzinfo=UTC),
            datetime(2026, 2, day, tzinfo=UTC),
        ):
            store.save(make_result(date=date))
        page = get(client, _links(page)["next"])
        seen += match_ids(page)
    original = {r.id for r in results}
    found = [i for i in seen if i in original]
    assert len(seen) == len(set(seen)), "an entry was repeated"
    assert set(found) == original, "an entry present from the start was skipped"
    previous = get(client, _links(page)["previous"])  # and back again, by cursor
    assert match_ids(previous) == seen[-len(match_ids(page)) - 2 : -len(match_ids(page))]


def test_a_cursor_that_is_not_ours_is_a_400(client: FlaskClient, results: list[Stored]) -> None:
    body = get(client, f"{SEARCH}?_cursor=bm90LWEtY3Vyc29y", status=400)
    assert body["issue"][0]["expression"] == ["http._cursor"]
    page = get(client, f"{SEARCH}?_count=1&_sort=date")
    cursor = _links(page)["next"].split("_cursor=")[1]
    get(client, f"{SEARCH}?_count=1&_sort=-date&_cursor={cursor}", status=400)


# -- real clients over real HTTP -----------------------------------------------------------------


@pytest.fixture
def base_url(app: Flask, results: list[Stored]) -> t.Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/fhir"
    finally:
        server.shutdown()
        thread.join(5)


def test_fhirpy_searches_counts_pages_and_reads(base_url: str, results: list[Stored]) -> None:
    from fhirpy import SyncFHIRClient

    client = SyncFHIRClient(base_url)
    impressions = client.resources("ClinicalImpression")
    assert len(impressions.search(patient="p1").limit(3).fetch()) == 3
    assert impressions.search(patient="p1").count() == 7
    assert impressions.count() == 8
    every = impressions.search(patient="p1").limit(2).fetch_all()
    assert sorted(r["id"] for r in every) == sorted(r.id for r in results)
    assert [r["id"] for r in impressions.search(_id=results[3].id).fetch()] == [results[3].id]
    provenances = client.resources("Provenance").limit(3).fetch()
    assert len(provenances) == 3
    assert impressions.search(_id=results[0].id).get()["subject"]["reference"] == "Patient/p1"


def test_fhirclient_searches_and_reads(base_url: str, results: list[Stored]) -> None:
    from fhirclient import client as smart_client
    from fhirclient.models.clinicalimpression import ClinicalImpression
    from fhirclient.models.provenance import Provenance

    smart = smart_client.FHIRClient(settings={"app_id": "neuroroot-test", "api_base": base_url})
    read = ClinicalImpression.read(results[0].id, smart.server)
    assert read.id == results[0].id and read.subject.reference == "Patient/p1"
    search = ClinicalImpression.where(struct={"patient": "p1", "_count": "3"})
    found = [r.id for r in search.perform_resources_iter(smart.server)]  # follows next links
    assert sorted(found) == sorted(r.id for r in results)
    provenance = Provenance.where(struct={"target": f"ClinicalImpression/{results[0].id}"})
    assert [p.id for p in provenance.perform_resources_iter(smart.server)] == [
        results[0].provenance["id"]
    ]
