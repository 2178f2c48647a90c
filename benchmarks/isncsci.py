"""ISNCSCI classification in the pure core: one full exam, validated and classified.

    python -m benchmarks.isncsci

The exam is an incomplete C5 injury with NT items and starred items (so every element walks
its longest path and several answers are lists); the figure is microseconds per exam, for
building the typed exam from praxis JSON and for :func:`classify` alone.
"""

from __future__ import annotations

import typing as t

from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS, classify, exam_from_praxis

from .inprocess import Timing, time_calls

__all__ = ["EXAM", "measure_isncsci"]


def _side(touch_below: str, motor_below: str) -> dict[str, t.Any]:
    level = SENSORY_LEVELS.index("C5")
    lt = {lv: "2" if i <= level else touch_below for i, lv in enumerate(SENSORY_LEVELS)}
    motor = {lv: "5" if lv == "C5" else motor_below for lv in MOTOR_LEVELS}
    return {"lightTouch": lt, "pinPrick": dict(lt), "motor": motor}


EXAM: dict[str, t.Any] = {
    "right": _side("1", "3"),
    "left": _side("1", "2"),
    "voluntaryAnalContraction": "NT",
    "deepAnalPressure": "No",
}
EXAM["right"]["pinPrick"]["T4"] = "NT"
EXAM["left"]["motor"]["C7"] = "2*"
EXAM["left"]["lightTouch"]["C8"] = "1**"
EXAM["right"]["lowestNonKeyMuscleWithMotorFunction"] = "L2"


def measure_isncsci(min_seconds: float = 1.0) -> dict[str, Timing]:
    """Per-exam timings: building the typed exam, and classifying it."""
    exam = exam_from_praxis(EXAM)
    return {
        "build": time_calls(lambda _i: exam_from_praxis(EXAM), min_seconds=min_seconds),
        "classify": time_calls(lambda _i: classify(exam), min_seconds=min_seconds),
    }


if __name__ == "__main__":
    for name, timing in measure_isncsci().items():
        print(
            f"isncsci {name}: {timing.median_ms * 1000:.0f} µs median,"
            f" {timing.p90_ms * 1000:.0f} µs p90"
        )
