"""Requests that are not JSON, not FHIR, or break FHIR R4 structure: 400 (and 413)."""

from __future__ import annotations

import copy
import typing as t

import pytest

from service.errors import InvalidRequest, PayloadTooLarge
from service.fhir.read.request import parse_request, read_json
from terminology import SNOMED, Table

from .test_parse import bundle, exam, observation, parse

# -- read_json ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"resourceType": "Bundle",', "not valid JSON"),
        (b'{"a": 1,}', "not valid JSON"),
        (b"", "empty"),
        (b"   ", "empty"),
        (b'{"resourceType": "Bundle", "x": "\xff\xfe"}', "not valid UTF-8"),
        (b'{"text": "caf\xe9"}', "not valid UTF-8"),
        (b'{"valueDecimal": NaN}', "NaN is not a JSON number"),
        (b'{"valueDecimal": Infinity}', "Infinity is not a JSON number"),
        (b'{"valueDecimal": -Infinity}', "Infinity is not a JSON number"),
        (b'{"a": "\\ud800"}', "unpaired UTF-16 surrogate"),
        (b"[" * 65 + b"]" * 65, "nested 65 levels deep, more than the limit of 64"),
        (b'{"a":' * 70 + b"1" + b"}" * 70, "nested 70 levels deep"),
        (b"[" * 2000 + b"]" * 2000, "nested too deeply"),
    ],
    ids=[
        "truncated",
        "trailing-comma",
        "empty",
        "blank",
        "invalid-utf8",
        "latin1-byte",
        "nan",
        "infinity",
        "minus-infinity",
        "lone-surrogate",
        "arrays-too-deep",
        "objects-too-deep",
        "beyond-the-parser-limit",
    ],
)
def test_a_body_that_is_not_acceptable_json_is_a_400_without_expression(
    body: bytes, words: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        read_json(body)
    assert words in caught.value.message
    assert caught.value.expression == ()
    assert caught.value.issues[0].code == "structure"


def test_read_json_accepts_nesting_up_to_the_limit_and_a_byte_order_mark() -> None:
    assert read_json(b"[" * 64 + b"]" * 64)
    assert read_json(b'\xef\xbb\xbf{"resourceType": "Bundle"}') == {"resourceType": "Bundle"}
    assert read_json(b'{"a": [1]}', max_depth=2) == {"a": [1]}
    with pytest.raises(InvalidRequest):
        read_json(b'{"a": [1]}', max_depth=1)


def test_the_json_error_message_does_not_echo_the_body() -> None:
    with pytest.raises(InvalidRequest) as caught:
        read_json(b'{"name": "Jane Doe", oops}')
    assert "Jane" not in caught.value.message
    assert "line 1 column" in caught.value.message


# -- the top level -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document", [[], "Bundle", 3, None, True], ids=["array", "string", "number", "null", "bool"]
)
def test_a_document_that_is_not_an_object_is_a_400(table: Table, document: t.Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document, table)
    assert "must be a FHIR Bundle or Parameters resource" in caught.value.message


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ({"type": "collection"}, "required"),
        ({"resourceType": "Patient"}, "not-supported"),
        ({"resourceType": "bundle"}, "not-supported"),
    ],
    ids=["missing", "patient", "lower-case-bundle"],
)
def test_a_resource_type_other_than_bundle_or_parameters_is_a_400_naming_resource_type(
    table: Table, document: dict[str, t.Any], code: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document, table)
    assert (caught.value.expression, caught.value.issues[0].code) == (("resourceType",), code)


def test_a_bare_observation_body_is_read_as_one_observation(table: Table) -> None:
    observation = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": SNOMED, "code": "299913001"}]},
        "subject": {"reference": "Patient/p1"},
        "bodySite": {"coding": [{"system": SNOMED, "code": "6417001"}]},
    }
    parsed = parse_request(observation, table)
    assert [f.target for f in parsed.findings] == ["6417001"]
    assert parsed.used == ("Observation/o1",)


def test_errors_in_a_bare_observation_body_name_observation_elements(table: Table) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request({"resourceType": "Observation", "status": "final"}, table)
    assert all(e.startswith("Observation.") for i in caught.value.issues for e in i.expression)
    assert "Observation.code" in caught.value.expression


# -- structure ---------------------------------------------------------------------------------


def _entry0(**changes: t.Any) -> dict[str, t.Any]:
    """A one-Observation Bundle with *changes* applied to the Observation (None deletes)."""
    resource = exam("reflex-achilles", valueInteger=2)
    for name, value in changes.items():
        if value is None:
            resource.pop(name, None)
        else:
            resource[name] = value
    return bundle(resource)


def _with(document: dict[str, t.Any], **changes: t.Any) -> dict[str, t.Any]:
    document = copy.deepcopy(document)
    for name, value in changes.items():
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    return document


OBS = "Bundle.entry[0].resource"

STRUCTURE_CASES: list[tuple[str, dict[str, t.Any], str, str]] = [
    ("unknown-element-on-bundle", _with(_entry0(), bogus=1), "Bundle.bogus", "structure"),
    (
        "unknown-element-on-observation",
        _entry0(performerName="x"),
        f"{OBS}.performerName",
        "structure",
    ),
    (
        "r5-element-on-observation",
        _entry0(triggeredBy=[{"type": "reflex"}]),
        f"{OBS}.triggeredBy",
        "structure",
    ),
    (
        "unknown-element-in-a-coding",
        _entry0(code={"coding": [{"system": "s", "code": "c", "colour": "red"}]}),
        f"{OBS}.code.coding[0].colour",
        "structure",
    ),
    (
        "unknown-element-in-contained",
        _entry0(
            contained=[
                {
                    "resourceType": "BodyStructure",
                    "id": "b",
                    "patient": {"reference": "Patient/p1"},
                    "side": "L",
                }
            ]
        ),
        f"{OBS}.contained[0].side",
        "structure",
    ),
    ("wrong-type-status", _entry0(status=5), f"{OBS}.status", "value"),
    ("wrong-type-value-integer", _entry0(valueInteger="2"), f"{OBS}.valueInteger", "value"),
    ("fractional-value-integer", _entry0(valueInteger=2.5), f"{OBS}.valueInteger", "value"),
    ("boolean-as-value-integer", _entry0(valueInteger=True), f"{OBS}.valueInteger", "value"),
    (
        "wrong-type-value-boolean",
        _entry0(valueInteger=None, valueBoolean="true"),
        f"{OBS}.valueBoolean",
        "value",
    ),
    (
        "wrong-type-value-string",
        _entry0(valueInteger=None, valueString=2),
        f"{OBS}.valueString",
        "value",
    ),
    ("object-expected", _entry0(code="reflex-achilles"), f"{OBS}.code", "structure"),
    ("array-expected", _entry0(interpretation={"text": "N"}), f"{OBS}.interpretation", "value"),
    ("bad-date", _entry0(effectiveDateTime="yesterday"), f"{OBS}.effectiveDateTime", "value"),
    ("two-values", _entry0(valueBoolean=True), OBS, "structure"),
    ("missing-code", _entry0(code=None), f"{OBS}.code", "required"),
    ("missing-status", _entry0(status=None), f"{OBS}.status", "required"),
    (
        "missing-component-code",
        _entry0(component=[{"valueInteger": 1}]),
        f"{OBS}.component[0].code",
        "required",
    ),
    ("missing-bundle-type", _with(_entry0(), type=None), "Bundle.type", "required"),
    ("bad-bundle-type", _with(_entry0(), type="bogus"), "Bundle.type", "code-invalid"),
    ("bad-observation-status", _entry0(status="done"), f"{OBS}.status", "code-invalid"),
    (
        "effective-datetime-without-zone",
        _entry0(effectiveDateTime="2024-05-02T09:10:00"),
        f"{OBS}.effectiveDateTime",
        "value",
    ),
    (
        "effective-datetime-minutes-without-zone",
        _entry0(effectiveDateTime="2024-05-02T09:10"),
        f"{OBS}.effectiveDateTime",
        "value",
    ),
    (
        "period-start-without-zone",
        _entry0(effectivePeriod={"start": "2024-05-02T09:10:00.5"}),
        f"{OBS}.effectivePeriod.start",
        "value",
    ),
    (
        "period-end-without-zone",
        _entry0(effectivePeriod={"start": "2024-05-02", "end": "2024-05-02T10:00:00"}),
        f"{OBS}.effectivePeriod.end",
        "value",
    ),
    (
        "instant-without-zone",
        _entry0(effectiveInstant="2024-05-02T09:10:00"),
        f"{OBS}.effectiveInstant",
        "value",
    ),
    ("issued-without-zone", _entry0(issued="2024-05-02T09:10:00"), f"{OBS}.issued", "value"),
    (
        "bundle-timestamp-without-zone",
        _with(_entry0(), timestamp="2024-05-02T09:10:00"),
        "Bundle.timestamp",
        "value",
    ),
    (
        "entry-resource-without-resource-type",
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"status": "final"}}],
        },
        f"{OBS}.resourceType",
        "required",
    ),
    (
        "entry-resource-of-unknown-type",
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Nonsense"}}],
        },
        f"{OBS}.resourceType",
        "value",
    ),
    (
        "contained-of-unknown-type",
        _entry0(contained=[{"resourceType": "Nonsense", "id": "x"}]),
        f"{OBS}.contained[0].resourceType",
        "value",
    ),
    (
        "entry-not-an-object",
        {"resourceType": "Bundle", "type": "collection", "entry": [5]},
        "Bundle.entry[0]",
        "structure",
    ),
    (
        "entry-not-an-array",
        {"resourceType": "Bundle", "type": "collection", "entry": {}},
        "Bundle.entry",
        "value",
    ),
    (
        "wrong-full-url-type",
        {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": 5}]},
        "Bundle.entry[0].fullUrl",
        "value",
    ),
    (
        "parameter-without-name",
        {"resourceType": "Parameters", "parameter": [{"resource": bundle(observation())}]},
        "Parameters.parameter[0].name",
        "required",
    ),
    (
        "bad-status-inside-a-bundle-parameter",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "bundle", "resource": _entry0(status="done")}],
        },
        "Parameters.parameter[0].resource.entry[0].resource.status",
        "code-invalid",
    ),
    (
        "unknown-element-in-an-observation-parameter",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "observation", "resource": observation(colour=1)}],
        },
        "Parameters.parameter[0].resource.colour",
        "structure",
    ),
]


@pytest.mark.parametrize(
    ("document", "expression", "code"),
    [case[1:] for case in STRUCTURE_CASES],
    ids=[case[0] for case in STRUCTURE_CASES],
)
def test_a_structure_error_is_a_400_naming_the_element(
    table: Table, document: dict[str, t.Any], expression: str, code: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document, table)
    assert [(issue.expression, issue.code) for issue in caught.value.issues] == [
        ((expression,), code)
    ]
    assert caught.value.issues[0].message


@pytest.mark.parametrize(
    "value", ["2024-05-02T09:10:00Z", "2024-05-02T09:10:00+02:00", "2024-05-02", "2024-05", "2024"]
)
def test_datetimes_with_a_zone_or_without_a_time_are_accepted(table: Table, value: str) -> None:
    assert parse(table, observation(effectiveDateTime=value)).effective_start == value


def test_a_status_outside_the_observations_read_is_not_checked(table: Table) -> None:
    document = bundle(
        observation(),
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": observation(status="done")}],
        },
    )
    assert parse_request(document, table).used == ("Observation/o1",)


def test_every_issue_is_reported_in_document_order(table: Table) -> None:
    document = bundle(*(observation(id=f"o{i}", status="done") for i in range(12)))
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document, table)
    assert [issue.expression[0] for issue in caught.value.issues] == [
        f"Bundle.entry[{i}].resource.status" for i in range(12)
    ]


def test_structure_messages_do_not_echo_values(table: Table) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(_entry0(effectiveDateTime="Jane Doe's birthday", valueInteger="Jane"), table)
    assert all("Jane" not in issue.message for issue in caught.value.issues)


# -- size --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expression"),
    [
        ({"resourceType": "Bundle", "type": "collection", "entry": [{}] * 4}, "Bundle.entry"),
        ({"resourceType": "Bundle", "entry": ["junk"] * 4}, "Bundle.entry"),
        (
            {"resourceType": "Parameters", "parameter": [{"name": "observation"}] * 4},
            "Parameters.parameter",
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [
                    {
                        "name": "bundle",
                        "resource": {
                            "resourceType": "Bundle",
                            "type": "collection",
                            "entry": [{}] * 4,
                        },
                    }
                ],
            },
            "Parameters.parameter[0].resource.entry",
        ),
    ],
    ids=["bundle", "invalid-bundle", "parameters", "bundle-parameter"],
)
def test_too_many_entries_is_a_413_naming_the_list(
    table: Table, document: dict[str, t.Any], expression: str
) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        parse_request(document, table, max_entries=3)
    assert caught.value.expression == (expression,)
    assert "limit is 3" in caught.value.message
