"""The worksheet's sums: motor (upper and lower limb), light touch and pin prick, per side and
together. A sum that includes a not-testable item cannot be determined (``None``, praxis ``ND``);
tags do not change the number (a tagged 3 still adds 3). Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from .exam import Exam
from .result import Totals

__all__ = ["totals"]


def _sum(tokens: Iterable[str]) -> int | None:
    total = 0
    for token in tokens:
        grade = token.rstrip("*")
        if grade == "NT":
            return None
        total += int(grade)
    return total


def _add(*parts: int | None) -> int | None:
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]


def totals(exam: Exam) -> Totals:
    """The 14 totals of the exam."""
    sums: dict[str, int | None] = {}
    for name in ("right", "left"):
        side = exam.side(name)
        motor = list(side.motor.values())
        sums[f"upper_extremity_{name}"] = _sum(motor[:5])
        sums[f"lower_extremity_{name}"] = _sum(motor[5:])
        sums[f"light_touch_{name}"] = _sum(side.light_touch.values())
        sums[f"pin_prick_{name}"] = _sum(side.pin_prick.values())
        sums[f"motor_{name}"] = _add(
            sums[f"upper_extremity_{name}"], sums[f"lower_extremity_{name}"]
        )
    for part in ("upper_extremity", "lower_extremity", "light_touch", "pin_prick"):
        sums[part] = _add(sums[f"{part}_right"], sums[f"{part}_left"])
    return Totals(**sums)
