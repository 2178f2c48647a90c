"""Test helper: the ``$classify-isncsci`` output Bundle (DESIGN section 9) built from the core
classifier, as the operation (built on another branch) will answer it. Used to test the
worksheet view before the operation is merged."""

from __future__ import annotations

import typing as t

from service.core.isncsci import ELEMENTS, classify, exam_from_praxis

ISNCSCI = "http://neuroroot.org/fhir/CodeSystem/isncsci"
SEGMENT = "http://neuroroot.org/fhir/CodeSystem/spinal-segment"
_LEVEL_ELEMENTS = {
    "sensory_level_right",
    "sensory_level_left",
    "motor_level_right",
    "motor_level_left",
    "neurological_level_of_injury",
    "zpp_sensory_right",
    "zpp_sensory_left",
    "zpp_motor_right",
    "zpp_motor_left",
}


def _coding(element: str, code: str) -> dict[str, str]:
    if element == "injury_complete":
        return {"system": ISNCSCI, "code": {"C": "complete", "I": "incomplete"}[code]}
    if element == "asia_impairment_scale" or code == "NA":
        return {"system": ISNCSCI, "code": code}
    return {"system": SEGMENT, "code": code.replace("_", "-")}


def _concept(element: str, text: str, code: str) -> dict[str, t.Any]:
    return {"coding": [_coding(element, code)], "text": text}


def classification_bundle(
    praxis_exam: dict[str, t.Any], subject: str = "Patient/sci-1"
) -> dict[str, t.Any]:
    """The section-9 Bundle for *praxis_exam* (praxis ``Exam`` shape)."""
    result = classify(exam_from_praxis(praxis_exam))
    members: list[dict[str, t.Any]] = []
    for n, element in enumerate(ELEMENTS):
        outcome = getattr(result, element)
        observation: dict[str, t.Any] = {
            "resourceType": "Observation",
            "id": f"el-{n}",
            "status": "final",
            "code": {"coding": [{"system": ISNCSCI, "code": element.replace("_", "-")}]},
            "subject": {"reference": subject},
        }
        if outcome.decided:
            possibility = outcome.possibilities[0]
            observation["valueCodeableConcept"] = _concept(element, outcome.text, possibility.code)
        else:
            observation["valueCodeableConcept"] = {"text": outcome.text}
            observation["component"] = [
                {
                    "code": {"coding": [{"system": ISNCSCI, "code": "possible-value"}]},
                    "valueCodeableConcept": _concept(element, p.text, p.code),
                }
                for p in outcome.possibilities
            ]
        members.append(observation)
    for name, value in ((f, getattr(result.totals, f)) for f in result.totals.__slots__):
        observation = {
            "resourceType": "Observation",
            "id": f"total-{name.replace('_', '-')}",
            "status": "final",
            "code": {"coding": [{"system": ISNCSCI, "code": name.replace("_", "-")}]},
            "subject": {"reference": subject},
        }
        if value is None:
            observation["dataAbsentReason"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                        "code": "unknown",
                    }
                ]
            }
        else:
            observation["valueInteger"] = value
        members.append(observation)
    panel = {
        "resourceType": "Observation",
        "id": "panel",
        "status": "final",
        "code": {"coding": [{"system": ISNCSCI, "code": "classification"}]},
        "subject": {"reference": subject},
        "hasMember": [{"reference": f"Observation/{m['id']}"} for m in members],
        "note": [{"text": step.text} for step in result.steps],
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (panel, *members)],
    }
