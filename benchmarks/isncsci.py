"""ISNCSCI classification in the pure core: one full exam, validated and classified.

    python -m benchmarks.isncsci

The exam is an incomplete C5 injury with NT items and starred items (so every element walks
its longest path and several answers are lists); the figure is microseconds per exam, for
building the typed exam from praxis JSON and for :func:`classify` alone, and for the whole HTTP
operation in-process (``POST /fhir/Observation/$classify-isncsci`` through the Flask test client:
the same exam as a FHIR Bundle of 134 Observations, read, classified, rendered as 26
Observations; ``operation`` with the store on (SQLite, a new patient per call, so every call
stores a new classification) and ``stateless``).
"""

from __future__ import annotations

import itertools
import tempfile
import typing as t

import orjson

from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS, classify, exam_from_praxis

from .inprocess import Timing, operation_client, time_calls

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
    """Per-exam timings: building the typed exam, classifying it, and the HTTP operation."""
    exam = exam_from_praxis(EXAM)
    timings = {
        "build": time_calls(lambda _i: exam_from_praxis(EXAM), min_seconds=min_seconds),
        "classify": time_calls(lambda _i: classify(exam), min_seconds=min_seconds),
    }
    timings.update(measure_operation(min_seconds))
    return timings


def _bundle_bytes() -> bytes:
    """The benchmark exam as the FHIR Bundle an EHR posts (the encoding of docs/isncsci.md)."""
    from tests.isncsci_fhir import exam_bundle

    return orjson.dumps(exam_bundle(EXAM, subject="Patient/bench-isncsci"))


def measure_operation(min_seconds: float = 1.0) -> dict[str, Timing]:
    """The in-process HTTP operation, store on and stateless."""
    body = _bundle_bytes()
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    timings = {}
    with tempfile.TemporaryDirectory(prefix="neuroroot-bench-isncsci-") as folder:
        for name, store in (("operation", True), ("stateless", False)):
            client = operation_client(folder, store=store)
            counter = itertools.count()

            def prepare(_i: int, counter: t.Any = counter) -> bytes:
                return body.replace(
                    b"Patient/bench-isncsci", f"Patient/bench-isncsci-{next(counter)}".encode()
                )

            def call(data: bytes, client: t.Any = client) -> None:
                response = client.post(PATH, data=data, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{PATH} answered {response.status_code}")

            timings[name] = time_calls(call, prepare, min_seconds=min_seconds, min_calls=30)
    return timings


PATH = "/fhir/Observation/$classify-isncsci"


if __name__ == "__main__":
    for name, timing in measure_isncsci().items():
        print(
            f"isncsci {name}: {timing.median_ms * 1000:.0f} µs median,"
            f" {timing.p90_ms * 1000:.0f} µs p90"
        )
