"""The ISNCSCI classification as FHIR R4 Observations, a collection Bundle and a Provenance
(DESIGN section 9, the output). Plain dicts, no Flask.

The panel (code ``classification``) comes first, ``hasMember`` pointing at one Observation per
element and per total; ``derivedFrom`` the exam's Observations, ``note`` the reasoning step by
step, then the notes (ignored non-key levels, missing items counted as NT, skipped resources).
Each element's ``valueCodeableConcept.text`` is praxis's notation; ``coding`` holds the code when
one value is possible; with several, one ``possible-value`` component per value. Each element
Observation also carries, as ``note``, the steps that explain it. Totals: ``valueInteger``, or
``dataAbsentReason`` ``unknown`` (text ``ND``) where a not-testable item blocks the sum.

Ids are given by the caller (the store keeps them); *reference* turns an id into the reference
string the Bundle uses (``Observation/{id}`` when stored, ``urn:uuid:{id}`` when not).
"""

from __future__ import annotations

import typing as t
from datetime import datetime

from terminology import CANONICAL_BASE, SPINAL_SEGMENT
from terminology.isncsci import ISNCSCI, isncsci_concepts

from ...core.isncsci import ELEMENTS, MOTOR_LEVELS, SENSORY_LEVELS, Classification, Possibility
from ...version import __version__
from ..read.isncsci import IsncsciRequest
from .impression import instant
from .provenance import creation_provenance

__all__ = [
    "ISNCSCI",
    "WORKSHEET",
    "OBSERVATION_COUNT",
    "TOTALS",
    "classification_bundle",
    "classification_observations",
    "isncsci_protocol_url",
    "render_isncsci_provenance",
]

#: the 14 totals, in worksheet order (the attribute names of ``Totals``)
TOTALS: tuple[str, ...] = (
    "upper_extremity_right", "lower_extremity_right", "light_touch_right", "pin_prick_right",
    "motor_right", "upper_extremity_left", "lower_extremity_left", "light_touch_left",
    "pin_prick_left", "motor_left", "upper_extremity", "lower_extremity", "light_touch",
    "pin_prick",
)  # fmt: skip
#: the panel, 11 elements, 14 totals
OBSERVATION_COUNT = 1 + len(ELEMENTS) + len(TOTALS)
_CATEGORY = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "exam",
                "display": "Exam",
            }
        ]
    }
]
_UNKNOWN = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "unknown",
            "display": "Unknown",
        }
    ],
    "text": "ND",
}
_COMPLETENESS = {"C": "complete", "I": "incomplete"}
_LEVELS = frozenset(
    {
        "C1",
        *(f"C{n}" for n in range(2, 9)),
        *(f"T{n}" for n in range(1, 13)),
        *(f"L{n}" for n in range(1, 6)),
        "S1",
        "S2",
        "S3",
        "S4-5",
        "INT",
    }
)


#: the panel's extension carrying the exam's worksheet (docs/isncsci.md, "The worksheet
#: extension"): the grid the page shows, since the store keeps no exam
WORKSHEET = "http://neuroroot.org/fhir/StructureDefinition/isncsci-worksheet"
#: the sub-extension of each cell of a level, in worksheet order: (url, side, praxis key)
WORKSHEET_CELLS: tuple[tuple[str, str, str], ...] = tuple(
    (f"{side}-{name}", side, key)
    for side in ("right", "left")
    for name, key in (("light-touch", "lightTouch"), ("pin-prick", "pinPrick"), ("motor", "motor"))
)


def worksheet_extension(grid: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The ``isncsci-worksheet`` extension of the panel from the exam in praxis's ``Exam`` shape
    (:meth:`service.core.isncsci.Exam.to_praxis`).

    One ``level`` per dermatome C2 ... S4-5: ``segment`` (valueCode, the segment code) then
    ``right-light-touch``, ``right-pin-prick``, [``right-motor``,] ``left-light-touch``,
    ``left-pin-prick``, [``left-motor``] (valueCode, the praxis cell: ``0``...``5``, ``NT``, with
    ``*`` or ``**``); motor only at the ten key-muscle levels. Then
    ``voluntary-anal-contraction`` and ``deep-anal-pressure`` (valueCode ``Yes``, ``No``,
    ``NT``) and, when given, ``right-lowest-non-key-muscle`` / ``left-lowest-non-key-muscle``
    (valueCode, a segment code)."""
    levels: list[dict[str, t.Any]] = []
    for level in SENSORY_LEVELS:
        cells: list[dict[str, t.Any]] = [{"url": "segment", "valueCode": level.replace("_", "-")}]
        for url, side, key in WORKSHEET_CELLS:
            if key == "motor" and level not in MOTOR_LEVELS:
                continue
            cells.append({"url": url, "valueCode": str(grid[side][key][level])})
        levels.append({"url": "level", "extension": cells})
    tail = [
        {"url": "voluntary-anal-contraction", "valueCode": str(grid["voluntaryAnalContraction"])},
        {"url": "deep-anal-pressure", "valueCode": str(grid["deepAnalPressure"])},
    ]
    for side in ("right", "left"):
        non_key = grid[side].get("lowestNonKeyMuscleWithMotorFunction")
        if non_key:
            tail.append(
                {
                    "url": f"{side}-lowest-non-key-muscle",
                    "valueCode": str(non_key).replace("_", "-"),
                }
            )
    return {"url": WORKSHEET, "extension": [*levels, *tail]}


def _display(code: str) -> str:
    return _DISPLAYS[code]


_DISPLAYS = {c.code: c.display for c in isncsci_concepts() if c.system == "isncsci"}


def isncsci_protocol_url() -> str:
    """The canonical URL of the rules that produce a classification."""
    return f"{CANONICAL_BASE}/protocol/classify-isncsci/isncsci-2019/rules-{__version__}"


def _code(code: str) -> dict[str, t.Any]:
    return {
        "coding": [{"system": ISNCSCI, "code": code, "display": _display(code)}],
        "text": _display(code),
    }


def _value_coding(element: str, value: str) -> dict[str, str]:
    """The coding of one possible value (without its star)."""
    if element == "injury_complete" and value in _COMPLETENESS:
        code = _COMPLETENESS[value]
        return {"system": ISNCSCI, "code": code, "display": _display(code)}
    if value in ("NA", "A", "B", "C", "D", "E"):
        return {"system": ISNCSCI, "code": value, "display": _display(value)}
    segment = value.replace("_", "-")
    if segment not in _LEVELS:  # the core answers only the values above; never guess
        raise ValueError(f"no code for the {element} value {value!r}")
    display = "Intact (no level)" if segment == "INT" else segment
    return {"system": SPINAL_SEGMENT, "code": segment, "display": display}


def _possibility(element: str, possibility: Possibility) -> dict[str, t.Any]:
    return {"coding": [_value_coding(element, possibility.code)], "text": possibility.text}


def _element_value(
    element: str, text: str, possibilities: t.Sequence[Possibility]
) -> tuple[dict[str, t.Any], list[dict[str, t.Any]]]:
    if len(possibilities) == 1:
        return _possibility(element, possibilities[0]), []
    components = [
        {"code": _code("possible-value"), "valueCodeableConcept": _possibility(element, p)}
        for p in possibilities
    ]
    return {"text": text}, components


def _effective(request: IsncsciRequest) -> dict[str, t.Any]:
    start, end = request.effective_start, request.effective_end
    if start is None and end is None:
        return {}
    if start == end or start is None or end is None:
        return {"effectiveDateTime": start or end}
    return {"effectivePeriod": {"start": start, "end": end}}


def _notes(texts: t.Iterable[str]) -> list[dict[str, str]]:
    return [{"text": text} for text in texts]


def panel_notes(result: Classification, request: IsncsciRequest) -> list[str]:
    """The panel's notes: every step of the reasoning, then what the classifier and the reader
    noted (ignored levels, missing items, skipped resources, warnings)."""
    notes = [step.text for step in result.steps]
    notes += list(result.notes)
    if request.missing:
        notes.append(
            f"{len(request.missing)} item{'s' if len(request.missing) != 1 else ''} not in the "
            "exam, counted as not testable (NT): " + ", ".join(request.missing) + "."
        )
    notes += [f"Not used: {reason}." for reason in request.skipped]
    notes += list(request.warnings)
    return notes


def classification_observations(
    result: Classification,
    request: IsncsciRequest,
    ids: t.Sequence[str],
    now: datetime,
    reference: t.Callable[[str], str],
) -> list[dict[str, t.Any]]:
    """The panel and its 25 members, in Bundle order.

    :param ids: :data:`OBSERVATION_COUNT` ids, the panel's first.
    :param reference: id -> the reference string the Bundle resolves (hasMember).
    """
    if len(ids) != OBSERVATION_COUNT:
        raise ValueError(f"{OBSERVATION_COUNT} ids needed, {len(ids)} given")
    head: dict[str, t.Any] = {"status": "final", "category": _CATEGORY}
    common: dict[str, t.Any] = {}
    if request.subject is not None:
        common["subject"] = request.subject
    common.update(_effective(request))
    common["issued"] = instant(now)
    members: list[dict[str, t.Any]] = []
    steps: dict[str, list[str]] = {}
    for step in result.steps:
        steps.setdefault(step.element, []).append(step.text)
    for element, rid in zip(ELEMENTS, ids[1:], strict=False):
        outcome = getattr(result, element)
        value, components = _element_value(element, outcome.text, outcome.possibilities)
        observation = {
            "resourceType": "Observation",
            "id": rid,
            **head,
            "code": _code(element.replace("_", "-")),
            **common,
            "valueCodeableConcept": value,
        }
        if element in steps:
            observation["note"] = _notes(steps[element])
        if components:
            observation["component"] = components
        members.append(observation)
    for total, rid in zip(TOTALS, ids[1 + len(ELEMENTS) :], strict=True):
        value = getattr(result.totals, total)
        observation = {
            "resourceType": "Observation",
            "id": rid,
            **head,
            "code": _code(total.replace("_", "-")),
            **common,
        }
        if value is None:
            observation["dataAbsentReason"] = _UNKNOWN
        else:
            observation["valueInteger"] = value
        members.append(observation)
    panel: dict[str, t.Any] = {
        "resourceType": "Observation",
        "id": ids[0],
        "extension": [worksheet_extension(request.exam.to_praxis())],
        **head,
        "code": _code("classification"),
        **common,
    }
    panel["hasMember"] = [{"reference": reference(m["id"])} for m in members]
    if request.derived_from:
        panel["derivedFrom"] = list(request.derived_from)
    notes = panel_notes(result, request)
    if notes:
        panel["note"] = _notes(notes)
    return [panel, *members]


def classification_bundle(
    observations: t.Sequence[dict[str, t.Any]], full_url: t.Callable[[str], str]
) -> dict[str, t.Any]:
    """The operation's answer: a ``collection`` Bundle of the panel and its members."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": full_url(o["id"]), "resource": o} for o in observations],
    }


def render_isncsci_provenance(request: IsncsciRequest, now: datetime) -> dict[str, t.Any]:
    """The Provenance of a classification, without ``target`` (the store adds the references
    of the stored Observations)."""
    return creation_provenance(isncsci_protocol_url(), request.derived_from, now)
