"""Detectors for the patterns that are not a single root (clinical-rules.md section 4).

Each detector reads the findings, weighs named features and returns a
:class:`~service.core.model.Hypothesis` with its own evidence for and against, or None. The
feature weights are the detector's score: they add up to at most 1 and each is named below
with the rule it encodes.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict
from dataclasses import dataclass, field

from .evidence import REDUCED, describe, mapping_of, ranked
from .model import Evidence, Finding, Hypothesis, Kind, Polarity, Side
from .weights import PROBABLE

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = ["Exam", "cauda_equina", "myelopathy", "polyneuropathy"]

LOWER = ("L1", "L2", "L3", "L4", "L5", "S1", "S2")
SADDLE = frozenset({"S3", "S4-5"})
CERVICAL = frozenset({"C2", "C3", "C4", "C5", "C6", "C7", "C8", "T1"})
PERONEAL = frozenset({"common-peroneal", "superficial-peroneal", "deep-peroneal"})
SIDES = (Side.LEFT, Side.RIGHT)


def _reduced(f: Finding) -> bool:
    return f.polarity in REDUCED


@dataclass
class Exam:
    """The findings indexed for the detectors: by (kind, target), with their table rows."""

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

    def __post_init__(self) -> None:
        for i, f in enumerate(self.findings):
            self.by_target[(f.kind, f.target)].append(f)
            row = self.rows[id(f)] = mapping_of(f, self.table)
            if f.kind is Kind.SENSORY and row is not None:
                for nerve in row.nerves:
                    self.by_nerve[nerve].append((i, f))
                self.by_zone[(row.region, row.distal)].append(f)
                if _segments(row) & SADDLE:
                    self.saddle.append(f)

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
        return [f for f in self.on(kind, target, side) if _reduced(f)]

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

    def evidence(
        self, findings: t.Iterable[Finding], weight: float, supports: bool, why: str
    ) -> list[Evidence]:
        return [
            Evidence(f.ref, f"{describe(f, self.table)}: {why}", weight, supports) for f in findings
        ]


def _hypothesis(
    pattern: str,
    text: str,
    side: Side | None,
    score: float,
    support: list[Evidence],
    against: list[Evidence],
    reasons: list[str],
    urgent: bool = False,
) -> Hypothesis:
    score = round(min(max(score, 0.0), 1.0), 2)
    confidence = "probable" if score > PROBABLE else "possible"
    return Hypothesis(
        pattern=pattern,
        segments=(),
        side=side,
        score=score,
        confidence=confidence,
        text=text,
        support=ranked(support),
        against=ranked(against),
        reasons=tuple(reasons),
        urgent=urgent,
    )


def _segments(row: t.Any) -> set[str]:
    return {w.segment for w in row.core}


# --- cauda equina -------------------------------------------------------------------------
#: Any S3 or S4-5 loss is an urgent flag whatever the ranking (clinical-rules 4.1, Gardner 2011).
CES_SADDLE = 0.8
CES_SADDLE_BILATERAL = 0.1
#: Bilateral lower-limb root signs without saddle loss: suspected CES (CES-S), clinical-rules 4.1.
CES_BILATERAL_ROOTS = 0.6
#: Both together: the saddle loss plus bilateral root signs (the full CES picture).
CES_SADDLE_AND_ROOTS = 0.05


def cauda_equina(
    exam: Exam, bilateral_roots: list[Evidence], polyneuropathy: bool
) -> Hypothesis | None:
    saddle = [f for f in exam.saddle if _reduced(f)]
    saddle += [
        f
        for f in exam.findings
        if f.kind is Kind.REFLEX
        and _reduced(f)
        and (row := exam.rows[id(f)]) is not None
        and row.kind == "dtr"
        and _segments(row) & SADDLE
    ]
    reasons: list[str] = []
    support: list[Evidence] = []
    score = 0.0
    if saddle:
        score += CES_SADDLE
        support += exam.evidence(saddle, CES_SADDLE, True, "saddle (S3/S4-5) territory")
        reasons.append(
            "Sensory or reflex loss in the S3/S4-5 (saddle) territory is a red flag for "
            "cauda equina compression, even when unilateral or patchy."
        )
        sides = {f.side for f in saddle}
        if Side.BILATERAL in sides or {Side.LEFT, Side.RIGHT} <= sides:
            score += CES_SADDLE_BILATERAL
            reasons.append("The saddle loss is bilateral.")
    if bilateral_roots and not polyneuropathy:
        score = max(score, CES_BILATERAL_ROOTS) + (CES_SADDLE_AND_ROOTS if saddle else 0.0)
        support += bilateral_roots
        reasons.append(
            "Root signs in the lower limbs on both sides suggest cauda equina involvement"
            + (" too." if saddle else " (CES-S) even with the saddle spared.")
        )
    if not score:
        return None
    umn = [f for f in exam.findings if f.kind is Kind.REFLEX and f.polarity is Polarity.INCREASED]
    if saddle and umn:
        reasons.append(
            "With upper-motor-neuron signs, consider a conus medullaris or cord lesion "
            "rather than the cauda equina alone."
        )
    reasons.append(
        "Urgent: assess bladder function, anal tone and perianal sensation; "
        "emergency MRI is indicated if the picture fits."
    )
    return _hypothesis(
        "cauda-equina",
        "Suspected cauda equina syndrome",
        None,
        score,
        support,
        [],
        reasons,
        urgent=True,
    )


# --- myelopathy ---------------------------------------------------------------------------
#: Score by the number of distinct upper-motor-neuron signs (Cook 2010: >= 3 of 5 cluster
#: items LR+ 30.9; <= 1 LR- 0.18; Babinski alone LR+ 4.0).
MYELOPATHY_BY_SIGNS = (0.0, 0.4, 0.65, 0.85, 0.9)


def myelopathy(exam: Exam) -> Hypothesis | None:
    signs: dict[str, list[Finding]] = defaultdict(list)
    cervical = False
    for f in exam.findings:
        if f.kind is not Kind.REFLEX or f.polarity is not Polarity.INCREASED:
            continue
        row = exam.rows[id(f)]
        if row is None:
            continue
        sign = f.target if row.kind == "umn" and f.target != "hyperreflexia" else "hyperreflexia"
        signs[sign].append(f)
        cervical |= f.target == "hoffmann" or bool(_segments(row) & CERVICAL)
    if not signs:
        return None
    count = min(len(signs), len(MYELOPATHY_BY_SIGNS) - 1)
    support = [
        e
        for fs in signs.values()
        for e in exam.evidence(fs, MYELOPATHY_BY_SIGNS[1], True, "upper-motor-neuron sign")
    ]
    reasons = [
        f"{count} distinct upper-motor-neuron sign(s) ({', '.join(sorted(signs))}) point to the "
        "spinal cord rather than a nerve root; a pure radiculopathy does not cause them."
    ]
    if cervical:
        reasons.append(
            "Signs in the upper limbs (Hoffmann or brisk arm reflexes) suggest a cervical level."
        )
    pattern = "Cervical myelopathy" if cervical else "Myelopathy (upper-motor-neuron signs)"
    return _hypothesis(
        "myelopathy", pattern, None, MYELOPATHY_BY_SIGNS[count], support, [], reasons
    )


# --- polyneuropathy -----------------------------------------------------------------------
#: Features of a length-dependent polyneuropathy (clinical-rules 4.4: England 2005, Abraham 2017).
PNP_BILATERAL_DISTAL = 0.35  # distal sensory loss in both feet
PNP_MULTI_DERMATOME = 0.15  # the distal loss crosses dermatomes (dorsum L5 and sole S1)
PNP_ANKLE_JERKS = 0.3  # both ankle jerks reduced: lost first (74%, Abraham 2017)
PNP_KNEES_PRESERVED = 0.1  # knee jerks kept while ankle jerks are lost
PNP_PROXIMAL_SPARED = 0.1  # normal sensation more proximally
PNP_GLOVE = 0.05  # distal loss in both hands too
PNP_PROXIMAL_WEAKNESS = 0.35  # against: proximal weakness points to roots (polyradiculopathy)
PNP_SADDLE = 0.3  # against: saddle loss is not length-dependent (cauda equina, 4.1)
PNP_MINIMUM = 0.35
_PROXIMAL_MOVES = (
    "hip-flexion",
    "hip-abduction",
    "hip-adduction",
    "hip-extension",
    "knee-extension",
)


def polyneuropathy(exam: Exam) -> Hypothesis | None:
    feet = {s: [f for f in exam.zone("lower-limb", True, s) if _reduced(f)] for s in SIDES}
    ankles = {s: exam.weak(Kind.REFLEX, "reflex-achilles", s) for s in SIDES}
    bilateral_feet = all(feet.values())
    both_ankles = all(ankles.values())
    if not (bilateral_feet or both_ankles):
        return None
    support: list[Evidence] = []
    against: list[Evidence] = []
    reasons: list[str] = []
    score = 0.0
    if bilateral_feet:
        score += PNP_BILATERAL_DISTAL
        support += exam.evidence(
            feet[Side.LEFT] + feet[Side.RIGHT], PNP_BILATERAL_DISTAL, True, "distal, both feet"
        )
        reasons.append("Sensory loss in both feet, distally: a stocking distribution.")
        segs = {w for f in feet[Side.LEFT] + feet[Side.RIGHT] for w in _segments(exam.rows[id(f)])}
        if len(segs) >= 2:
            score += PNP_MULTI_DERMATOME
            reasons.append(
                f"The distal loss crosses dermatomes ({', '.join(sorted(segs))}) rather than "
                "following one root."
            )
    if both_ankles:
        score += PNP_ANKLE_JERKS
        support += exam.evidence(
            ankles[Side.LEFT] + ankles[Side.RIGHT],
            PNP_ANKLE_JERKS,
            True,
            "both ankle jerks reduced",
        )
        reasons.append(
            "Both ankle jerks are reduced; they are lost first in a length-dependent neuropathy."
        )
        knees = exam.normal(Kind.REFLEX, "reflex-patellar", None)
        if knees and not exam.weak(Kind.REFLEX, "reflex-patellar", None):
            score += PNP_KNEES_PRESERVED
            support += exam.evidence(knees, PNP_KNEES_PRESERVED, True, "knee jerks preserved")
            reasons.append("Knee jerks are preserved.")
    proximal_normal = [
        f
        for f in exam.zone("lower-limb", False, None)
        if f.polarity is Polarity.NORMAL
    ]
    if bilateral_feet and proximal_normal:
        score += PNP_PROXIMAL_SPARED
        support += exam.evidence(
            proximal_normal, PNP_PROXIMAL_SPARED, True, "proximal sensation spared"
        )
    hands = [exam.zone("upper-limb", True, s) for s in SIDES]
    if all(any(_reduced(f) for f in h) for h in hands):
        score += PNP_GLOVE
        reasons.append("Both hands are involved distally too (glove).")
    weak = [f for m in _PROXIMAL_MOVES for f in exam.weak(Kind.MOTOR, m, None)]
    if weak:
        score -= PNP_PROXIMAL_WEAKNESS
        against += exam.evidence(weak, PNP_PROXIMAL_WEAKNESS, False, "proximal weakness")
        reasons.append(
            "Proximal weakness argues for roots (polyradiculopathy, stenosis) over a neuropathy."
        )
    saddle = [f for f in exam.saddle if _reduced(f)]
    if saddle:
        score -= PNP_SADDLE
        against += exam.evidence(saddle, PNP_SADDLE, False, "saddle loss is not length-dependent")
        reasons.append("Saddle (S3/S4-5) loss is not part of a length-dependent neuropathy.")
    if score < PNP_MINIMUM:
        return None
    return _hypothesis(
        "polyneuropathy",
        "Length-dependent polyneuropathy",
        Side.BILATERAL,
        score,
        support,
        against,
        reasons,
    )
