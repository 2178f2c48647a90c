"""The pure domain: findings in, ranked hypotheses out.

No Flask, no fhir.resources, no I/O: the terminology table comes in as an argument.
"""

from __future__ import annotations

from .engine import localize
from .model import (
    Assessment,
    Evidence,
    Finding,
    Hypothesis,
    Kind,
    Polarity,
    Side,
    Skipped,
)

__all__ = [
    "Assessment",
    "Evidence",
    "Finding",
    "Hypothesis",
    "Kind",
    "Polarity",
    "Side",
    "Skipped",
    "localize",
]
