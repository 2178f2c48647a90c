"""What a pattern detector is, what it returns, and what it may read.

A detector is one function ``(Context) -> list[Detection]``, registered once in
:data:`service.core.detectors.DETECTORS` with its stage:

- ``before-roots``: patterns that are not a root (cord syndromes, diffuse disease, peripheral
  nerves). They run first, and the findings a detection *explains* keep only part of their root
  weight (explaining away, clinical-rules-2 section 8), so a root beside such a pattern stays
  probable only on evidence the pattern does not explain;
- ``after-roots``: patterns read from the root evidence itself (polyradiculopathy, the cauda
  equina flag), which run on the roots left after explaining away.

Adding a pattern is one function and its rows in terminology/data/patterns.csv (its code) and
weights.py (its numbers).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from .evidence import ranked
from .model import Evidence, Finding, Hypothesis, Side
from .weights import EXPLAIN_STRENGTH, PROBABLE

if t.TYPE_CHECKING:
    from .exam_index import ExamIndex

__all__ = ["AFTER_ROOTS", "BEFORE_ROOTS", "Context", "Detection", "Detector", "hypothesis"]

BEFORE_ROOTS = "before-roots"
AFTER_ROOTS = "after-roots"

#: A detection at or below this score explains nothing; at or above EXPLAIN_FULL it explains
#: with the full EXPLAIN_STRENGTH (weights.py). In between, linearly: a pattern the engine is
#: unsure of takes little away from the roots.
EXPLAIN_FLOOR = 0.35
EXPLAIN_FULL = 0.65


@dataclass(frozen=True, slots=True)
class Detection:
    """A pattern found, and the findings it explains (whose root weight it takes over)."""

    hypothesis: Hypothesis
    explains: tuple[Finding, ...] = ()
    #: A multi-root or plexus picture (several roots or the plexus, one side): the segments it
    #: spans, and the findings it accounts for *without* taking their root weight (the roots
    #: may be the lesion). A root (or two adjacent roots) inside the span whose support all lies
    #: among those findings and ``explains`` is at most "possible": a neurologist does not
    #: call one root probable when several roots' muscles are weak on that side.
    span: tuple[str, ...] = ()
    covers: tuple[Finding, ...] = ()

    @property
    def strength(self) -> float:
        """How much of an explained finding's root weight this detection takes (0 to 1)."""
        span = (self.hypothesis.score - EXPLAIN_FLOOR) / (EXPLAIN_FULL - EXPLAIN_FLOOR)
        return EXPLAIN_STRENGTH * min(1.0, max(0.0, span))


@dataclass(frozen=True, slots=True)
class Detector:
    """One registered pattern detector."""

    name: str
    stage: str
    run: t.Callable[[Context], list[Detection]]


@dataclass
class Context:
    """What a detector may read: the indexed exam, the earlier detections and, after the roots
    stage, the root hypotheses and their net evidence per (segment, side)."""

    exam: ExamIndex
    found: list[Detection] = field(default_factory=list)
    roots: list[Hypothesis] = field(default_factory=list)
    #: (segment, side) -> net root evidence in units after explaining away
    nets: dict[tuple[str, Side | None], float] = field(default_factory=dict)
    #: id(finding) -> fraction of its root weight left after explaining away
    kept: dict[int, float] = field(default_factory=dict)

    def patterns(self, *codes: str) -> list[Hypothesis]:
        return [d.hypothesis for d in self.found if d.hypothesis.pattern in codes]


def hypothesis(
    pattern: str,
    text: str,
    side: Side | None,
    score: float,
    support: t.Iterable[Evidence],
    against: t.Iterable[Evidence],
    reasons: t.Iterable[str],
    urgent: bool = False,
    segments: tuple[str, ...] = (),
) -> Hypothesis:
    """A pattern hypothesis, its score clamped to [0, 1] and its evidence ranked."""
    score = round(min(max(score, 0.0), 1.0), 2)
    return Hypothesis(
        pattern=pattern,
        segments=segments,
        side=side,
        score=score,
        confidence="probable" if score > PROBABLE else "possible",
        text=text,
        support=ranked(support),
        against=ranked(against),
        reasons=tuple(reasons),
        urgent=urgent,
    )
