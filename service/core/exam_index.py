"""The exam, indexed once for the detectors: :class:`ExamIndex`.

The detectors ask the same questions many times per exam (the findings at a target on a side,
the sensory findings in a nerve's skin or at the distal part of a limb, the upper-motor-neuron
signs), so the index looks each finding's table row up once and keeps the answers. Pure: no
Flask, no FHIR, no I/O; the table comes in as an argument.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict
from dataclasses import dataclass, field

from terminology import SEGMENTS

from .evidence import REDUCED, describe, mapping_of
from .model import Evidence, Finding, Kind, Polarity, Side

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = [
    "CERVICAL",
    "LEG_SEGMENTS",
    "LOWER",
    "ORDER",
    "SADDLE",
    "SIDES",
    "UPPER",
    "ExamIndex",
    "is_reduced",
    "segments_of",
]

LOWER = ("L1", "L2", "L3", "L4", "L5", "S1", "S2")
#: The lumbosacral roots of the leg signs of a cauda equina (clinical-rules 4.1: L4-S1 both sides).
LEG_SEGMENTS = frozenset({"L2", "L3", "L4", "L5", "S1", "S2"})
SADDLE = frozenset({"S3", "S4-5"})
CERVICAL = frozenset({"C2", "C3", "C4", "C5", "C6", "C7", "C8", "T1"})
UPPER = frozenset({"C5", "C6", "C7", "C8", "T1"})
SIDES = (Side.LEFT, Side.RIGHT)
ORDER = {segment: i for i, segment in enumerate(SEGMENTS)}
#: Reflexes of the upper limbs: a brisk one is an upper-motor-neuron sign above C5-C7.
ARM_REFLEXES = frozenset({"reflex-biceps", "reflex-brachioradialis", "reflex-triceps"})


def is_reduced(f: Finding) -> bool:
    """Decreased, absent, or abnormal of unknown direction."""
    return f.polarity in REDUCED


def segments_of(row: t.Any) -> set[str]:
    """The core segments of a table row."""
    return {w.segment for w in row.core}


def primary_segment(row: t.Any) -> str | None:
    """The segment a row localizes first (its first core segment, else its first variable one)."""
    items = row.core or row.variable
    return items[0].segment if items else None


@dataclass
class ExamIndex:
    """The findings of one exam indexed for the detectors, with their table rows."""

    findings: t.Sequence[Finding]
    table: Table
    by_target: dict[tuple[Kind, str], list[Finding]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: nerve -> (input position, finding) of the sensory findings in its territory
    by_nerve: dict[str, list[tuple[int, Finding]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: id(finding) -> its table row (Site, Reflex or Movement) or None, looked up once
    rows: dict[int, t.Any] = field(default_factory=dict)
    #: (region, distal) -> the sensory findings at sites of that part of a limb, in input order
    by_zone: dict[tuple[str, bool], list[Finding]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: the sensory findings at sites whose core dermatomes include S3 or S4-5, in input order
    saddle: list[Finding] = field(default_factory=list)
    #: upper-motor-neuron signs present, whatever the encoding (a UMN sign increased or
    #: abnormal, a brisk deep tendon reflex), in input order
    umn: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, f in enumerate(self.findings):
            self.by_target[(f.kind, f.target)].append(f)
            row = self.rows[id(f)] = mapping_of(f, self.table)
            if row is None:
                continue
            if f.kind is Kind.SENSORY:
                for nerve in row.nerves:
                    self.by_nerve[nerve].append((i, f))
                self.by_zone[(row.region, row.distal)].append(f)
                if segments_of(row) & SADDLE:
                    self.saddle.append(f)
            elif f.kind is Kind.REFLEX and self._is_umn(f, row):
                self.umn.append(f)

    @staticmethod
    def _is_umn(f: Finding, row: t.Any) -> bool:
        if row.kind == "umn":
            # present: a grade, valueBoolean true, a finding code, interpretation H or A
            return f.polarity in (Polarity.INCREASED, Polarity.ABNORMAL)
        return f.polarity is Polarity.INCREASED

    def umn_in_arms(self) -> list[Finding]:
        """UMN signs that put the lesion at or above the cervical cord."""
        return [
            f
            for f in self.umn
            if f.target in ("hoffmann", "inverted-supinator") or f.target in ARM_REFLEXES
        ]

    def on(self, kind: Kind, target: str, side: Side | None) -> list[Finding]:
        """Findings of *kind* at *target* on *side* (a bilateral finding is on both sides)."""
        return [
            f
            for f in self.by_target.get((kind, target), ())
            if side is None or f.side in (side, Side.BILATERAL)
        ]

    def normal(self, kind: Kind, target: str, side: Side | None) -> list[Finding]:
        return [f for f in self.on(kind, target, side) if f.polarity is Polarity.NORMAL]

    def weak(self, kind: Kind, target: str, side: Side | None) -> list[Finding]:
        return [f for f in self.on(kind, target, side) if is_reduced(f)]

    def zone(self, region: str, distal: bool, side: Side | None) -> list[Finding]:
        """Sensory findings on *side* at the distal (or proximal) sites of *region*, in input
        order."""
        return [
            f
            for f in self.by_zone.get((region, distal), ())
            if side is None or f.side in (side, Side.BILATERAL)
        ]

    def territory(self, nerves: t.Collection[str], side: Side | None) -> list[Finding]:
        """Sensory findings on *side* in the skin territory of any of *nerves*, in input
        order."""
        found = {i: f for nerve in nerves for i, f in self.by_nerve.get(nerve, ())}
        return [
            f for _, f in sorted(found.items()) if side is None or f.side in (side, Side.BILATERAL)
        ]

    def sided(self, side: Side) -> list[Finding]:
        """Findings on *side* (bilateral findings included), in input order."""
        return [f for f in self.findings if f.side in (side, Side.BILATERAL)]

    def upper_limb(self, f: Finding) -> bool:
        """Whether a finding lies in an arm (by its site's region, else by its segments)."""
        row = self.rows.get(id(f))
        if row is None:
            return False
        region: str | None = getattr(row, "region", None)
        if region is not None:
            return region == "upper-limb"
        return bool(segments_of(row) & UPPER)

    def lower_limb(self, f: Finding) -> bool:
        row = self.rows.get(id(f))
        if row is None:
            return False
        region: str | None = getattr(row, "region", None)
        if region is not None:
            return region == "lower-limb"
        return bool(segments_of(row) & LEG_SEGMENTS)

    def evidence(
        self, findings: t.Iterable[Finding], weight: float, supports: bool, why: str
    ) -> list[Evidence]:
        return [
            Evidence(f.ref, f"{describe(f, self.table)}: {why}", weight, supports) for f in findings
        ]


#: The name the detectors used before issue 11.
Exam = ExamIndex
