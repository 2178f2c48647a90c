"""Prefer: return=... on $localize-root, and POST /fhir/Bundle/$validate (nothing stored)."""

from __future__ import annotations

import copy
import json
import typing as t
from pathlib import Path

import pytest

from service import create_app
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

DATA = Path(__file__).parent.parent / "data"
EXAM = DATA / "writes" / "l5-left-with-extras.json"
OPERATION = "/fhir/ClinicalImpression/$localize-root"
VALIDATE = "/fhir/Bundle/$validate"


def exam() -> dict[str, t.Any]:
    return json.loads(EXAM.read_text())


def post(client: t.Any, path: str, body: t.Any, **headers: str) -> t.Any:
    return client.post(path, data=json.dumps(body), headers={**FHIR_HEADERS, **headers})


def stored_count(client: t.Any) -> int:
    return client.get("/fhir/ClinicalImpression?_count=0").get_json()["total"]


# --- Prefer --------------------------------------------------------------------------------


def test_return_minimal_answers_no_body_but_the_stored_copy(client: t.Any) -> None:
    response = post(client, OPERATION, exam(), Prefer="return=minimal")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Preference-Applied"] == "return=minimal"
    location = response.headers["Location"]
    assert location == response.headers["Content-Location"]
    assert location.endswith("/_history/1") and response.headers["ETag"] == 'W/"1"'
    assert response.headers["Last-Modified"]
    path = location.split("://", 1)[1].split("/", 1)[1]
    read = client.get("/" + path)
    assert read.status_code == 200 and read.get_json()["resourceType"] == "ClinicalImpression"


def test_return_operation_outcome_lists_used_and_skipped(client: t.Any) -> None:
    response = post(client, OPERATION, exam(), Prefer="return=OperationOutcome")
    assert response.status_code == 200
    outcome = response.get_json()
    assert_valid_r4(outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    assert response.headers["ETag"] == 'W/"1"' and response.headers["Content-Location"]
    first, *issues = outcome["issue"]
    stored_id = response.headers["Content-Location"].split("/ClinicalImpression/")[1].split("/")[0]
    assert f"stored as ClinicalImpression/{stored_id}" in first["diagnostics"]
    assert "7 Observations used, 2 resources skipped" in first["diagnostics"]
    used = [i for i in issues if i["severity"] == "information"]
    skipped = [i for i in issues if i["severity"] == "warning"]
    assert len(used) == 7 and all(i["expression"][0].startswith("Bundle.entry[") for i in used)
    assert {i["expression"][0] for i in skipped} == {
        "Bundle.entry[7].resource",
        "Bundle.entry[8].resource",
    }
    assert any("Observation/bp-1" in i["diagnostics"] for i in skipped)


def test_return_representation_and_no_preference_answer_the_impression(client: t.Any) -> None:
    plain = post(client, OPERATION, exam())
    explicit = post(client, OPERATION, exam(), Prefer="return=representation")
    assert plain.get_json() == explicit.get_json()
    assert explicit.get_json()["resourceType"] == "ClinicalImpression"
    assert "Preference-Applied" not in plain.headers
    assert explicit.headers["Preference-Applied"] == "return=representation"


def test_a_failure_is_an_operation_outcome_whatever_was_preferred(client: t.Any) -> None:
    body = exam()
    body["entry"] = body["entry"][7:]  # nothing neurological left
    response = post(client, OPERATION, body, Prefer="return=minimal")
    assert response.status_code == 422
    assert response.get_json()["issue"][0]["severity"] == "error"


def test_stateless_minimal_has_no_location(tmp_path: Path) -> None:
    client = create_app({"TESTING": True, "STORE_ENABLED": False}).test_client()
    response = post(client, OPERATION, exam(), Prefer="return=minimal")
    assert response.status_code == 200 and response.get_data() == b""
    assert "Location" not in response.headers


# --- $validate -----------------------------------------------------------------------------


def test_validate_reports_used_and_skipped_and_stores_nothing(client: t.Any) -> None:
    response = post(client, VALIDATE, exam())
    assert response.status_code == 200
    outcome = response.get_json()
    assert_valid_r4(outcome)
    severities = [i["severity"] for i in outcome["issue"]]
    assert severities.count("information") == 8 and severities.count("warning") == 2
    assert "error" not in severities
    assert "would be localized" in outcome["issue"][0]["diagnostics"]
    assert stored_count(client) == 0
    assert "Content-Location" not in response.headers


def test_validate_takes_the_parameters_resource_form(client: t.Any) -> None:
    wrapped = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": exam()},
            {"name": "mode", "valueCode": "create"},
        ],
    }
    direct = post(client, VALIDATE, exam()).get_json()
    assert post(client, VALIDATE, wrapped).get_json() == direct


def test_validate_refusal_is_200_with_errors_naming_the_element(client: t.Any) -> None:
    body = exam()
    body["entry"][2]["resource"]["status"] = "bogus"
    refused_by_operation = post(client, OPERATION, copy.deepcopy(body))
    assert refused_by_operation.status_code == 400
    response = post(client, VALIDATE, body)
    assert response.status_code == 200
    outcome = response.get_json()
    assert_valid_r4(outcome)
    errors = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert errors and any(
        "Bundle.entry[2].resource.status" in x for i in errors for x in i.get("expression", [])
    )
    assert "HTTP 400" in outcome["issue"][0]["diagnostics"]
    assert stored_count(client) == 0


def test_validate_reports_what_would_be_a_422(client: t.Any) -> None:
    body = exam()
    body["entry"][1]["resource"]["subject"] = {"reference": "Patient/someone-else"}
    outcome = post(client, VALIDATE, body).get_json()
    errors = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert [e["code"] for e in errors] == ["business-rule"]
    assert "HTTP 422" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("parameters", "where"),
    [
        ([{"name": "resource"}], "Parameters.parameter[0].resource"),
        (
            [{"name": "resource", "resource": {}}, {"name": "profile", "valueUri": "x"}],
            "Parameters.parameter[1].name",
        ),
        (
            [{"name": "resource", "resource": {}}, {"name": "mode", "valueCode": "delete"}],
            "Parameters.parameter[1].valueCode",
        ),
    ],
)
def test_validate_refuses_a_bad_wrapper_with_400(
    client: t.Any, parameters: list[dict[str, t.Any]], where: str
) -> None:
    response = post(client, VALIDATE, {"resourceType": "Parameters", "parameter": parameters})
    assert response.status_code == 400
    assert where in response.get_json()["issue"][0]["expression"]


@pytest.mark.parametrize("body", [[], ["Bundle"], {"entry": []}, {"resourceType": 7}, "Bundle"])
def test_validate_refuses_a_body_that_is_no_resource_with_400(client: t.Any, body: t.Any) -> None:
    """Nothing to validate (R4: a body that cannot be parsed as a resource is a 400); what
    openapi.yaml's ValidateRequest says, which schemathesis' negative data holds it to."""
    response = post(client, VALIDATE, body)
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["http.body"]


def test_validate_is_a_post_with_a_json_body(client: t.Any) -> None:
    assert client.get(VALIDATE).status_code == 405
    response = client.post(VALIDATE, data=b"{", headers=FHIR_HEADERS)
    assert response.status_code == 400
    response = client.post(VALIDATE, data=b"<x/>", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_validate_definition_is_served_and_declared(client: t.Any) -> None:
    definition = client.get("/fhir/OperationDefinition/Bundle-validate").get_json()
    assert_valid_r4(definition)
    assert definition["code"] == "validate" and definition["resource"] == ["Bundle"]
    assert definition["affectsState"] is False
    statement = client.get("/fhir/metadata").get_json()
    bundle = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Bundle")
    assert bundle["operation"] == [{"name": "validate", "definition": definition["url"]}]
