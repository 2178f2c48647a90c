"""Exam bundles for the benchmarks, generated from the terminology table (so every code is real).

A full ISNCSCI exam is 132 Observations: light touch and pin prick at the 28 sensory levels
(C2..S4-5) on both sides (112), plus the 10 ISNCSCI key muscles on both sides (20). Each level
uses the table's site whose ``key_point`` is that level where a verified SNOMED CT code exists;
for the levels without one (C4, T3, T5-T9, T11, L1: see terminology/README.md) it uses a table
site whose core zone holds the level, else the key-point site of the nearest level.

The exam is a left L5 radiculopathy picture (reduced left L5 sensation, weak left great-toe
extension), everything else normal. Smaller exams take the first N Observations of the full one
(L5 first, so every size localizes); larger ones repeat it with fresh ids. The subject is a
placeholder (``Patient/bench-0``) that the runner replaces per request, so that no idempotency
short-cut applies.
"""

from __future__ import annotations

import typing as t

import orjson

from terminology import NEURO_EXAM, SEGMENTS, SNOMED, Table, load_table

__all__ = ["KEY_MUSCLES", "SIZES", "SUBJECT_PLACEHOLDER", "exam_bundle", "level_sites"]

#: the exam sizes measured (132 is the full exam).
SIZES = (10, 50, 132, 1000)
#: the ISNCSCI key muscles, C5..T1 and L2..S1, as the service's movement codes.
KEY_MUSCLES = (
    "elbow-flexion",
    "wrist-extension",
    "elbow-extension",
    "finger-flexion",
    "finger-abduction",
    "hip-flexion",
    "knee-extension",
    "ankle-dorsiflexion",
    "great-toe-extension",
    "ankle-plantarflexion",
)
#: replaced per request by the runners (a byte string of fixed form, easy to substitute).
SUBJECT_PLACEHOLDER = "Patient/bench-0"
_LATERALITY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
_SIDES = {"left": "7771000", "right": "24028007"}
_LESION = ("left", "L5")
#: levels without a key-point code whose closest table site is known anatomically: the C4 key
#: point is the top of the acromioclavicular joint, on the shoulder (16982005).
_CLOSEST = {"C4": "16982005"}


def level_sites(table: Table) -> dict[str, tuple[str, bool]]:
    """For each sensory level: (SNOMED site code, whether it is the level's key point)."""
    order = {segment: i for i, segment in enumerate(SEGMENTS)}
    unsided = [s for s in table.sites.values() if s.side is None]
    key_points = {s.key_point: s.code for s in reversed(unsided) if s.key_point}
    out: dict[str, tuple[str, bool]] = {}
    for level in SEGMENTS:
        if level in key_points:
            out[level] = (key_points[level], True)
            continue
        if level in _CLOSEST and table.site(SNOMED, _CLOSEST[level]) is not None:
            out[level] = (_CLOSEST[level], False)
            continue
        core = [s for s in unsided if any(w.segment == level for w in s.core)]
        if core:
            out[level] = (max(core, key=lambda s: s.weight(level)).code, False)
            continue
        nearest = min(key_points, key=lambda k: (abs(order[k] - order[level]), order[k]))
        out[level] = (key_points[nearest], False)
    return out


def _observation(n: int, code: str, site: str | None, side: str, value: int) -> dict[str, t.Any]:
    resource: dict[str, t.Any] = {
        "resourceType": "Observation",
        "id": f"obs-{n}",
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
        "subject": {"reference": SUBJECT_PLACEHOLDER},
        "effectiveDateTime": "2024-05-02T09:10:00Z",
        "valueInteger": value,
    }
    laterality = [
        {
            "url": _LATERALITY,
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": _SIDES[side]}]},
        }
    ]
    if site is not None:
        resource["bodySite"] = {
            "coding": [{"system": SNOMED, "code": site}],
            "extension": laterality,
        }
    else:
        resource["bodySite"] = {"text": f"{side} limb", "extension": laterality}
    return resource


def _full_exam(table: Table) -> list[tuple[str, str | None, str, int]]:
    """(code, site, side, value) of the 132 Observations, the lesion's own findings first."""
    sites = level_sites(table)
    items: list[tuple[str, str | None, str, int]] = []
    for side in ("left", "right"):
        for level in SEGMENTS:
            for modality in ("light-touch", "pin-prick"):
                abnormal = (side, level) == _LESION
                items.append((modality, sites[level][0], side, 1 if abnormal else 2))
        for movement in KEY_MUSCLES:
            if table.movement(movement) is None:
                raise LookupError(f"{movement} is not a movement of the terminology table")
            weak = (side, movement) == ("left", "great-toe-extension")
            items.append((movement, None, side, 3 if weak else 5))
    items.sort(key=lambda item: item[3] == (2 if item[1] else 5))  # abnormal ones first (stable)
    return items


def exam_bundle(size: int, table: Table | None = None) -> bytes:
    """A collection Bundle of *size* exam Observations, as the bytes a client would post."""
    table = table or load_table()
    full = _full_exam(table)
    entries = []
    for n in range(size):
        code, site, side, value = full[n % len(full)]
        resource = _observation(n, code, site, side, value)
        entries.append(
            {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}", "resource": resource}
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": "2024-05-02T09:30:00Z",
        "entry": entries,
    }
    return orjson.dumps(bundle)
