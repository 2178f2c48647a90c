"""ISNCSCI 2019 classification of the standard spinal cord injury exam.

The pure core of ``$classify-isncsci``: no Flask, no fhir.resources, no I/O, deterministic.
Build an :class:`Exam` (from praxis's JSON shape with :func:`exam_from_praxis`, or side by side
with :meth:`Side.build`), then :func:`classify` it. Every element comes back in praxis
notation (:class:`Outcome`), with the 14 :class:`Totals` and the :class:`Step` sentences that
explain each element. Parity with the reference classifier (praxis ``isncsci`` 2.0.6) is tested
on its 128 validation cases and by a differential test; deviations are listed in
``docs/isncsci-deviations.md``.
"""

from __future__ import annotations

from .classify import classify
from .exam import (
    MOTOR_LEVELS,
    SENSORY_LEVELS,
    AnalFinding,
    Exam,
    Score,
    Side,
    Tag,
    exam_from_praxis,
)
from .result import ELEMENTS, Classification, Outcome, Possibility, Step, Totals

__all__ = [
    "ELEMENTS",
    "MOTOR_LEVELS",
    "SENSORY_LEVELS",
    "AnalFinding",
    "Classification",
    "Exam",
    "Outcome",
    "Possibility",
    "Score",
    "Side",
    "Step",
    "Tag",
    "Totals",
    "classify",
    "exam_from_praxis",
]
