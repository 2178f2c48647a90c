"""The response schemas of openapi.yaml describe what the service really answers.

Real answers of the app (every sample exam of tests/data/samples posted to ``$localize-root``,
then read back, searched, with their Provenance; the conformance and terminology resources;
the errors) are validated against the schema openapi.yaml declares for that path, method,
status and media type, with jsonschema-rs. The schemas are full enough for a client generated
from openapi.yaml to read what it needs (``id``, ``meta``, ``subject``, ``date``, ``finding``,
a Bundle's ``link``, ``total`` and ``entry``), and strict enough to fail on a wrong answer.
"""

from __future__ import annotations

import copy
import functools
import re
import typing as t
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from tests.conftest import FHIR_HEADERS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(
    p
    for p in (ROOT / "tests" / "data" / "samples").glob("*.json")
    if not p.name.endswith(".expected.json")
)
OPERATION = "/fhir/ClinicalImpression/$localize-root"


@functools.cache
def document() -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], yaml.safe_load((ROOT / "openapi.yaml").read_text()))


def _template(path: str) -> str:
    """The openapi.yaml path that serves *path* (``/fhir/ClinicalImpression/abc`` ->
    ``/fhir/ClinicalImpression/{id}``)."""
    for template in document()["paths"]:
        pattern = re.sub(r"\\\{[a-z]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and (template == path or "{" in template):
            if template == path:
                return template
            candidate = template
            break
    else:
        raise AssertionError(f"{path} is not in openapi.yaml")
    return path if path in document()["paths"] else candidate


@functools.cache
def validator(template: str, method: str, status: int, media_type: str) -> t.Any:
    """A validator of the body schema openapi.yaml declares for this answer."""
    responses = document()["paths"][template][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {template} does not declare {status}"
    response = responses[str(status)]
    if "$ref" in response:
        response = document()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"][media_type]["schema"]
    return jsonschema_rs.Draft4Validator({**schema, "components": document()["components"]})


def assert_conforms(path: str, method: str, response: t.Any) -> dict[str, t.Any]:
    """*response* (a Flask test response) matches what openapi.yaml declares for it."""
    media_type = response.mimetype
    body = response.get_json()
    check = validator(_template(path), method, response.status_code, media_type)
    errors = [f"{list(e.instance_path)}: {e.message}"[:300] for e in check.iter_errors(body)]
    assert not errors, f"{method.upper()} {path} {response.status_code}: {errors[:5]}"
    return t.cast(dict[str, t.Any], body)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> t.Any:
    from service import create_app

    path = tmp_path_factory.mktemp("openapi-schemas") / "store.sqlite3"
    return create_app({"TESTING": True, "SQLITE_PATH": str(path)}).test_client()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_answer_and_its_stored_copies_match_the_response_schemas(
    served: t.Any, sample: Path
) -> None:
    answer = served.post(OPERATION, data=sample.read_bytes(), headers=FHIR_HEADERS)
    body = assert_conforms(OPERATION, "post", answer)
    if answer.status_code != 200:
        return
    ident = body["id"]
    for path in (
        f"/fhir/ClinicalImpression/{ident}",
        f"/fhir/ClinicalImpression/{ident}/_history/1",
    ):
        assert assert_conforms(path, "get", served.get(path))["id"] == ident
    search = (
        f"/fhir/ClinicalImpression?subject={body['subject']['reference']}"
        "&_revinclude=Provenance:target"
    )
    bundle = assert_conforms("/fhir/ClinicalImpression", "get", served.get(search))
    assert bundle["total"] >= 1 and bundle["link"][0]["relation"] == "self"
    found = served.get(f"/fhir/Provenance?target=ClinicalImpression/{ident}")
    provenance = assert_conforms("/fhir/Provenance", "get", found)["entry"][0]["resource"]
    assert_conforms(
        f"/fhir/Provenance/{provenance['id']}",
        "get",
        served.get(f"/fhir/Provenance/{provenance['id']}"),
    )
    for resource, schema in ((body, "ClinicalImpression"), (provenance, "Provenance")):
        errors = list(_component(schema).iter_errors(resource))
        assert not errors, errors[:3]


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/metadata",
        "/fhir/metadata?mode=terminology",
        "/fhir/metadata?mode=AAA",
        "/fhir/OperationDefinition/localize-root",
        "/fhir/OperationDefinition/other",
        "/fhir/CodeSystem",
        "/fhir/CodeSystem?_id=neuro-exam",
        "/fhir/CodeSystem/spinal-segment",
        "/fhir/CodeSystem/neuro-exam",
        "/fhir/CodeSystem/neuro-pattern",
        "/fhir/CodeSystem/nothing",
        "/fhir/ConceptMap",
        "/fhir/ConceptMap/site-to-segment",
        "/fhir/ConceptMap/reflex-to-segment",
        "/fhir/ConceptMap/movement-to-segment",
        "/fhir/ConceptMap?url=nothing",
        "/fhir/ConceptMap/$translate?system=http://snomed.info/sct&code=6417001",
        "/fhir/ConceptMap/$translate?code=6417001",
        "/fhir/ClinicalImpression?date=ge2026-01-01&_count=1",
        "/fhir/ClinicalImpression?date=x",
        "/fhir/ClinicalImpression/no-such-id",
        "/fhir/Provenance?target=ClinicalImpression/none",
        "/fhir/Provenance/none",
        "/healthz",
        "/readyz",
    ],
)
def test_conformance_terminology_and_error_answers_match_the_response_schemas(
    served: t.Any, path: str
) -> None:
    assert_conforms(path.partition("?")[0], "get", served.get(path))


def _component(name: str) -> t.Any:
    return jsonschema_rs.Draft4Validator(
        {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}
    )


def test_the_schemas_fail_a_wrong_answer(served: t.Any) -> None:
    """Not vacuous: an answer with a numeric id, no subject, or a string total is refused."""
    sample = (ROOT / "tests" / "data" / "samples" / "l5-left.json").read_bytes()
    good = served.post(OPERATION, data=sample, headers=FHIR_HEADERS).get_json()
    assert _component("ClinicalImpression").is_valid(good)
    for broken in (
        {**good, "id": 12},
        {k: v for k, v in good.items() if k != "subject"},
        {**good, "date": "yesterday"},
        {**good, "meta": {"lastUpdated": "now"}},
    ):
        assert not _component("ClinicalImpression").is_valid(broken)
    bundle = served.get("/fhir/ClinicalImpression").get_json()
    assert _component("Bundle").is_valid(bundle)
    wrong = copy.deepcopy(bundle)
    wrong["total"] = "1"
    assert not _component("Bundle").is_valid(wrong)
    assert not _component("OperationOutcome").is_valid(
        {"resourceType": "OperationOutcome", "issue": []}
    )


def _resolve(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    while "$ref" in schema:
        schema = document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _property(schema_name: str, *path: str) -> dict[str, t.Any]:
    schema = _resolve({"$ref": f"#/components/schemas/{schema_name}"})
    for name in path:
        if name == "[]":
            assert schema.get("type") == "array", schema
            schema = _resolve(schema["items"])
        else:
            assert name in schema.get("properties", {}), f"{schema_name} has no {'.'.join(path)}"
            schema = _resolve(schema["properties"][name])
    return schema


@pytest.mark.parametrize(
    ("schema", "path", "kind"),
    [
        ("ClinicalImpression", ("id",), "string"),
        ("ClinicalImpression", ("meta", "versionId"), "string"),
        ("ClinicalImpression", ("meta", "lastUpdated"), "string"),
        ("ClinicalImpression", ("subject", "reference"), "string"),
        ("ClinicalImpression", ("date",), "string"),
        ("ClinicalImpression", ("status",), "string"),
        ("ClinicalImpression", ("summary",), "string"),
        ("ClinicalImpression", ("finding", "[]", "basis"), "string"),
        (
            "ClinicalImpression",
            ("finding", "[]", "itemCodeableConcept", "coding", "[]", "code"),
            "string",
        ),
        ("ClinicalImpression", ("finding", "[]", "extension", "[]", "url"), "string"),
        ("ClinicalImpression", ("finding", "[]", "extension", "[]", "valueDecimal"), "number"),
        ("ClinicalImpression", ("extension", "[]", "url"), "string"),
        ("Bundle", ("total",), "integer"),
        ("Bundle", ("link", "[]", "relation"), "string"),
        ("Bundle", ("link", "[]", "url"), "string"),
        ("Bundle", ("entry", "[]", "fullUrl"), "string"),
        ("Bundle", ("entry", "[]", "resource", "id"), "string"),
        ("Bundle", ("entry", "[]", "search", "mode"), "string"),
        ("Provenance", ("id",), "string"),
        ("Provenance", ("target", "[]", "reference"), "string"),
        ("Provenance", ("recorded",), "string"),
        ("OperationOutcome", ("issue", "[]", "expression", "[]"), "string"),
        (
            "CapabilityStatement",
            ("rest", "[]", "resource", "[]", "searchParam", "[]", "name"),
            "string",
        ),
        ("CodeSystem", ("concept", "[]", "code"), "string"),
        ("ConceptMap", ("group", "[]", "element", "[]", "target", "[]", "code"), "string"),
        ("OperationDefinition", ("parameter", "[]", "name"), "string"),
    ],
)
def test_a_generated_client_can_read_the_fields(
    schema: str, path: tuple[str, ...], kind: str
) -> None:
    """What a code generator sees: each field is declared, with its JSON type."""
    assert _property(schema, *path).get("type") == kind


def test_cds_hooks_answers_match_the_response_schemas(served: t.Any) -> None:
    """/cds-services: discovery, cards (critical, with the ClinicalImpression as the suggested
    resource), the 412 of a patient-view without prefetch or FHIR server, feedback 200 and 404:
    each as openapi.yaml declares it; and the card schema refuses a card without its source."""
    from tests.cds_support import exam_sign, hook_request, sample

    assert_conforms("/cds-services", "get", served.get("/cds-services"))
    signed = served.post(
        "/cds-services/neuroroot-exam-sign", json=exam_sign(sample("cauda-equina"))
    )
    cards = assert_conforms("/cds-services/neuroroot-exam-sign", "post", signed)["cards"]
    assert signed.status_code == 200 and cards[0]["indicator"] == "critical"
    no_prefetch = served.post(
        "/cds-services/neuroroot-patient-view", json=hook_request("patient-view", "p-1")
    )
    assert no_prefetch.status_code == 412
    assert_conforms("/cds-services/neuroroot-patient-view", "post", no_prefetch)
    item = {
        "card": cards[0]["uuid"],
        "outcome": "overridden",
        "outcomeTimestamp": "2026-01-02T03:04:05Z",
    }
    stored = served.post("/cds-services/neuroroot-exam-sign/feedback", json={"feedback": [item]})
    assert stored.status_code == 200 and not stored.get_data()
    unknown = served.post(
        "/cds-services/neuroroot-exam-sign/feedback",
        json={"feedback": [{**item, "card": "no-such-card"}]},
    )
    assert unknown.status_code == 404
    assert_conforms("/cds-services/neuroroot-exam-sign/feedback", "post", unknown)
    card = _component("CdsCard")
    assert card.is_valid(cards[0])
    assert not card.is_valid({k: v for k, v in cards[0].items() if k != "source"})
    assert not card.is_valid({**cards[0], "indicator": "urgent"})
