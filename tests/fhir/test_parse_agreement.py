"""Sources of a result that agree or contradict, scores out of range, unreadable results."""

from __future__ import annotations

import typing as t

import pytest

from service.core.model import Kind, Polarity
from service.errors import ContradictoryFinding, Unprocessable
from terminology import NEURO_EXAM, SNOMED, Table

from .test_parse import (
    IMPAIRED_LIGHT_TOUCH,
    A,
    D,
    H,
    N,
    concept,
    exam,
    interpretation,
    observation,
    parse,
    result,
)

# -- agreement ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "system", "elements", "expected"),
    [
        (IMPAIRED_LIGHT_TOUCH, SNOMED, {"valueInteger": 1}, (D, 1)),
        (IMPAIRED_LIGHT_TOUCH, SNOMED, {"valueInteger": 0}, (A, 0)),
        (IMPAIRED_LIGHT_TOUCH, SNOMED, {"interpretation": interpretation("A")}, (D, None)),
        (
            "reflex-achilles",
            NEURO_EXAM,
            {"valueInteger": 0, "interpretation": interpretation("A")},
            (A, 0),
        ),
        (
            "reflex-achilles",
            NEURO_EXAM,
            {"valueInteger": 4, "interpretation": interpretation("HH")},
            (H, 4),
        ),
        (
            "reflex-achilles",
            NEURO_EXAM,
            {"valueString": "1+", "interpretation": interpretation("L")},
            (D, 1),
        ),
        ("299872004", SNOMED, {"bodySite": None, "valueString": "0"}, (A, 0)),
        (
            "299914007",
            SNOMED,
            {"valueBoolean": False, "interpretation": interpretation("L")},
            (D, None),
        ),
        (
            "ankle-dorsiflexion",
            NEURO_EXAM,
            {"valueInteger": 5, "interpretation": interpretation("N")},
            (N, 5),
        ),
    ],
    ids=[
        "code-and-score-equal",
        "decreased-code-and-absent-score-give-absent",
        "abnormal-refined-by-code",
        "abnormal-refined-by-grade",
        "increased-twice",
        "decreased-twice",
        "decreased-code-and-grade-0",
        "negated-normal-and-low",
        "normal-twice",
    ],
)
def test_sources_that_agree_give_the_most_specific_result(
    table: Table,
    code: str,
    system: str,
    elements: dict[str, t.Any],
    expected: tuple[Polarity, int | None],
) -> None:
    assert result(table, observation(code, system, **elements)) == expected


@pytest.mark.parametrize(
    ("code", "system", "elements", "expression"),
    [
        (IMPAIRED_LIGHT_TOUCH, SNOMED, {"valueInteger": 2}, ["valueInteger", "code"]),
        ("299872004", SNOMED, {"bodySite": None, "valueString": "3+"}, ["valueString", "code"]),
        (
            "reflex-achilles",
            NEURO_EXAM,
            {"valueInteger": 0, "interpretation": interpretation("H")},
            ["interpretation[0]", "valueInteger"],
        ),
        (
            "light-touch",
            NEURO_EXAM,
            {"valueInteger": 2, "interpretation": interpretation("A")},
            ["interpretation[0]", "valueInteger"],
        ),
        (
            "299914007",
            SNOMED,
            {"valueCodeableConcept": concept(IMPAIRED_LIGHT_TOUCH)},
            ["valueCodeableConcept", "code"],
        ),
        (
            IMPAIRED_LIGHT_TOUCH,
            SNOMED,
            {"valueBoolean": False, "interpretation": interpretation("L")},
            ["interpretation[0]", "valueBoolean"],
        ),
        (
            "plantar-response",
            NEURO_EXAM,
            {"valueBoolean": True, "interpretation": interpretation("N")},
            ["interpretation[0]", "valueBoolean"],
        ),
        (
            "ankle-dorsiflexion",
            NEURO_EXAM,
            {"valueInteger": 3, "interpretation": interpretation("H")},
            ["interpretation[0]", "valueInteger"],
        ),
    ],
    ids=[
        "impaired-code-vs-score-2",
        "decreased-code-vs-grade-3+",
        "grade-0-vs-high",
        "score-2-vs-abnormal",
        "normal-code-vs-impaired-value-code",
        "negated-impaired-vs-low",
        "positive-sign-vs-normal",
        "mrc-3-vs-high",
    ],
)
def test_sources_that_disagree_are_a_contradiction_naming_both_elements(
    table: Table, code: str, system: str, elements: dict[str, t.Any], expression: list[str]
) -> None:
    with pytest.raises(ContradictoryFinding) as caught:
        parse(table, observation(code, system, **elements))
    assert caught.value.expression == tuple(
        f"Bundle.entry[0].resource.{name}" for name in expression
    )
    assert caught.value.issues[0].code == "business-rule"


def test_a_value_code_about_another_test_is_a_contradiction(table: Table) -> None:
    with pytest.raises(ContradictoryFinding) as caught:
        parse(table, exam("light-touch", valueCodeableConcept=concept("299872004")))
    assert caught.value.expression == ("Bundle.entry[0].resource.valueCodeableConcept",)


def test_codings_naming_two_different_tests_are_a_contradiction(table: Table) -> None:
    resource = observation(code=IMPAIRED_LIGHT_TOUCH)
    resource["code"]["coding"].append({"system": NEURO_EXAM, "code": "pin-prick"})
    with pytest.raises(ContradictoryFinding) as caught:
        parse(table, resource)
    assert caught.value.expression == ("Bundle.entry[0].resource.code",)


def test_a_contradiction_inside_a_component_names_the_component(table: Table) -> None:
    panel = observation(
        "249948009",
        component=[
            {
                "code": concept("ankle-dorsiflexion", NEURO_EXAM),
                "valueInteger": 5,
                "interpretation": interpretation("L"),
            }
        ],
    )
    with pytest.raises(ContradictoryFinding) as caught:
        parse(table, panel)
    assert caught.value.expression == (
        "Bundle.entry[0].resource.component[0].interpretation[0]",
        "Bundle.entry[0].resource.component[0].valueInteger",
    )


# -- out of range and unreadable ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "element", "value"),
    [
        ("light-touch", "valueInteger", 7),
        ("light-touch", "valueInteger", 3),
        ("light-touch", "valueInteger", -1),
        ("ankle-dorsiflexion", "valueInteger", 9),
        ("ankle-dorsiflexion", "valueInteger", 6),
        ("reflex-achilles", "valueInteger", 6),
        ("reflex-achilles", "valueInteger", 5),
        ("reflex-achilles", "valueString", "brisk"),
        ("reflex-achilles", "valueString", "5+"),
        ("reflex-achilles", "valueString", "2"),
        ("light-touch", "valueString", "reduced"),
        ("ankle-dorsiflexion", "valueString", "4-"),
        ("ankle-dorsiflexion", "valueString", "1" * 5000),
    ],
    ids=[
        "sensory-7",
        "sensory-3",
        "sensory-negative",
        "mrc-9",
        "mrc-6",
        "reflex-6",
        "reflex-5",
        "reflex-word",
        "reflex-5+",
        "reflex-bare-digit",
        "sensory-word",
        "mrc-4-minus",
        "mrc-5000-digits",  # was a 500: Python refuses int() of over 4,300 digits
    ],
)
def test_a_score_outside_its_scale_is_unprocessable_naming_the_element(
    table: Table, code: str, element: str, value: t.Any
) -> None:
    with pytest.raises(Unprocessable) as caught:
        parse(table, exam(code, **{element: value}))
    assert not isinstance(caught.value, ContradictoryFinding)
    assert caught.value.expression == (f"Bundle.entry[0].resource.{element}",)
    assert caught.value.issues[0].code == "value"


def test_a_fractional_value_quantity_is_unprocessable(table: Table) -> None:
    with pytest.raises(Unprocessable) as caught:
        parse(table, exam("ankle-dorsiflexion", valueQuantity={"value": 4.5}))
    assert caught.value.expression == ("Bundle.entry[0].resource.valueQuantity.value",)


def test_a_component_score_out_of_range_names_the_component(table: Table) -> None:
    panel = observation(
        "249948009", component=[{"code": concept("hip-flexion", NEURO_EXAM), "valueInteger": 9}]
    )
    with pytest.raises(Unprocessable) as caught:
        parse(table, panel)
    assert caught.value.expression == ("Bundle.entry[0].resource.component[0].valueInteger",)


@pytest.mark.parametrize(
    ("elements", "reason"),
    [
        (
            {
                "dataAbsentReason": concept(
                    "not-performed", "http://terminology.hl7.org/CodeSystem/data-absent-reason"
                )
            },
            "not examined (dataAbsentReason not-performed)",
        ),
        ({"dataAbsentReason": {"text": "patient declined"}}, "not examined (dataAbsentReason)"),
        ({"valueString": "NT"}, "not examined (scored NT, not testable)"),
        ({}, "no result given (no value, interpretation or finding code that states one)"),
        (
            {"valueDateTime": "2024-01-01"},
            "its result (valueDateTime) is not a value type this service reads",
        ),
        (
            {"valueCodeableConcept": concept("LA6626-1", "http://loinc.org")},
            "its result code (http://loinc.org|LA6626-1) is not one this service reads",
        ),
    ],
    ids=[
        "data-absent-reason",
        "data-absent-reason-text-only",
        "isncsci-nt",
        "no-result",
        "date-value",
        "unknown-value-code",
    ],
)
def test_an_observation_without_a_readable_result_is_skipped_with_the_reason(
    table: Table, elements: dict[str, t.Any], reason: str
) -> None:
    parsed = parse(table, exam("light-touch", id="x", **elements), observation(id="kept"))
    assert [(s.ref, s.reason) for s in parsed.skipped] == [("Observation/x", reason)]


def test_a_finding_code_with_an_unknown_value_code_keeps_the_code_result(table: Table) -> None:
    resource = observation(
        IMPAIRED_LIGHT_TOUCH, valueCodeableConcept=concept("LA6626-1", "http://loinc.org")
    )
    assert result(table, resource) == (D, None)


def test_every_kind_is_recognised_from_its_code(table: Table) -> None:
    parsed = parse(
        table,
        exam("vibration", id="a", valueBoolean=True),
        observation("299878000", id="b", bodySite=None),
        observation("6077001", id="c", bodySite=None),
    )
    assert [(f.kind, f.target, f.modality) for f in parsed.findings] == [
        (Kind.SENSORY, "6417001", "vibration"),
        (Kind.REFLEX, "reflex-achilles", "reflex-achilles"),
        (Kind.MOTOR, "ankle-dorsiflexion", "ankle-dorsiflexion"),
    ]
