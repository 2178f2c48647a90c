"""The registry of pattern detectors that :func:`~service.core.engine.localize` iterates.

Order matters within a stage: a detector may read the detections before it (``ctx.found``);
for example the scattered-weakness detector leaves alone the weakness a cord syndrome already
explains. Adding a detector is one function (see :mod:`.detection`) and one line here, plus
its pattern code in terminology/data/patterns.csv and its numbers in weights.py.
"""

from __future__ import annotations

from .cord import brown_sequard, hemiparesis, myelopathy
from .detection import AFTER_ROOTS, BEFORE_ROOTS, Detector
from .diffuse import (
    cauda_equina,
    polyneuropathy,
    polyradiculoneuropathy,
    polyradiculopathy,
    scattered_weakness,
)
from .mimics import lumbosacral_plexopathy, mimics

__all__ = ["DETECTORS"]

DETECTORS: tuple[Detector, ...] = (
    # patterns that are not a root: run first, and explain findings away from the roots
    Detector("brown-sequard", BEFORE_ROOTS, brown_sequard),
    Detector("hemiparesis", BEFORE_ROOTS, hemiparesis),
    Detector("myelopathy", BEFORE_ROOTS, myelopathy),
    Detector("polyneuropathy", BEFORE_ROOTS, polyneuropathy),
    Detector("polyradiculoneuropathy", BEFORE_ROOTS, polyradiculoneuropathy),
    Detector("peripheral-nerve mimics", BEFORE_ROOTS, mimics),
    Detector("lumbosacral-plexopathy", BEFORE_ROOTS, lumbosacral_plexopathy),
    Detector("scattered weakness", BEFORE_ROOTS, scattered_weakness),
    # patterns read from the roots left after explaining away
    Detector("cauda-equina", AFTER_ROOTS, cauda_equina),
    Detector("polyradiculopathy", AFTER_ROOTS, polyradiculopathy),
)
