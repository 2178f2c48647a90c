"""Request forms (Bundle types, Parameters), entries, statuses and references."""

from __future__ import annotations

import typing as t

import pytest

from service.core.model import Polarity, Skipped
from service.errors import InvalidRequest
from service.fhir.read.request import parse_request
from terminology import NEURO_EXAM, Table

from .test_parse import (
    MEDIAL_MALLEOLUS,
    bundle,
    coding,
    concept,
    observation,
    only,
    parse,
)

# -- forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bundle_type",
    [
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    ],
)
def test_any_bundle_type_is_read(table: Table, bundle_type: str) -> None:
    document = bundle(observation(), type=bundle_type)
    if bundle_type in ("batch", "transaction", "history"):  # bdl-3: their entries need a request
        for entry in document["entry"]:
            entry["request"] = {"method": "POST", "url": "Observation"}
    parsed = parse_request(document, table)
    assert only(parsed).target == MEDIAL_MALLEOLUS


@pytest.mark.parametrize("bundle_type", ["batch", "transaction", "history"])
def test_a_batch_or_transaction_without_entry_requests_breaks_bdl_3(
    table: Table, bundle_type: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(bundle(observation(), type=bundle_type), table)
    assert caught.value.issues[0].code == "invariant"
    assert caught.value.expression == ("Bundle.entry[0].request",)


def _parameters(*parameters: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"resourceType": "Parameters", "parameter": list(parameters)}


@pytest.mark.parametrize(
    ("parameters", "expression", "code"),
    [
        (
            [{"name": "patient", "valueString": "x"}],
            "Parameters.parameter[0].name",
            "not-supported",
        ),
        (
            [
                {"name": "observation", "resource": observation()},
                {"name": "onset", "valueString": "x"},
            ],
            "Parameters.parameter[1].name",
            "not-supported",
        ),
        (
            [
                {"name": "bundle", "resource": bundle(observation())},
                {"name": "observation", "resource": observation()},
            ],
            "Parameters.parameter",
            "invalid",
        ),
        ([], "Parameters.parameter", "required"),
        (
            [
                {"name": "bundle", "resource": bundle(observation())},
                {"name": "bundle", "resource": bundle(observation())},
            ],
            "Parameters.parameter[1]",
            "invalid",
        ),
        ([{"name": "bundle"}], "Parameters.parameter[0].resource", "required"),
        (
            [{"name": "observation", "resource": {"resourceType": "Patient", "id": "p1"}}],
            "Parameters.parameter[0].resource.resourceType",
            "value",
        ),
        (
            [{"name": "bundle", "resource": observation()}],
            "Parameters.parameter[0].resource.resourceType",
            "value",
        ),
    ],
    ids=[
        "unknown-name-alone",
        "unknown-name-beside-observation",
        "bundle-and-observation",
        "no-parameter",
        "two-bundles",
        "bundle-without-resource",
        "observation-parameter-holding-a-patient",
        "bundle-parameter-holding-an-observation",
    ],
)
def test_a_wrong_parameters_form_is_a_400_naming_the_parameter(
    table: Table, parameters: list[dict[str, t.Any]], expression: str, code: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(_parameters(*parameters), table)
    assert (caught.value.issues[0].expression, caught.value.issues[0].code) == ((expression,), code)


def test_parameters_without_a_parameter_element_is_a_400(table: Table) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request({"resourceType": "Parameters"}, table)
    assert caught.value.expression == ("Parameters.parameter",)


# -- entries and statuses ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["final", "amended", "corrected", "preliminary"])
def test_observations_with_a_result_status_are_used(table: Table, status: str) -> None:
    assert only(parse(table, observation(status=status))).polarity is Polarity.DECREASED


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("entered-in-error", "recorded in error (status entered-in-error)"),
        ("cancelled", "the examination was cancelled (status cancelled)"),
        ("registered", "no result yet (status registered)"),
        ("unknown", "its status is unknown, so the result cannot be relied on (status unknown)"),
    ],
    ids=["entered-in-error", "cancelled", "registered", "unknown"],
)
def test_observations_without_a_usable_status_are_skipped_with_the_reason(
    table: Table, status: str, reason: str
) -> None:
    parsed = parse(table, observation(id="kept"), observation(id="dropped", status=status))
    assert parsed.used == ("Observation/kept",)
    assert parsed.skipped == (Skipped("Observation/dropped", reason),)


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Patient", "id": "p1"},
        {
            "resourceType": "Encounter",
            "id": "e1",
            "status": "finished",
            "class": coding("AMB", "urn:x"),
        },
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}},
        {"resourceType": "BodyStructure", "id": "b1", "patient": {"reference": "Patient/p1"}},
    ],
    ids=["patient", "encounter", "condition", "unreferenced-body-structure"],
)
def test_other_resources_are_skipped_as_not_exam_findings(
    table: Table, resource: dict[str, t.Any]
) -> None:
    parsed = parse(table, resource, observation())
    kind, rid = resource["resourceType"], resource["id"]
    assert parsed.skipped == (Skipped(f"{kind}/{rid}", f"{kind} resource is not an exam finding"),)


def test_an_observation_the_table_does_not_know_is_skipped_naming_its_code(table: Table) -> None:
    parsed = parse(table, observation(), observation("8867-4", "http://loinc.org", id="hr"))
    assert parsed.skipped == (
        Skipped(
            "Observation/hr",
            "not a neurological exam finding this service reads (code http://loinc.org|8867-4)",
        ),
    )


def test_a_reference_is_the_id_else_the_full_url_else_a_display_of_the_entry(table: Table) -> None:
    document = bundle(
        observation(id="a"),
        observation(id=None),
        observation(id=None),
        observation(id=None),
        full_urls=["urn:uuid:1", "urn:uuid:2", "https://ehr.example.org/fhir/Observation/9"],
    )
    parsed = parse_request(document, table)
    assert parsed.used == (
        "Observation/a",
        "urn:uuid:2",
        "https://ehr.example.org/fhir/Observation/9",
        "Bundle.entry[3]",
    )
    assert parsed.references == {
        "Observation/a": {"reference": "Observation/a"},
        "urn:uuid:2": {"reference": "urn:uuid:2"},
        "https://ehr.example.org/fhir/Observation/9": {
            "reference": "https://ehr.example.org/fhir/Observation/9"
        },
        "Bundle.entry[3]": {"display": "Observation in Bundle.entry[3]"},
    }


def test_an_observation_is_listed_once_in_used_however_many_findings_it_gives(table: Table) -> None:
    panel = observation(
        "249948009",
        bodySite=None,
        component=[
            {"code": concept("ankle-dorsiflexion", NEURO_EXAM), "valueInteger": 4},
            {"code": concept("great-toe-extension", NEURO_EXAM), "valueInteger": 3},
        ],
    )
    parsed = parse(table, panel)
    assert len(parsed.findings) == 2 and parsed.used == ("Observation/o1",)
