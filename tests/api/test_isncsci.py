"""``POST /fhir/Observation/$classify-isncsci`` through HTTP (DESIGN section 9).

Parity: the 128 reference cases (praxis ``specs/2019.json``) encoded as FHIR Bundles give the
reference's 11 fields and 14 totals; a few hundred generated exams agree with the reference
classifier itself (``tests/fhirjs/isncsci_oracle.js``). Then the encoding (codings, possible
values, ND), the three validators, storage (read, search, Provenance, replay), and bad input.
"""

from __future__ import annotations

import copy
import json
import os
import typing as t
from pathlib import Path

import pytest

from service import create_app
from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS
from tests.conftest import FHIR_HEADERS
from tests.isncsci_fhir import SEGMENT, SNOMED, answer_as_text, exam_bundle, observation
from tests.isncsci_generator import exams
from tests.isncsci_support import case_exam, case_expected, load_cases, reference_answer
from tests.unit.test_isncsci_differential import reference  # noqa: F401 (the oracle fixture)
from tests.validation import assert_valid_r4

OPERATION = "/fhir/Observation/$classify-isncsci"
ISNCSCI = "http://neuroroot.org/fhir/CodeSystem/isncsci"
CASES = load_cases()
N = int(os.environ.get("NEUROROOT_ISNCSCI_HTTP_N", "300"))


@pytest.fixture(scope="module")
def stateless(tmp_path_factory: pytest.TempPathFactory) -> t.Any:
    audit = tmp_path_factory.mktemp("audit") / "audit.ndjson"
    app = create_app({"TESTING": True, "STORE_ENABLED": False, "AUDIT_LOG": str(audit)})
    return app.test_client()


def post(client: t.Any, document: t.Any) -> t.Any:
    return client.post(OPERATION, data=json.dumps(document), headers=FHIR_HEADERS)


def ok(response: t.Any) -> dict[str, t.Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return t.cast(dict[str, t.Any], response.get_json())


def normal_exam() -> dict[str, t.Any]:
    """The case of the reference notes: C6 complete tetraplegia."""
    return next(c for c in CASES if c["id"] == CASES[0]["id"])


# -- parity --


@pytest.mark.parametrize("case", CASES, ids=[f"case-{c['id']}" for c in CASES])
def test_reference_case_through_http(stateless: t.Any, case: dict[str, t.Any]) -> None:
    bundle = ok(post(stateless, exam_bundle(case_exam(case))))
    assert answer_as_text(bundle) == case_expected(case)


def test_generated_exams_through_http_agree_with_the_reference(
    stateless: t.Any,
    reference: t.Any,  # noqa: F811
) -> None:
    batch = list(exams(20260302, N))
    theirs = reference(batch)
    disagreements = []
    for exam, answer in zip(batch, theirs, strict=True):
        assert "error" not in answer, answer
        ours = answer_as_text(ok(post(stateless, exam_bundle(exam))))
        if ours != reference_answer(answer):
            disagreements.append(json.dumps(exam))
    assert not disagreements, "\n".join(disagreements[:3])


# -- the answer's encoding --


def by_code(bundle: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"]}


def test_answer_is_a_collection_with_the_panel_first(stateless: t.Any) -> None:
    document = exam_bundle(case_exam(CASES[0]))
    bundle = ok(post(stateless, document))
    assert bundle["type"] == "collection" and len(bundle["entry"]) == 26
    panel = bundle["entry"][0]["resource"]
    assert panel["code"]["coding"][0] == {
        "system": ISNCSCI,
        "code": "classification",
        "display": "ISNCSCI classification",
    }
    assert [m["reference"] for m in panel["hasMember"]] == [
        e["fullUrl"] for e in bundle["entry"][1:]
    ]
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    assert [r["reference"] for r in panel["derivedFrom"]] == [
        e["fullUrl"] for e in document["entry"]
    ]
    assert panel["subject"] == {"reference": "Patient/isncsci-1"}
    assert panel["effectiveDateTime"] == "2026-03-02T10:00:00Z"
    assert any("sensory level" in n["text"].lower() for n in panel["note"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert resource["status"] == "final"
        assert resource["category"][0]["coding"][0]["code"] == "exam"
        assert_valid_r4(resource)


def test_decided_values_are_coded_and_undecided_ones_are_components(stateless: t.Any) -> None:
    case = next(c for c in CASES if "," in c["totals"]["asiaImpairmentScale"])
    found = by_code(ok(post(stateless, exam_bundle(case_exam(case)))))
    ais = found["asia-impairment-scale"]["valueCodeableConcept"]
    assert ais["text"] == case["totals"]["asiaImpairmentScale"] and "coding" not in ais
    values = [c["valueCodeableConcept"] for c in found["asia-impairment-scale"]["component"]]
    assert ",".join(v["text"] for v in values) == ais["text"]
    assert {
        c["code"]["coding"][0]["code"] for c in found["asia-impairment-scale"]["component"]
    } == {"possible-value"}
    assert all(v["coding"][0]["system"] == ISNCSCI for v in values)

    first = by_code(ok(post(stateless, exam_bundle(case_exam(CASES[0])))))
    level = first["sensory-level-right"]["valueCodeableConcept"]
    assert level == {"text": "C6", "coding": [{"system": SEGMENT, "code": "C6", "display": "C6"}]}
    assert first["injury-complete"]["valueCodeableConcept"]["coding"][0]["code"] == "complete"
    assert first["asia-impairment-scale"]["valueCodeableConcept"]["coding"][0]["code"] == "A"
    assert first["light-touch-right"]["valueInteger"] == 16


def test_intact_exam_codes_int_na_and_e(stateless: t.Any) -> None:
    normal = {
        side: {
            "lightTouch": dict.fromkeys(CASE_LEVELS[0], "2"),
            "pinPrick": dict.fromkeys(CASE_LEVELS[0], "2"),
            "motor": dict.fromkeys(CASE_LEVELS[1], "5"),
        }
        for side in ("right", "left")
    }
    exam = {**normal, "voluntaryAnalContraction": "Yes", "deepAnalPressure": "Yes"}
    found = by_code(ok(post(stateless, exam_bundle(exam))))
    assert found["neurological-level-of-injury"]["valueCodeableConcept"]["coding"][0] == {
        "system": SEGMENT,
        "code": "INT",
        "display": "Intact (no level)",
    }
    assert found["zpp-motor-left"]["valueCodeableConcept"]["coding"][0]["code"] == "NA"
    assert found["asia-impairment-scale"]["valueCodeableConcept"]["text"] == "E"
    assert found["light-touch"]["valueInteger"] == 112


CASE_LEVELS = (SENSORY_LEVELS, MOTOR_LEVELS)  # praxis's level keys (S4_5)


def test_nd_totals_are_data_absent_unknown(stateless: t.Any) -> None:
    case = next(c for c in CASES if c["totals"]["touchTotal"] == "ND")
    found = by_code(ok(post(stateless, exam_bundle(case_exam(case)))))
    total = found["light-touch"]
    assert "valueInteger" not in total
    assert total["dataAbsentReason"]["coding"][0]["code"] == "unknown"


def test_missing_items_count_as_nt_and_are_listed(stateless: t.Any) -> None:
    document = exam_bundle(case_exam(CASES[0]))
    document["entry"] = [
        e
        for e in document["entry"]
        if e["resource"]["code"]["coding"][0]["code"] != "deep-anal-pressure"
        and e["resource"].get("bodySite", {}).get("coding", [{}])[0].get("code") != "T4"
    ]
    bundle = ok(post(stateless, document))
    notes = " ".join(n["text"] for n in bundle["entry"][0]["resource"]["note"])
    assert "5 items not in the exam, counted as not testable (NT)" in notes
    assert "right light touch T4" in notes and "deep anal pressure" in notes
    assert by_code(bundle)["light-touch-right"]["dataAbsentReason"]["text"] == "ND"


def test_effective_period_when_times_differ_and_parameters_form(stateless: t.Any) -> None:
    document = exam_bundle(case_exam(CASES[0]))
    document["entry"][-1]["resource"]["effectiveDateTime"] = "2026-03-02T11:30:00Z"
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "observation", "resource": e["resource"]} for e in document["entry"]
        ],
    }
    panel = ok(post(stateless, parameters))["entry"][0]["resource"]
    assert panel["effectivePeriod"] == {
        "start": "2026-03-02T10:00:00Z",
        "end": "2026-03-02T11:30:00Z",
    }


def test_snomed_key_point_and_bilateral_side(stateless: t.Any) -> None:
    document = exam_bundle(case_exam(CASES[0]))
    kept = [
        e
        for e in document["entry"]
        if not (
            e["resource"]["code"]["coding"][0]["code"] == "light-touch"
            and e["resource"]["bodySite"]["coding"][0]["code"] == "T12"
        )
    ]
    item = observation(
        "light-touch",
        subject="Patient/isncsci-1",
        when="2026-03-02T10:00:00Z",
        side="bilateral",
        token="0",
    )
    item["bodySite"]["coding"] = [{"system": SNOMED, "code": "26893007"}]  # inguinal: T12
    document["entry"] = [
        *kept,
        {"fullUrl": "urn:uuid:1b0c0000-0000-4000-8000-000000000001", "resource": item},
    ]
    bundle = ok(post(stateless, document))
    assert answer_as_text(bundle) == case_expected(CASES[0])  # both T12 were 0
    notes = bundle["entry"][0]["resource"]["note"]
    assert "not in the exam" not in " ".join(n["text"] for n in notes)


def test_emitted_resources_pass_fhirjs(stateless: t.Any, tmp_path: Path) -> None:
    from tests.test_fhirjs import _errors, run_fhirjs

    case = next(c for c in CASES if "," in c["totals"]["asiaImpairmentScale"])
    answer = ok(post(stateless, exam_bundle(case_exam(case))))
    resources = [e["resource"] for e in answer["entry"]]
    resources.append(ok(post(stateless, exam_bundle(case_exam(CASES[0])))))
    app = create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "x.sqlite3")})
    client = app.test_client()
    stored = ok(post(client, exam_bundle(case_exam(CASES[0]))))
    resources.append(stored)
    provenance = client.get(
        f"/fhir/Provenance?target=Observation/{stored['entry'][0]['resource']['id']}"
    ).get_json()
    resources.append(provenance["entry"][0]["resource"])
    assert_valid_r4(provenance["entry"][0]["resource"])
    report = run_fhirjs(resources)
    problems = [(r["resourceType"], _errors(r)) for r in report["results"] if _errors(r)]
    assert not problems, problems


# -- storage --


def test_stored_observations_are_read_searched_and_replayed(client: t.Any) -> None:
    document = exam_bundle(case_exam(CASES[0]), identifier="urn:uuid:exam-1")
    response = post(client, document)
    bundle = ok(response)
    panel = bundle["entry"][0]["resource"]
    member = bundle["entry"][1]["resource"]["id"]
    location = response.headers["Content-Location"]
    assert location.endswith(f"/fhir/Observation/{panel['id']}/_history/1")
    assert bundle["entry"][1]["fullUrl"] == f"http://localhost/fhir/Observation/{member}"
    assert panel["hasMember"][0]["reference"] == f"Observation/{member}"
    for entry in bundle["entry"]:
        read = client.get(f"/fhir/Observation/{entry['resource']['id']}", headers=FHIR_HEADERS)
        assert read.status_code == 200 and read.get_json() == entry["resource"]
        assert read.headers["ETag"] == 'W/"1"'
    # replay: the stored answer, same ids
    again = ok(post(client, document))
    assert [e["resource"]["id"] for e in again["entry"]] == [
        e["resource"]["id"] for e in bundle["entry"]
    ]
    # the same identifier with another exam: 409
    other = exam_bundle(case_exam(CASES[1]), identifier="urn:uuid:exam-1")
    assert post(client, other).status_code == 409
    # search by subject and code
    found = client.get(
        "/fhir/Observation?subject=Patient/isncsci-1&code=asia-impairment-scale",
        headers=FHIR_HEADERS,
    ).get_json()
    assert found["type"] == "searchset" and found["total"] == 1
    assert found["entry"][0]["resource"]["valueCodeableConcept"]["text"] == "A"
    assert_valid_r4(found)
    both = client.get(
        f"/fhir/Observation?patient=isncsci-1&code={ISNCSCI}|classification,motor-left",
        headers=FHIR_HEADERS,
    ).get_json()
    assert both["total"] == 2
    assert client.get("/fhir/Observation?subject=Patient/nobody").get_json()["total"] == 0
    assert client.get("/fhir/Observation?code=http://loinc.org|1").status_code == 400
    # Provenance by id and by target
    provenance = client.get(f"/fhir/Provenance?target=Observation/{panel['id']}").get_json()
    assert provenance["total"] == 1
    stored = provenance["entry"][0]["resource"]
    assert len(stored["target"]) == 26 and len(stored["entity"]) == len(document["entry"])
    assert client.get(f"/fhir/Provenance/{stored['id']}").get_json() == stored
    assert client.get("/fhir/Observation/nope").status_code == 404


def test_observations_follow_the_search_conventions_and_openapi(client: t.Any) -> None:
    """The declared surface on stored Observations: vread (the Content-Location), keyset pages
    that repeat and skip nothing, POST _search, _id, _lastUpdated, _elements, a 400 naming a
    bad code, Provenance?target=Observation with other parameters refused; every answer is what
    openapi.yaml declares for it."""
    from tests.api.test_openapi_schemas import assert_conforms

    response = post(
        client,
        exam_bundle(
            case_exam(CASES[2]), subject="Patient/isncsci-3", identifier="urn:uuid:paging-1"
        ),
    )
    assert_conforms(OPERATION, "post", response)
    panel = response.get_json()["entry"][0]["resource"]
    version = client.get(response.headers["Content-Location"], headers=FHIR_HEADERS)
    assert version.status_code == 200 and version.get_json() == panel
    assert_conforms(f"/fhir/Observation/{panel['id']}/_history/1", "get", version)
    assert client.get(f"/fhir/Observation/{panel['id']}/_history/2").status_code == 404
    read = client.get(f"/fhir/Observation/{panel['id']}?_elements=code", headers=FHIR_HEADERS)
    assert_conforms(f"/fhir/Observation/{panel['id']}", "get", read)
    assert "hasMember" not in read.get_json() and read.get_json()["code"] == panel["code"]
    seen: list[str] = []
    url: str | None = "/fhir/Observation?patient=isncsci-3&_count=10"
    while url:
        page = client.get(url, headers=FHIR_HEADERS)
        body = assert_conforms("/fhir/Observation", "get", page)
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        url = next((link["url"] for link in body["link"] if link["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == 26 and panel["id"] in seen
    posted = client.post(
        "/fhir/Observation/_search",
        data={"_id": panel["id"]},
        headers={"Accept": "application/fhir+json"},
    )
    body = assert_conforms("/fhir/Observation/_search", "post", posted)
    assert body["total"] == 1 and body["entry"][0]["resource"]["id"] == panel["id"]
    assert (
        client.get("/fhir/Observation?patient=isncsci-3&_lastUpdated=lt2000-01-01").get_json()[
            "total"
        ]
        == 0
    )
    bad = client.get("/fhir/Observation?code=http://loinc.org|1")
    assert bad.status_code == 400 and bad.get_json()["issue"][0]["expression"] == ["http.code"]
    mixed = client.get(f"/fhir/Provenance?target=Observation/{panel['id']}&_count=1")
    assert mixed.status_code == 400
    assert mixed.get_json()["issue"][0]["expression"] == ["http._count"]


def test_stateless_server_does_not_serve_observations(stateless: t.Any) -> None:
    assert stateless.get("/fhir/Observation/x").status_code == 404


# -- bad input --


def _first(document: dict[str, t.Any], code: str, level: str | None = None) -> dict[str, t.Any]:
    for entry in document["entry"]:
        resource = entry["resource"]
        if resource["code"]["coding"][0]["code"] == code and (
            level is None or resource["bodySite"]["coding"][0]["code"] == level
        ):
            return t.cast(dict[str, t.Any], resource)
    raise AssertionError(code)


def _index(document: dict[str, t.Any], resource: dict[str, t.Any]) -> int:
    return next(i for i, e in enumerate(document["entry"]) if e["resource"] is resource)


def _breakers() -> dict[str, tuple[t.Callable[[dict[str, t.Any]], dict[str, t.Any]], int, str]]:
    def out_of_range(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = _first(d, "elbow-flexion")
        item["valueInteger"] = 6
        return item

    def sensory_out_of_range(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = _first(d, "pin-prick", "C4")
        item["valueInteger"] = 3
        return item

    def no_side(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = _first(d, "light-touch", "C5")
        del item["bodySite"]["extension"]
        return item

    def grade_as_string(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = _first(d, "wrist-extension")
        item["valueString"] = str(item.pop("valueInteger", "3"))
        item.pop("dataAbsentReason", None)
        return item

    def unknown_key_point(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = _first(d, "light-touch", "C6")
        item["bodySite"]["coding"] = [{"system": SNOMED, "code": "12738006"}]  # brain
        return item

    def star_on_normal(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = _first(d, "light-touch", "C2")
        item["valueInteger"] = 2
        item.pop("dataAbsentReason", None)
        item["extension"] = [
            {
                "url": "http://neuroroot.org/fhir/StructureDefinition/isncsci-non-sci-impairment",
                "valueCode": "consider-normal",
            }
        ]
        return item

    def conflicting(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = copy.deepcopy(_first(d, "knee-extension"))
        item["valueInteger"] = 4 if item.get("valueInteger") != 4 else 3
        item.pop("dataAbsentReason", None)
        d["entry"].append(
            {"fullUrl": "urn:uuid:1b0c0000-0000-4000-8000-000000000002", "resource": item}
        )
        return item

    def vac_as_integer(d: dict[str, t.Any]) -> dict[str, t.Any]:
        item = _first(d, "voluntary-anal-contraction")
        item.pop("valueBoolean", None)
        item.pop("dataAbsentReason", None)
        item["valueInteger"] = 1
        return item

    return {
        "motor out of range": (out_of_range, 422, "valueInteger"),
        "sensory out of range": (sensory_out_of_range, 422, "valueInteger"),
        "key point without a side": (no_side, 422, "bodySite"),
        "grade as a string": (grade_as_string, 422, "valueString"),
        "unknown key point": (unknown_key_point, 422, "bodySite.coding"),
        "star on a normal item": (star_on_normal, 422, "extension"),
        "two values for one item": (conflicting, 422, "valueInteger"),
        "anal contraction as an integer": (vac_as_integer, 422, "valueInteger"),
    }


@pytest.mark.parametrize("name", list(_breakers()))
def test_bad_item_is_refused_naming_the_element(stateless: t.Any, name: str) -> None:
    breaker, status, element = _breakers()[name]
    document = exam_bundle(case_exam(CASES[0]))
    item = breaker(document)
    response = post(stateless, document)
    assert response.status_code == status, response.get_data(as_text=True)
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert_valid_r4(outcome)
    expressions = [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    where = f"Bundle.entry[{_index(document, item)}].resource"
    assert any(e.startswith(where) and element in e for e in expressions), expressions


def test_json_string_as_integer_is_a_400(stateless: t.Any) -> None:
    document = exam_bundle(case_exam(CASES[0]))
    item = _first(document, "elbow-flexion")
    item.pop("dataAbsentReason", None)
    item["valueInteger"] = "4"
    response = post(stateless, document)
    assert response.status_code == 400
    assert "valueInteger" in json.dumps(response.get_json()["issue"])


def test_two_conflicting_items_are_both_named(stateless: t.Any) -> None:
    document = exam_bundle(case_exam(CASES[0]))
    item = _breakers()["two values for one item"][0](document)
    first = _first(document, "knee-extension")
    expressions = post(stateless, document).get_json()["issue"][0]["expression"]
    assert expressions == [
        f"Bundle.entry[{_index(document, first)}].resource.valueInteger",
        f"Bundle.entry[{_index(document, item)}].resource.valueInteger",
    ]


def test_an_exam_with_nothing_for_isncsci_is_a_422(stateless: t.Any) -> None:
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": SNOMED, "code": "299913001"}]},
                    "subject": {"reference": "Patient/p"},
                }
            }
        ],
    }
    response = post(stateless, document)
    assert response.status_code == 422
    assert "nothing usable for ISNCSCI" in response.get_json()["issue"][0]["diagnostics"]
    assert post(stateless, {"resourceType": "Patient"}).status_code == 400
