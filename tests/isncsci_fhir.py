"""Praxis ISNCSCI exams (the reference's ``Exam`` shape) as FHIR exam Bundles for
``$classify-isncsci`` (DESIGN section 9), so the reference's cases and the generated exams can be
posted through HTTP.

Each cell becomes one Observation: sensory scores with the key point as a spinal-segment code in
``bodySite``, key-muscle grades with the movement code, the side as the SNOMED laterality
extension on ``bodySite``, NT as ``dataAbsentReason``, a star as the non-SCI impairment extension.
"""

from __future__ import annotations

import typing as t

from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS
from service.fhir.read.isncsci import KEY_MUSCLES, NON_SCI_IMPAIRMENT

NEURO_EXAM = "http://neuroroot.org/fhir/CodeSystem/neuro-exam"
SEGMENT = "http://neuroroot.org/fhir/CodeSystem/spinal-segment"
SNOMED = "http://snomed.info/sct"
LATERALITY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
SIDES = {
    "right": ("24028007", "Right"),
    "left": ("7771000", "Left"),
    "bilateral": ("51440002", "Right and left"),
}
MOVEMENT = {level: code for code, level in KEY_MUSCLES.items()}
NOT_TESTABLE = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "not-performed",
            "display": "Not Performed",
        }
    ],
    "text": "NT",
}
STAR = {"*": "consider-not-normal", "**": "consider-normal"}


def side_site(side: str, level: str | None = None) -> dict[str, t.Any]:
    code, display = SIDES[side]
    site: dict[str, t.Any] = {
        "extension": [
            {
                "url": LATERALITY,
                "valueCodeableConcept": {
                    "coding": [{"system": SNOMED, "code": code, "display": display}]
                },
            }
        ]
    }
    if level is not None:
        site["coding"] = [{"system": SEGMENT, "code": level.replace("_", "-")}]
    return site


def observation(
    code: str,
    *,
    subject: str,
    when: str,
    side: str | None = None,
    level: str | None = None,
    token: str | None = None,
    boolean: bool | None = None,
) -> dict[str, t.Any]:
    """One exam Observation; *token* a praxis cell (``2``, ``0*``, ``NT**``)."""
    out: dict[str, t.Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "exam",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": NEURO_EXAM, "code": code}]},
        "subject": {"reference": subject},
        "effectiveDateTime": when,
    }
    if side is not None:
        out["bodySite"] = side_site(side, level)
    if token is not None:
        body = token.rstrip("*")
        stars = token[len(body) :]
        if stars:
            out["extension"] = [{"url": NON_SCI_IMPAIRMENT, "valueCode": STAR[stars]}]
        if body == "NT":
            out["dataAbsentReason"] = NOT_TESTABLE
        else:
            out["valueInteger"] = int(body)
    if boolean is not None:
        out["valueBoolean"] = boolean
    return out


def exam_bundle(
    exam: dict[str, t.Any],
    *,
    subject: str = "Patient/isncsci-1",
    when: str = "2026-03-02T10:00:00Z",
    identifier: str | None = None,
) -> dict[str, t.Any]:
    """A praxis ``Exam`` as a FHIR Bundle of exam Observations (``entry.fullUrl`` urn:uuid)."""
    observations: list[dict[str, t.Any]] = []
    common = {"subject": subject, "when": when}
    for side in ("right", "left"):
        cells = exam[side]
        for code, scale in (("light-touch", "lightTouch"), ("pin-prick", "pinPrick")):
            for level in SENSORY_LEVELS:
                observations.append(
                    observation(
                        code, side=side, level=level, token=str(cells[scale][level]), **common
                    )
                )
        for level in MOTOR_LEVELS:
            observations.append(
                observation(MOVEMENT[level], side=side, token=str(cells["motor"][level]), **common)
            )
        non_key = cells.get("lowestNonKeyMuscleWithMotorFunction")
        if non_key:
            item = observation("lowest-non-key-muscle-with-motor-function", side=side, **common)
            item["valueCodeableConcept"] = {"coding": [{"system": SEGMENT, "code": non_key}]}
            observations.append(item)
    for code, key in (
        ("voluntary-anal-contraction", "voluntaryAnalContraction"),
        ("deep-anal-pressure", "deepAnalPressure"),
    ):
        value = exam[key]
        item = observation(code, **common)
        if value == "NT":
            item["dataAbsentReason"] = NOT_TESTABLE
        else:
            item["valueBoolean"] = value == "Yes"
        observations.append(item)
    bundle: dict[str, t.Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": o}
            for i, o in enumerate(observations)
        ],
    }
    if identifier is not None:
        bundle["identifier"] = {"system": "urn:ietf:rfc:3986", "value": identifier}
    return bundle


def answer_as_text(bundle: dict[str, t.Any]) -> dict[str, str]:
    """The operation's answer as the flat dict of 25 strings of ``tests.isncsci_support``."""
    out: dict[str, str] = {}
    for entry in bundle["entry"][1:]:
        resource = entry["resource"]
        name = resource["code"]["coding"][0]["code"].replace("-", "_")
        if "valueCodeableConcept" in resource:
            out[name] = resource["valueCodeableConcept"]["text"]
        elif "valueInteger" in resource:
            out[name] = str(resource["valueInteger"])
        else:
            out[name] = resource["dataAbsentReason"]["text"]
    return out
