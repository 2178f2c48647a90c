"""In-process measurements (a), (b), (c): the operation, the floor and the naive peer.

All three see the same bytes. The operation and the floor both go through Flask's test client
(the same WSGI path, no sockets), so their ratio is the cost of the service's own work. Each
figure is the median (and 90th percentile) of many calls after a warm-up.
"""

from __future__ import annotations

import itertools
import logging
import os
import statistics
import tempfile
import time
import typing as t
from dataclasses import dataclass

import orjson
from flask import Flask, Response, request

from .bundles import SUBJECT_PLACEHOLDER

__all__ = ["Timing", "floor_app", "measure", "measure_messy", "operation_client", "time_calls"]

PATH = "/fhir/ClinicalImpression/$localize-root"
HEADERS = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


@dataclass(frozen=True, slots=True)
class Timing:
    """Milliseconds per call: median and 90th percentile over *calls* calls."""

    median_ms: float
    p90_ms: float
    calls: int

    def as_dict(self) -> dict[str, t.Any]:
        return {
            "median_ms": round(self.median_ms, 4),
            "p90_ms": round(self.p90_ms, 4),
            "calls": self.calls,
        }


def time_calls(
    call: t.Callable[[int], t.Any],
    prepare: t.Callable[[int], t.Any] | None = None,
    *,
    warmup: int = 5,
    min_calls: int = 30,
    min_seconds: float = 1.0,
    max_calls: int = 2000,
) -> Timing:
    """Time ``call(prepare(i))`` (``prepare`` is not timed) until both minimums are reached."""
    counter = itertools.count()
    for _ in range(warmup):
        i = next(counter)
        call(prepare(i) if prepare else i)
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < max_calls and (
        len(samples) < min_calls or time.perf_counter() - started < min_seconds
    ):
        i = next(counter)
        argument = prepare(i) if prepare else i
        begin = time.perf_counter_ns()
        call(argument)
        samples.append((time.perf_counter_ns() - begin) / 1e6)
    return _timing(samples)


def _timing(samples: list[float]) -> Timing:
    samples = sorted(samples)
    return Timing(
        statistics.median(samples), samples[max(0, int(len(samples) * 0.9) - 1)], len(samples)
    )


def floor_app() -> Flask:
    """The floor: a bare Flask route that parses the body with orjson and answers small JSON."""
    app = Flask("floor")

    @app.post(PATH)
    def parse_only() -> Response:
        document = orjson.loads(request.get_data(cache=False))
        answer = {
            "resourceType": document.get("resourceType"),
            "entries": len(document.get("entry", ())),
        }
        return Response(orjson.dumps(answer), content_type="application/fhir+json")

    return app


def _silence_logs() -> None:
    """Keep the service's JSON log lines (their cost is real) but write them to /dev/null.

    The service installs its handler only when the root logger has none of that name, so one
    installed here first, on /dev/null, takes its place (the service still sets its formatter's
    level and its access logger).
    """
    from service.logs import JsonFormatter

    root = logging.getLogger()
    if any(getattr(h, "name", None) == "neuroroot-json" for h in root.handlers):
        return
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (lives with the process)
    handler.name = "neuroroot-json"
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)


def operation_client(folder: str, *, store: bool = True) -> t.Any:
    """A test client of the real app: store on (SQLite file in *folder*) or stateless."""
    from service import create_app

    _silence_logs()
    app = create_app({"SQLITE_PATH": os.path.join(folder, "bench.sqlite3"), "STORE_ENABLED": store})
    return app.test_client()


def _subjects(body: bytes, tag: str) -> t.Callable[[int], bytes]:
    """A new patient per call (a counter of its own, so repeated runs never reuse one)."""
    placeholder = SUBJECT_PLACEHOLDER.encode()
    counter = itertools.count()

    def prepare(_i: int) -> bytes:
        return body.replace(placeholder, f"Patient/{tag}-{next(counter)}".encode())

    return prepare


def measure(bodies: dict[int, bytes], *, min_seconds: float = 1.0) -> dict[int, dict[str, Timing]]:
    """For each exam size: the operation (store on, and stateless), the floor, and R4B."""
    from fhir.resources.R4B.bundle import Bundle

    from service.serving import freeze_after_startup

    results: dict[int, dict[str, Timing]] = {}
    with tempfile.TemporaryDirectory(prefix="neuroroot-bench-") as folder:
        stored = operation_client(folder, store=True)
        stateless = operation_client(folder, store=False)
        floor = floor_app().test_client()
        # What a gunicorn worker does once its app is built (service.serving): compile the
        # validator, collect, and freeze what exists, so that the collector stops walking the
        # start-up objects (here also the R4B models of the peer). Without it the largest
        # requests pay for full collections of a heap no worker has, and vary by 30 %.
        freeze_after_startup(None)

        post = _post
        for size, body in bodies.items():
            same = lambda _i, body=body: body  # noqa: E731
            calls = {
                "operation": (post(stored), _subjects(body, f"s{size}")),
                "stateless": (post(stateless), _subjects(body, f"n{size}")),
                "floor": (post(floor), same),
                "r4b": (Bundle.model_validate_json, same),
            }
            budget = {"min_seconds": min_seconds, "min_calls": 30 if size < 1000 else 10}
            # Each figure is measured in a block of its own calls (warm caches, as a loaded
            # server sees them), twice, keeping the better block: the machine may be shared.
            runs = [{n: time_calls(c, p, **budget) for n, (c, p) in calls.items()} for _ in "ab"]
            results[size] = {
                n: min((run[n] for run in runs), key=lambda x: x.median_ms) for n in calls
            }
    return results


def _post(client: t.Any) -> t.Callable[[bytes], None]:
    """A call posting a body to the operation, failing on anything but 200."""

    def call(body: bytes) -> None:
        response = client.post(PATH, data=body, headers=HEADERS)
        if response.status_code != 200:
            raise RuntimeError(
                f"{PATH} answered {response.status_code}: {response.get_data(as_text=True)[:500]}"
            )

    return call


def measure_messy(
    common: bytes, messy: bytes, *, rounds: int = 5, min_seconds: float = 1.0
) -> dict[str, t.Any]:
    """The operation (store on) on the common exam and on the messy one (issue 12), in
    alternating blocks of calls, *rounds* times: each round's ratio compares two blocks run one
    after the other, so the load of the shared machine moves both; the figures are the medians
    over the rounds."""
    from service.serving import freeze_after_startup

    out: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="neuroroot-messy-") as folder:
        client = operation_client(folder, store=True)
        freeze_after_startup(None)
        call = _post(client)
        budget = {"min_seconds": min_seconds, "min_calls": 30}
        for r in range(rounds):
            plain = time_calls(call, _subjects(common, f"mc{r}"), **budget)
            mixed = time_calls(call, _subjects(messy, f"mm{r}"), **budget)
            out.append(
                {
                    "common_ms": plain.median_ms,
                    "messy_ms": mixed.median_ms,
                    "ratio": mixed.median_ms / plain.median_ms,
                }
            )
        client.application.extensions["store"].close()
    return {
        "rounds": out,
        **{k: statistics.median(row[k] for row in out) for k in ("common_ms", "messy_ms", "ratio")},
    }
