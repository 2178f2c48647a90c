"""Reading the result of a finding from each encoding (DESIGN §3, value sources)."""

from __future__ import annotations

import typing as t

import pytest

from service.core.model import Polarity
from terminology import NEURO_EXAM, SNOMED, Table

from .test_parse import (
    A,
    D,
    H,
    N,
    X,
    concept,
    exam,
    interpretation,
    observation,
    result,
)

# -- the finding code and valueBoolean ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "system", "elements", "expected"),
    [
        ("299913001", SNOMED, {}, D),
        ("299913001", SNOMED, {"valueBoolean": True}, D),
        ("299913001", SNOMED, {"valueBoolean": False}, N),
        ("299912006", SNOMED, {}, A),
        ("299912006", SNOMED, {"valueBoolean": False}, N),
        ("299914007", SNOMED, {}, N),
        ("299914007", SNOMED, {"valueBoolean": False}, X),
        ("299874003", SNOMED, {"bodySite": None}, H),
        ("299874003", SNOMED, {"bodySite": None, "valueBoolean": False}, N),
        ("light-touch", NEURO_EXAM, {"valueBoolean": True}, N),
        ("light-touch", NEURO_EXAM, {"valueBoolean": False}, A),
        ("reflex-achilles", NEURO_EXAM, {"valueBoolean": False}, A),
        ("plantar-response", NEURO_EXAM, {"valueBoolean": True}, H),
        ("plantar-response", NEURO_EXAM, {"valueBoolean": False}, N),
        ("hoffmann", NEURO_EXAM, {"valueBoolean": True}, H),
        ("299891004", SNOMED, {"bodySite": None, "valueBoolean": False}, N),
    ],
    ids=[
        "impaired-code",
        "impaired-code-true",
        "impaired-code-negated",
        "absent-code",
        "absent-code-negated",
        "normal-code",
        "normal-code-negated-is-abnormal",
        "brisk-code",
        "brisk-code-negated",
        "test-code-present",
        "test-code-absent",
        "reflex-test-code-absent",
        "umn-sign-positive",
        "umn-sign-negative",
        "hoffmann-positive",
        "extensor-plantar-negated",
    ],
)
def test_the_finding_code_and_valuebooleans_give_the_result(
    table: Table, code: str, system: str, elements: dict[str, t.Any], expected: Polarity
) -> None:
    assert result(table, observation(code, system, **elements))[0] is expected


# -- valueInteger, valueString, valueQuantity ----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "grade", "expected"),
    [
        ("light-touch", 0, A),
        ("light-touch", 1, D),
        ("light-touch", 2, N),
        ("pin-prick", 0, A),
        ("pin-prick", 2, N),
        ("reflex-achilles", 0, A),
        ("reflex-achilles", 1, D),
        ("reflex-achilles", 2, N),
        ("reflex-achilles", 3, H),
        ("reflex-achilles", 4, H),
        ("ankle-dorsiflexion", 0, A),
        ("ankle-dorsiflexion", 1, D),
        ("ankle-dorsiflexion", 4, D),
        ("ankle-dorsiflexion", 5, N),
        ("clonus", 0, N),
        ("clonus", 2, H),
    ],
    ids=lambda value: str(getattr(value, "value", value)),
)
def test_value_integer_is_read_on_the_scale_of_the_kind(
    table: Table, code: str, grade: int, expected: Polarity
) -> None:
    assert result(table, exam(code, valueInteger=grade)) == (expected, grade)


@pytest.mark.parametrize(
    ("text", "grade", "expected"),
    [
        ("0", 0, A),
        ("1+", 1, D),
        ("2+", 2, N),
        ("3+", 3, H),
        ("4+", 4, H),
        ("+", 1, D),
        ("++", 2, N),
        ("+++", 3, H),
        ("++++", 4, H),
        (" 2+ ", 2, N),
    ],
)
def test_value_string_reflex_grades_are_read(
    table: Table, text: str, grade: int, expected: Polarity
) -> None:
    assert result(table, exam("reflex-patellar", valueString=text)) == (expected, grade)


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("light-touch", "1", (D, 1)),
        ("ankle-dorsiflexion", "5", (N, 5)),
    ],
    ids=["isncsci-score-as-string", "mrc-grade-as-string"],
)
def test_value_string_scores_of_sensory_and_motor_findings_are_read_as_numbers(
    table: Table, code: str, text: str, expected: tuple[Polarity, int]
) -> None:
    assert result(table, exam(code, valueString=text)) == expected


def test_a_whole_number_value_quantity_is_read_as_a_score(table: Table) -> None:
    resource = exam("ankle-dorsiflexion", valueQuantity={"value": 3, "unit": "{score}"})
    assert result(table, resource) == (D, 3)


# -- valueCodeableConcept and interpretation ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("reflex-patellar", concept("299872004"), D),
        ("reflex-patellar", concept("299873009"), N),
        ("reflex-achilles", concept("299880006"), H),
        ("light-touch", concept("299912006"), A),
        (
            "light-touch",
            concept("N", "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"),
            N,
        ),
        (
            "ankle-dorsiflexion",
            concept("L", "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"),
            D,
        ),
    ],
    ids=[
        "decreased-knee-reflex",
        "knee-reflex-normal",
        "ankle-reflex-brisk",
        "absent-light-touch",
        "interpretation-code-normal",
        "interpretation-code-low",
    ],
)
def test_value_codeable_concept_gives_the_polarity_of_its_code(
    table: Table, code: str, value: dict[str, t.Any], expected: Polarity
) -> None:
    assert result(table, exam(code, valueCodeableConcept=value))[0] is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("N", N),
        ("L", D),
        ("LL", D),
        ("LU", D),
        ("H", H),
        ("HH", H),
        ("HU", H),
        ("A", X),
    ],
)
def test_interpretation_codes_give_the_result(table: Table, code: str, expected: Polarity) -> None:
    assert (
        result(table, exam("reflex-patellar", interpretation=interpretation(code)))[0] is expected
    )


def test_unknown_interpretation_codes_are_ignored(table: Table) -> None:
    resource = exam("reflex-patellar", valueInteger=1, interpretation=interpretation("IND"))
    assert result(table, resource) == (D, 1)
