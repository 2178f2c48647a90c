"""What the exam found, per dermatome and side: the data a body map is drawn from.

:func:`exam_map` folds the findings into

- one :class:`DermatomeState` per dermatome and side that has at least one sensory finding:
  ``abnormal`` when every sensory finding there is abnormal, ``normal`` when every one is
  normal, ``mixed`` otherwise (a dermatome without any finding is ``untested``, and is not
  listed);
- one :class:`Marker` per reflex and per movement tested, at its first core segment, with
  ``abnormal`` or ``normal``: they are drawn on the map but never change a dermatome's state.

Which dermatome a site belongs to: the **core** segments of its table row (the variable zones,
where published maps disagree, do not colour a dermatome). A bilateral finding counts on both
sides; a finding whose side is unknown counts on neither (the answer's notes already say the
side is unknown) and is counted in :attr:`ExamMap.unsided`. Vibration is left out: it tests the
dorsal columns, not a dermatome, and the engine counts it for no root either.

Pure: no Flask, no FHIR; the table comes in as an argument.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from terminology import SEGMENTS

from .model import Finding, Kind, Side

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = ["DermatomeState", "ExamMap", "Marker", "exam_map", "state_of"]

_ORDER = {segment: i for i, segment in enumerate(SEGMENTS)}
_SIDES = {Side.LEFT: ("left",), Side.RIGHT: ("right",), Side.BILATERAL: ("left", "right")}
#: sensory modalities that test a dermatome (vibration tests the dorsal columns).
_DERMATOMAL = frozenset({"light-touch", "pin-prick", "sensation"})
_SNOMED = "http://snomed.info/sct"


@dataclass(frozen=True, slots=True)
class DermatomeState:
    """The sensory state of one dermatome on one side (``abnormal``, ``normal`` or ``mixed``)."""

    segment: str
    side: str
    state: str


@dataclass(frozen=True, slots=True)
class Marker:
    """A reflex or movement tested on one side, placed at its first core segment."""

    kind: str  # "reflex" or "motor"
    target: str  # the table id (``reflex-achilles``, ``ankle-dorsiflexion``)
    segment: str
    side: str
    state: str  # "abnormal" or "normal"


@dataclass(frozen=True, slots=True)
class ExamMap:
    """Dermatome states (tested ones only, cranial first, left before right) and markers."""

    dermatomes: tuple[DermatomeState, ...]
    markers: tuple[Marker, ...]
    unsided: int = 0


def state_of(abnormal: int, normal: int) -> str:
    """The state of a dermatome with *abnormal* and *normal* sensory findings."""
    if abnormal and normal:
        return "mixed"
    if abnormal:
        return "abnormal"
    return "normal" if normal else "untested"


def exam_map(findings: t.Iterable[Finding], table: Table) -> ExamMap:
    """The :class:`ExamMap` of *findings* (see the module docstring for the rules)."""
    counts: dict[tuple[str, str], list[int]] = {}
    markers: dict[tuple[str, str, str, str], str] = {}
    unsided = 0
    for f in findings:
        if f.kind is Kind.SENSORY:
            if f.modality not in _DERMATOMAL:
                continue
            row = table.site(_SNOMED, f.target)
        elif f.kind is Kind.REFLEX:
            row = table.reflex(f.target)
        else:
            row = table.movement(f.target)
        if row is None or not row.core:
            continue
        if f.side is None:
            unsided += f.kind is Kind.SENSORY
            continue
        abnormal = f.polarity.is_abnormal
        for side in _SIDES[f.side]:
            if f.kind is Kind.SENSORY:
                for weighted in row.core:
                    tally = counts.setdefault((weighted.segment, side), [0, 0])
                    tally[0 if abnormal else 1] += 1
            else:
                key = (f.kind.value, f.target, row.core[0].segment, side)
                # one marker per test and side: abnormal wins over a normal repeat
                if markers.get(key) != "abnormal":
                    markers[key] = "abnormal" if abnormal else "normal"
    dermatomes = tuple(
        DermatomeState(segment, side, state_of(*tally))
        for (segment, side), tally in sorted(
            counts.items(), key=lambda item: (_ORDER.get(item[0][0], 99), item[0][1])
        )
    )
    marker_list = tuple(
        Marker(kind, target, segment, side, state)
        for (kind, target, segment, side), state in sorted(
            markers.items(), key=lambda item: (_ORDER.get(item[0][2], 99), item[0])
        )
    )
    return ExamMap(dermatomes, marker_list, unsided)
