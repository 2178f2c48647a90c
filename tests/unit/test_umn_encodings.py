"""Every upper-motor-neuron sign counts as present whatever the encoding says (issue 11 item 2):
a finding code, ``valueBoolean``, interpretation A or H, a grade, a coded result. Each encoding
of one sign, read from FHIR and localized, gives the same cord reading, and none is dropped."""

from __future__ import annotations

import typing as t

import pytest

from service.core import Polarity, localize
from service.fhir.read.request import parse_request
from terminology import NEURO_EXAM, SNOMED, Table

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
LEFT, RIGHT = "7771000", "24028007"


def _observation(code: str, system: str, side: str | None, **value: t.Any) -> dict[str, t.Any]:
    resource: dict[str, t.Any] = {
        "resourceType": "Observation",
        "id": "umn",
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p1"},
        **value,
    }
    if side is not None:
        resource["bodySite"] = {
            "text": "lower limb",
            "extension": [
                {
                    "url": MCODE,
                    "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": side}]},
                }
            ],
        }
    return resource


def _interpretation(code: str) -> dict[str, t.Any]:
    return {"interpretation": [{"coding": [{"system": INTERPRETATION, "code": code}]}]}


ENCODINGS = {
    "snomed-finding-code": ("299891004", SNOMED, None, {}),
    "snomed-finding-code-valueBoolean": ("299892006", SNOMED, None, {"valueBoolean": True}),
    "snomed-clonus-sustained": ("299885001", SNOMED, LEFT, {}),
    "exam-code-valueBoolean": ("plantar-response", NEURO_EXAM, LEFT, {"valueBoolean": True}),
    "exam-code-interpretation-A": ("plantar-response", NEURO_EXAM, RIGHT, _interpretation("A")),
    "exam-code-interpretation-H": ("hoffmann", NEURO_EXAM, LEFT, _interpretation("H")),
    "exam-code-interpretation-AA": ("clonus", NEURO_EXAM, LEFT, _interpretation("AA")),
    "exam-code-grade": ("clonus", NEURO_EXAM, RIGHT, {"valueInteger": 2}),
    "exam-code-grade-hoffmann": ("hoffmann", NEURO_EXAM, RIGHT, {"valueInteger": 1}),
    "exam-code-coded-result": (
        "inverted-supinator",
        NEURO_EXAM,
        LEFT,
        {"valueCodeableConcept": {"coding": [{"system": INTERPRETATION, "code": "A"}]}},
    ),
}


@pytest.mark.parametrize("encoding", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_every_umn_encoding_counts_as_present(
    table: Table, encoding: tuple[str, str, str | None, dict[str, t.Any]]
) -> None:
    code, system, side, value = encoding
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": _observation(code, system, side, **value)}],
    }
    parsed = parse_request(bundle, table)
    (finding,) = parsed.findings
    assert finding.polarity in (Polarity.INCREASED, Polarity.ABNORMAL)
    assert table.reflex(finding.target).kind == "umn"
    a = localize(parsed.findings, table)
    assert a.hypotheses and a.hypotheses[0].pattern == "myelopathy", a.summary
    assert not any("not weighed" in c for c in a.caveats)


@pytest.mark.parametrize(
    "value",
    [{"valueBoolean": False}, _interpretation("N"), {"valueInteger": 0}],
    ids=["valueBoolean-false", "interpretation-N", "grade-0"],
)
def test_a_negative_umn_sign_is_normal_and_suggests_nothing(
    table: Table, value: dict[str, t.Any]
) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": _observation("plantar-response", NEURO_EXAM, LEFT, **value)}],
    }
    parsed = parse_request(bundle, table)
    assert [f.polarity for f in parsed.findings] == [Polarity.NORMAL]
    assert not localize(parsed.findings, table).hypotheses
