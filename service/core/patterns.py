"""The non-root pattern detectors, by the name the engine used before issue 11.

They now live by family: :mod:`.cord` (myelopathy with its level, Brown-Sequard, hemiparesis),
:mod:`.diffuse` (polyneuropathy, polyradiculoneuropathy, scattered weakness, polyradiculopathy,
cauda equina) and :mod:`.mimics` (peripheral nerves, lumbosacral plexus); the registry that
runs them is :mod:`.detectors`, the exam index :mod:`.exam_index`.
"""

from __future__ import annotations

from .cord import brown_sequard, hemiparesis, myelopathy
from .diffuse import cauda_equina, polyneuropathy, polyradiculoneuropathy, polyradiculopathy
from .exam_index import CERVICAL, LOWER, SADDLE, SIDES, Exam, ExamIndex

__all__ = [
    "CERVICAL",
    "LOWER",
    "SADDLE",
    "SIDES",
    "Exam",
    "ExamIndex",
    "brown_sequard",
    "cauda_equina",
    "hemiparesis",
    "myelopathy",
    "polyneuropathy",
    "polyradiculoneuropathy",
    "polyradiculopathy",
]
