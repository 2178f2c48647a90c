"""The sample exams the try-it page offers, shipped in the package (``service/web/samples``).

Each file is a copy of ``tests/data/samples/<name>.json`` (a test keeps them identical), so the
installed service offers them without the test tree.
"""

from __future__ import annotations

__all__ = ["SAMPLES"]

#: file stem -> (title, what the exam shows)
SAMPLES: dict[str, tuple[str, str]] = {
    "l5-left": (
        "Left L5 radiculopathy",
        "Dorsum-of-foot numbness, weak great-toe extension, hip abduction and inversion, "
        "a reduced medial hamstring reflex.",
    ),
    "c6-left": (
        "Left C6 radiculopathy (a Parameters body)",
        "Thumb and lateral forearm numbness, weak wrist extension, a reduced supinator "
        "jerk: C6, not carpal tunnel.",
    ),
    "cauda-equina": (
        "Cauda equina (urgent)",
        "Saddle anaesthesia, an absent anal reflex and S1 signs on both sides.",
    ),
    "polyneuropathy": (
        "Polyneuropathy",
        "Symmetric stocking loss over L5 and S1, both ankle jerks absent, knee "
        "jerks and thighs normal.",
    ),
    "normal-exam": ("Normal lower-limb exam", "Nothing localizes."),
}
