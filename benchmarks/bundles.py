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


# -- the messy exam (issue 12, item 6) -----------------------------------------------------------

#: the core R4 extension pointing from ``bodySite`` to a BodyStructure
_BODY_SITE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/bodySite"
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
#: v3-ObservationInterpretation code of each result of the sensory (0-2) and MRC (0-5) scores
_SENSORY_INTERPRETATION = {0: "L", 1: "L", 2: "N"}
_MOTOR_INTERPRETATION = {0: "L", 1: "L", 2: "L", 3: "L", 4: "L", 5: "N"}
#: SNOMED CT findings stating the result of a sensory test, per (modality, ISNCSCI score)
_SENSORY_FINDINGS = {
    ("light-touch", 0): "299912006",
    ("light-touch", 1): "299913001",
    ("light-touch", 2): "299914007",
    ("pin-prick", 0): "299927006",
    ("pin-prick", 1): "299928001",
    ("pin-prick", 2): "299929009",
}
#: the reflexes of a full exam: (service code, site code or None, "normal" SNOMED finding)
_REFLEXES = (
    ("reflex-biceps", "699960000", "299832008"),
    ("reflex-brachioradialis", None, "299838007"),
    ("reflex-triceps", "699996001", "299826003"),
    ("reflex-patellar", "64234005", "299873009"),
    ("reflex-achilles", "731478002", "299879008"),
)
#: the encodings of DESIGN §3 other than the common shape, in the order they are dealt out
MESSY_ENCODINGS = (
    "post-coordinated side",
    "side in bodySite.text",
    "contained BodyStructure",
    "BodyStructure in the Bundle",
    "value and interpretation",
    "finding code as valueCodeableConcept",
    "component",
)
#: how many sensory pairs (light touch and pin prick at one level and side) are sent as one
#: panel Observation with two components: room for the reflexes and the untested items
_PANELS = 12
_NOT_TESTED = 2


def _coding(system: str, code: str) -> dict[str, t.Any]:
    return {"coding": [{"system": system, "code": code}]}


def _messy_observation(
    n: int, encoding: str, item: tuple[str, str | None, str, int]
) -> dict[str, t.Any]:
    """One exam item (code, site, side, score) as an Observation in *encoding*."""
    code, site, side, value = item
    resource: dict[str, t.Any] = {
        "resourceType": "Observation",
        "id": f"obs-{n}",
        "status": "final",
        "category": [_coding("http://terminology.hl7.org/CodeSystem/observation-category", "exam")],
        "code": _coding(NEURO_EXAM, code),
        "subject": {"reference": SUBJECT_PLACEHOLDER},
        "effectiveDateTime": "2024-05-02T09:10:00Z",
    }
    sensory = site is not None
    laterality = {
        "url": _LATERALITY,
        "valueCodeableConcept": _coding(SNOMED, _SIDES[side]),
    }
    site_coding = [{"system": SNOMED, "code": site}] if sensory else []
    body_site: dict[str, t.Any] = {"coding": site_coding} if sensory else {}
    result: dict[str, t.Any] = {"valueInteger": value}
    if encoding == "post-coordinated side" and sensory:
        body_site = {"coding": [{"system": SNOMED, "code": f"{site}:272741003={_SIDES[side]}"}]}
    elif encoding == "post-coordinated side" or encoding == "side in bodySite.text":
        body_site["text"] = f"{side} side" if sensory else f"{side} lower limb"
    elif encoding == "contained BodyStructure":
        structure: dict[str, t.Any] = {
            "resourceType": "BodyStructure",
            "id": "where",
            "locationQualifier": [_coding(SNOMED, _SIDES[side])],
            "patient": {"reference": SUBJECT_PLACEHOLDER},
        }
        if sensory:
            structure["location"] = {"coding": site_coding}
            body_site = {}
        resource["contained"] = [structure]
        body_site["extension"] = [
            {"url": _BODY_SITE_EXTENSION, "valueReference": {"reference": "#where"}}
        ]
    elif encoding == "BodyStructure in the Bundle":
        target = f"BodyStructure/bs-{side}" if n % 2 else _STRUCTURE_URLS[side]
        body_site["extension"] = [
            {"url": _BODY_SITE_EXTENSION, "valueReference": {"reference": target}}
        ]
    else:
        body_site["extension"] = [laterality]
    if encoding == "value and interpretation":
        scale = _SENSORY_INTERPRETATION if sensory else _MOTOR_INTERPRETATION
        result["interpretation"] = [_coding(_INTERPRETATION, scale[value])]
    elif encoding == "finding code as valueCodeableConcept" and sensory:
        result = {"valueCodeableConcept": _coding(SNOMED, _SENSORY_FINDINGS[code, value])}
    elif encoding == "component" and sensory:
        resource["code"] = {"text": "ISNCSCI sensory examination"}
        result = {"component": [{"code": _coding(NEURO_EXAM, code), **result}]}
    elif encoding == "finding code as valueCodeableConcept" or encoding == "component":
        # a motor panel: Grade of muscle power, the movement and grade in a component
        resource["code"] = _coding(SNOMED, "249948009")
        result = {"component": [{"code": _coding(NEURO_EXAM, code), **result}]}
    if body_site:
        resource["bodySite"] = body_site
    resource.update(result)
    return resource


_STRUCTURE_URLS = {
    "left": "urn:uuid:00000000-0000-4000-9000-000000000001",
    "right": "urn:uuid:00000000-0000-4000-9000-000000000002",
}


def _panel(
    n: int, first: tuple[str, str | None, str, int], second: tuple[str, str | None, str, int]
) -> dict[str, t.Any]:
    """Light touch and pin prick at one site and side, one component each (panel style)."""
    _code, site, side, _value = first
    return {
        "resourceType": "Observation",
        "id": f"obs-{n}",
        "status": "final",
        "code": {"text": "ISNCSCI sensory examination"},
        "subject": {"reference": SUBJECT_PLACEHOLDER},
        "effectiveDateTime": "2024-05-02T09:10:00Z",
        "bodySite": {
            "coding": [{"system": SNOMED, "code": site}],
            "extension": [
                {"url": _LATERALITY, "valueCodeableConcept": _coding(SNOMED, _SIDES[side])}
            ],
        },
        "component": [
            {"code": _coding(NEURO_EXAM, code), "valueInteger": value}
            for code, _site, _side, value in (first, second)
        ],
    }


def _reflex(n: int, k: int, reflex: tuple[str, str | None, str], side: str) -> dict[str, t.Any]:
    """A normal reflex: a graded string (2+) or the SNOMED finding as valueCodeableConcept."""
    code, site, finding = reflex
    resource: dict[str, t.Any] = {
        "resourceType": "Observation",
        "id": f"obs-{n}",
        "status": "final",
        "code": _coding(NEURO_EXAM, code),
        "subject": {"reference": SUBJECT_PLACEHOLDER},
        "effectiveDateTime": "2024-05-02T09:10:00Z",
    }
    if site is not None and k % 2:
        resource["bodySite"] = {
            "coding": [{"system": SNOMED, "code": f"{site}:272741003={_SIDES[side]}"}]
        }
    else:
        resource["bodySite"] = {
            "extension": [
                {"url": _LATERALITY, "valueCodeableConcept": _coding(SNOMED, _SIDES[side])}
            ]
        }
    if k % 3:
        resource["valueString"] = "2+" if k % 3 == 1 else "++"
    else:
        resource["valueCodeableConcept"] = _coding(SNOMED, finding)
    return resource


def messy_exam_bundle(size: int = 132, table: Table | None = None) -> bytes:
    """The full exam of :func:`exam_bundle` in the other encodings of DESIGN §3: the same
    number of Observations, none of them in the common shape.

    Of the 132 Observations: 12 sensory panels (light touch and pin prick at one level and side
    as two components), 10 reflexes (graded ``2+``/``++`` or a SNOMED CT "reflex normal" finding
    as valueCodeableConcept, sides post-coordinated or in the extension), 2 items not tested
    (``dataAbsentReason``), and the remaining 108 items of the full exam dealt out over
    :data:`MESSY_ENCODINGS` in turn (post-coordinated side, side only in ``bodySite.text`` (a
    warning each), contained BodyStructure, BodyStructure in the Bundle (two entries, referenced
    by ``BodyStructure/id`` and by fullUrl), score with an interpretation, SNOMED CT finding as
    valueCodeableConcept, and for muscles the panel form 249948009 with a component). Larger
    sizes repeat it with fresh ids.
    """
    table = table or load_table()
    full = _full_exam(table)
    # pair light touch and pin prick at the same site and side, the normal ones from the end
    by_place: dict[tuple[str | None, str], list[tuple[str, str | None, str, int]]] = {}
    for item in full:
        if item[1] is not None and item[3] == 2:
            by_place.setdefault((item[1], item[2]), []).append(item)
    pairs = [items for items in by_place.values() if len(items) == 2][-_PANELS:]
    paired = {id(item) for pair in pairs for item in pair}
    singles = [item for item in full if id(item) not in paired]
    # the last items stand in for the reflexes and the untested ones
    singles = singles[: len(singles) - len(_REFLEXES) * 2 - _NOT_TESTED]
    resources: list[dict[str, t.Any]] = []
    n = 0
    while len(resources) < size:
        for k, item in enumerate(singles):
            encoding = MESSY_ENCODINGS[k % len(MESSY_ENCODINGS)]
            resources.append(_messy_observation(n, encoding, item))
            n += 1
        for pair in pairs:
            resources.append(_panel(n, *pair))
            n += 1
        for k, (reflex, side) in enumerate(
            (reflex, side) for reflex in _REFLEXES for side in ("left", "right")
        ):
            resources.append(_reflex(n, k, reflex, side))
            n += 1
        for side in ("left", "right"):
            item = ("vibration", None, side, 0)
            untested = _messy_observation(n, "value and interpretation", item)
            for name in ("valueInteger", "interpretation"):
                del untested[name]
            untested["dataAbsentReason"] = _coding(_DATA_ABSENT, "not-performed")
            resources.append(untested)
            n += 1
    entries = [
        {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": resource}
        for i, resource in enumerate(resources[:size])
    ]
    for side, url in _STRUCTURE_URLS.items():
        structure = {
            "resourceType": "BodyStructure",
            "id": f"bs-{side}",
            "locationQualifier": [_coding(SNOMED, _SIDES[side])],
            "patient": {"reference": SUBJECT_PLACEHOLDER},
        }
        entries.append({"fullUrl": url, "resource": structure})
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": "2024-05-02T09:30:00Z",
        "entry": entries,
    }
    return orjson.dumps(bundle)
