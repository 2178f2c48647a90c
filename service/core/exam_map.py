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

from .model import Finding, Kind, Polarity, Side

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = ["DermatomeState", "ExamMap", "Marker", "exam_map", "state_of"]

_ORDER = {segment: i for i, segment in enumerate(SEGMENTS)}
_SIDES = {Side.LEFT: ("left",), Side.RIGHT: ("right",), Side.BILATERAL: ("left", "right")}
#: sensory modalities that test a dermatome (vibration tests the dorsal columns).
_DERMATOMAL = frozenset({"light-touch", "pin-prick", "sensation"})
_SNOMED = "http://snomed.info/sct"
_KIND = {Kind.REFLEX: "reflex", Kind.MOTOR: "motor"}


class DermatomeState(t.NamedTuple):
    """The sensory state of one dermatome on one side (``abnormal``, ``normal`` or ``mixed``).

    Named tuples rather than frozen dataclasses, like :class:`~.model.Finding`: an exam makes
    dozens of them on the request path, and a tuple is built in a fraction of the time.
    """

    segment: str
    side: str
    state: str


class Marker(t.NamedTuple):
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
    """The :class:`ExamMap` of *findings* (see the module docstring for the rules).

    On the request path of ``$localize-root``: each (kind, target) is looked up in the table
    once, and a finding costs a few dictionary operations.
    """
    counts: dict[tuple[str, str], list[int]] = {}
    markers: dict[tuple[str, str, str, str], str] = {}
    rows: dict[tuple[Kind, str], tuple[str, ...]] = {}
    unsided = 0
    for f in findings:
        kind = f.kind
        sensory = kind is Kind.SENSORY
        if sensory and f.modality not in _DERMATOMAL:
            continue
        key = (kind, f.target)
        segments = rows.get(key)
        if segments is None:
            row = (
                table.site(_SNOMED, f.target)
                if sensory
                else table.reflex(f.target)
                if kind is Kind.REFLEX
                else table.movement(f.target)
            )
            segments = rows[key] = tuple(w.segment for w in row.core) if row is not None else ()
        if not segments:
            continue
        if f.side is None:
            unsided += sensory
            continue
        abnormal = f.polarity is not Polarity.NORMAL
        for side in _SIDES[f.side]:
            if sensory:
                index = 0 if abnormal else 1
                for segment in segments:
                    tally = counts.get((segment, side))
                    if tally is None:
                        tally = counts[(segment, side)] = [0, 0]
                    tally[index] += 1
            else:
                mark = (_KIND[kind], f.target, segments[0], side)
                # one marker per test and side: abnormal wins over a normal repeat
                if markers.get(mark) != "abnormal":
                    markers[mark] = "abnormal" if abnormal else "normal"
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
