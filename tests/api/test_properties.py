"""Properties of the operation and the engine, checked on generated input (hypothesis).

* Robustness: any JSON body, and FHIR-shaped near misses, get an answer below 500, and every
  refusal is a valid R4 OperationOutcome.
* Order: permuting a Bundle's entries (or the engine's findings) never changes the answer.
* Monotony: adding a normal finding never raises the score of any root.
* Nothing abnormal, no root: removing every abnormal finding removes every root, and the summary
  says the exam did not localize.
* Store-facing shapes, on SQLite and PostgreSQL (issue 10): exams about subject references of any
  length (at, just over and far over the store's column) and reused identifiers, and GETs on
  every store route with long references, calendar-edge dates (years 0001 and 9999, every
  prefix, any time zone) and deep offsets, never answer 5xx.

Exams are drawn from the real table (tests/strategies.py). Engine-level properties call
:func:`service.core.localize` directly (fast, many examples); each has an HTTP-level twin
through the test client with fewer examples. The HTTP twins run stateless
(``STORE_ENABLED`` false) so that the idempotent store cannot answer from an earlier example.
Every run is derandomized and bounded.
"""

from __future__ import annotations

import json
import typing as t
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import create_app
from service.core import localize
from service.core.model import Assessment, Polarity, Side
from service.fhir.read.request import parse_request
from service.store.engine import sqlite_url
from terminology import NEURO_PATTERN, SPINAL_SEGMENT, Table, load_table
from tests.conftest import FHIR_HEADERS
from tests.store.conftest import BACKENDS, postgres  # noqa: F401 (the fixture, for backends)
from tests.store.factories import make_result
from tests.strategies import (
    SIDE_CODES,
    ExamItem,
    exam_bundle,
    exams,
    json_documents,
    near_miss_documents,
    normal_items,
    resource_shaped,
    search_dates,
    store_requests,
    subject_references,
    to_finding,
)
from tests.validation import assert_valid_r4

OPERATION = "/fhir/ClinicalImpression/$localize-root"
TABLE = load_table()  # strategies are built at import time; the same table as the app's
ROOT_PATTERNS = frozenset({"radiculopathy", "polyradiculopathy"})
EXT = "http://neuroroot.org/fhir/StructureDefinition/finding-"
SIDE_OF_CODE = {code: side for side, code in SIDE_CODES.items()}

ENGINE = settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
HTTP = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def stateless() -> t.Any:
    """A test client of an app that keeps nothing (no idempotent replay between examples)."""
    return create_app({"TESTING": True, "STORE_ENABLED": False}).test_client()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> t.Any:
    """A test client of an app that stores results in its own SQLite file."""
    path = tmp_path_factory.mktemp("properties") / "store.sqlite3"
    return create_app({"TESTING": True, "SQLITE_PATH": str(path)}).test_client()


def post(client: t.Any, document: t.Any) -> t.Any:
    # ensure_ascii: lone surrogates drawn by hypothesis travel as \ud800 escapes (a 400)
    return client.post(OPERATION, data=json.dumps(document).encode(), headers=FHIR_HEADERS)


def assert_proper_answer(response: t.Any) -> None:
    """Below 500; a 2xx is a ClinicalImpression; a 4xx is a valid R4 OperationOutcome."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.content_type.startswith("application/fhir+json")
    body = response.get_json()
    if response.status_code >= 400:
        assert response.status_code in {400, 413, 422}, response.status_code
        assert body["resourceType"] == "OperationOutcome"
        assert_valid_r4(body)
        assert all(issue["severity"] == "error" and issue["diagnostics"] for issue in body["issue"])
    else:
        assert response.status_code == 200
        assert body["resourceType"] == "ClinicalImpression"


def findings_of(items: t.Sequence[ExamItem]) -> list[t.Any]:
    return [to_finding(item, f"Observation/o{i}") for i, item in enumerate(items)]


def engine_roots(assessment: Assessment) -> dict[tuple[tuple[str, ...], Side | None], float]:
    """(segments, side) -> score of every single-root hypothesis."""
    return {
        (h.segments, h.side): h.score for h in assessment.hypotheses if h.pattern == "radiculopathy"
    }


def answer_findings(impression: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """pattern, segments, side and score of each finding of a ClinicalImpression."""
    out = []
    for finding in impression.get("finding", []):
        codings = finding["itemCodeableConcept"]["coding"]
        ext = {e["url"].removeprefix(EXT): e for e in finding.get("extension", [])}
        side = None
        if "laterality" in ext:
            side = SIDE_OF_CODE[ext["laterality"]["valueCodeableConcept"]["coding"][0]["code"]]
        out.append(
            {
                "pattern": next(c["code"] for c in codings if c["system"] == NEURO_PATTERN),
                "segments": tuple(c["code"] for c in codings if c["system"] == SPINAL_SEGMENT),
                "side": side,
                "score": ext["score"]["valueDecimal"],
            }
        )
    return out


def answer_roots(impression: dict[str, t.Any]) -> dict[tuple[tuple[str, ...], Side | None], float]:
    return {
        (f["segments"], f["side"]): f["score"]
        for f in answer_findings(impression)
        if f["pattern"] == "radiculopathy"
    }


def comparable(impression: dict[str, t.Any]) -> dict[str, t.Any]:
    """The answer without what changes from call to call (date, id, meta)."""
    return {k: v for k, v in impression.items() if k not in {"date", "id", "meta"}}


# -- robustness ---------------------------------------------------------------------------------


@HTTP
@given(document=json_documents())
def test_any_json_body_gets_an_answer_below_500_and_an_outcome_when_refused(
    stateless: t.Any, document: t.Any
) -> None:
    assert_proper_answer(post(stateless, document))


@settings(HTTP, max_examples=150)
@given(document=st.one_of(resource_shaped(), near_miss_documents(TABLE)))
def test_fhir_shaped_near_misses_get_an_answer_below_500_and_an_outcome_when_refused(
    stored: t.Any, document: t.Any
) -> None:
    assert_proper_answer(post(stored, document))


@HTTP
@given(items=exams(TABLE, min_size=1, max_size=6))
def test_a_well_formed_exam_is_always_answered_with_a_valid_clinical_impression(
    stateless: t.Any, items: list[ExamItem]
) -> None:
    response = post(stateless, exam_bundle(items))
    assert response.status_code == 200, response.get_json()
    impression = response.get_json()
    assert_valid_r4(impression)
    assert all(0.0 <= f["score"] <= 1.0 for f in answer_findings(impression))


@ENGINE
@given(items=exams(TABLE, min_size=1, max_size=8))
def test_the_parser_reads_exactly_the_findings_the_generated_exam_states(
    table: Table, items: list[ExamItem]
) -> None:
    parsed = parse_request(exam_bundle(items), table)
    assert list(parsed.findings) == findings_of(items)


# -- order does not matter ----------------------------------------------------------------------


@ENGINE
@given(data=st.data(), items=exams(TABLE, min_size=2, max_size=10))
def test_permuting_the_findings_never_changes_the_engine_assessment(
    table: Table, data: st.DataObject, items: list[ExamItem]
) -> None:
    findings = findings_of(items)
    shuffled = data.draw(st.permutations(findings))
    assert localize(shuffled, table) == localize(findings, table)


@HTTP
@given(data=st.data(), items=exams(TABLE, min_size=2, max_size=6))
def test_permuting_the_bundle_entries_never_changes_the_answer(
    stateless: t.Any, data: st.DataObject, items: list[ExamItem]
) -> None:
    document = exam_bundle(items)
    shuffled = dict(document, entry=data.draw(st.permutations(document["entry"])))
    first, second = post(stateless, document), post(stateless, shuffled)
    assert first.status_code == second.status_code == 200
    assert comparable(second.get_json()) == comparable(first.get_json())


# -- a normal finding never raises a root -------------------------------------------------------


@ENGINE
@given(
    items=exams(TABLE, min_size=1, max_size=8), extra=normal_items(TABLE), where=st.integers(0, 8)
)
def test_adding_a_normal_finding_never_raises_any_root_score(
    table: Table, items: list[ExamItem], extra: ExamItem, where: int
) -> None:
    before = engine_roots(localize(findings_of(items), table))
    more = [*items[:where], extra, *items[where:]]
    after = engine_roots(localize(findings_of(more), table))
    for root, score in before.items():
        assert after.get(root, 0.0) <= score, (root, score, after.get(root))
    assert set(after) <= set(before)  # a normal finding supports no new root


@HTTP
@given(items=exams(TABLE, min_size=1, max_size=6), extra=normal_items(TABLE))
def test_adding_a_normal_observation_never_raises_any_root_score_in_the_answer(
    stateless: t.Any, items: list[ExamItem], extra: ExamItem
) -> None:
    before = post(stateless, exam_bundle(items))
    after = post(stateless, exam_bundle([*items, extra]))
    assert before.status_code == after.status_code == 200
    old, new = answer_roots(before.get_json()), answer_roots(after.get_json())
    for root, score in old.items():
        assert new.get(root, 0.0) <= score, (root, score, new.get(root))
    assert set(new) <= set(old)


# -- nothing abnormal, no root ------------------------------------------------------------------


@ENGINE
@given(items=exams(TABLE, min_size=1, max_size=10))
def test_removing_every_abnormal_finding_removes_every_root(
    table: Table, items: list[ExamItem]
) -> None:
    normal = [item for item in items if item.polarity is Polarity.NORMAL]
    assessment = localize(findings_of(normal), table)
    assert not [h for h in assessment.hypotheses if h.pattern in ROOT_PATTERNS]
    assert "did not localize" in assessment.summary
    assert not assessment.localized and not assessment.urgent


@HTTP
@given(items=exams(TABLE, min_size=1, max_size=6), kept=normal_items(TABLE))
def test_an_exam_stripped_of_its_abnormal_observations_names_no_root(
    stateless: t.Any, items: list[ExamItem], kept: ExamItem
) -> None:
    normal = [kept, *(item for item in items if item.polarity is Polarity.NORMAL)]
    response = post(stateless, exam_bundle(normal))
    assert response.status_code == 200, response.get_json()
    impression = response.get_json()
    assert not [f for f in answer_findings(impression) if f["pattern"] in ROOT_PATTERNS]
    assert "did not localize" in impression["summary"]
    assert_valid_r4(impression)


def test_the_generated_exams_cover_every_kind_side_and_result(table: Table) -> None:
    """Guard against a strategy that silently stopped drawing some items (a vacuous property)."""
    seen: set[tuple[str, str | None, str]] = set()

    @settings(max_examples=300, derandomize=True, deadline=None, database=None)
    @given(items=exams(TABLE, min_size=1, max_size=8))
    def collect(items: list[ExamItem]) -> None:
        for item in items:
            seen.add((item.scale, item.side.value if item.side else None, item.polarity.value))

    collect()
    assert {scale for scale, _, _ in seen} == {"sensory", "dtr", "umn", "motor"}
    assert {side for _, side, _ in seen} == {"left", "right", "bilateral", None}
    assert {p for _, _, p in seen} == {p.value for p in Polarity}


# -- store-facing shapes, on every database ------------------------------------------------------

#: results at the edges of the calendar, for the generated date searches to match against.
EDGE_DATES = (
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(2026, 3, 1, 12, tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
)


@pytest.fixture(scope="module", params=BACKENDS)
def on_each_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[t.Any]:
    """A test client of an app storing in SQLite, then in PostgreSQL, with results at the
    edges of the calendar."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("edges") / "store.sqlite3")
    else:
        url = request.getfixturevalue("postgres").create_database()
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    store = app.extensions["store"]
    for when in EDGE_DATES:
        store.save(make_result(date=when))
    yield app.test_client()
    store.close()


@settings(HTTP, max_examples=40)
@given(
    items=exams(TABLE, min_size=1, max_size=3),
    reference=subject_references(),
    identifier=st.sampled_from([None, "exam-1", "exam-2"]),
)
def test_an_exam_about_any_subject_reference_never_answers_5xx(
    on_each_database: t.Any, items: list[ExamItem], reference: str, identifier: str | None
) -> None:
    document = exam_bundle(items, patient=reference)
    if identifier is not None:  # reused across examples: replays and 409s are drawn too
        document["identifier"] = {"system": "urn:example:exam", "value": identifier}
    response = post(on_each_database, document)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    body = response.get_json()
    if response.status_code == 200:
        assert len(reference) <= 256
        stored = on_each_database.get(f"/fhir/ClinicalImpression/{body['id']}")
        assert stored.status_code == 200 and stored.get_json()["subject"] == body["subject"]
    else:
        assert response.status_code in {400, 409, 422}, response.status_code
        assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["expression"]
        assert_valid_r4(body)
        if len(reference) > 256 and response.status_code == 422:
            assert body["issue"][0]["code"] in {
                "too-long",
                "business-rule",
                "not-supported",
                "processing",
            }


@settings(HTTP, max_examples=150)
@given(request=store_requests())
def test_every_store_route_answers_any_reference_date_and_offset_below_500(
    on_each_database: t.Any, request: tuple[str, list[tuple[str, str]]]
) -> None:
    path, query = request
    response = on_each_database.get(path, query_string=query, headers=FHIR_HEADERS)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    body = response.get_json()
    if response.status_code >= 400:
        assert response.status_code in {400, 404}, response.status_code
        assert body["resourceType"] == "OperationOutcome"
        assert_valid_r4(body)
    elif body["resourceType"] == "Bundle":
        assert body["type"] == "searchset" and body["total"] >= 0


@settings(HTTP, max_examples=120)
@given(value=search_dates(valid=True), sort=st.sampled_from(["date", "-date"]))
def test_every_valid_date_from_year_1_to_9999_with_any_prefix_is_searchable(
    on_each_database: t.Any, value: str, sort: str
) -> None:
    response = on_each_database.get(
        "/fhir/ClinicalImpression", query_string={"date": value, "_sort": sort}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    bundle = response.get_json()
    assert bundle["type"] == "searchset" and bundle["total"] >= len(bundle.get("entry", []))
