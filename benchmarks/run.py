"""Run every measurement, print the table and the targets, write ``benchmarks/out/results.json``.

    python -m benchmarks              # the full run (about three minutes)
    python -m benchmarks --quick      # shorter timings, for a smoke check
    python -m benchmarks --no-http    # skip (d), gunicorn under load
    python -m benchmarks --markdown   # the tables as Markdown too (for RESULTS.md)

Besides (a)-(e) (see the package docstring) it measures, on the 132-Observation exam: the SQLite
write under several settings (benchmarks/sqlite.py), the stages of the operation one by one and
the operation with issue 6's optimisations switched on one at a time (benchmarks/breakdown.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import typing as t
from pathlib import Path

import orjson

from .breakdown import in_situ, python_calls, stages, steps
from .bundles import SIZES, exam_bundle, messy_exam_bundle
from .inprocess import measure, measure_messy
from .isncsci import measure_isncsci
from .load import CONCURRENCY, measure_http
from .machine import describe
from .rss import measure_rss
from .sqlite import measure_sqlite

__all__ = ["main"]

OUT = Path(__file__).parent / "out" / "results.json"
FULL_EXAM = 132
#: the targets of issue 6
RATIO_TARGET = 5.0
LINEAR_TOLERANCE = 1.2
RSS_TARGET_MB = 150.0
P99_TARGET_MS = 50.0
P99_CONCURRENCY = 4
#: issue 12: the messy exam's operation at most this many times the common exam's
MESSY_TARGET = 1.5


def _targets(results: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    timings = results["inprocess"]
    sizes = sorted(timings)
    out = []
    full = timings[FULL_EXAM]
    ratio = full["operation"]["median_ms"] / full["floor"]["median_ms"]
    out.append(
        {
            "target": f"operation <= {RATIO_TARGET:g} x floor at {FULL_EXAM} Observations",
            "value": f"{ratio:.1f} x ({full['operation']['median_ms']:.2f} ms vs "
            f"{full['floor']['median_ms']:.2f} ms)",
            "pass": ratio <= RATIO_TARGET,
        }
    )
    per = {n: timings[n]["operation"]["median_ms"] / n for n in sizes}
    largest = sizes[-1]
    growth = per[largest] / per[FULL_EXAM]
    floor = {n: timings[n]["floor"]["median_ms"] / n for n in (FULL_EXAM, largest)}
    out.append(
        {
            "target": f"linear time: per-Observation time at {largest} <= {LINEAR_TOLERANCE:g} x "
            f"that at {FULL_EXAM}",
            "value": f"{growth:.2f} x ({per[largest] * 1000:.1f} vs {per[FULL_EXAM] * 1000:.1f} "
            f"us/Observation; the floor's own: {floor[largest] / floor[FULL_EXAM]:.2f} x)",
            "pass": growth <= LINEAR_TOLERANCE,
        }
    )
    calls = results.get("python_calls")
    if calls:
        work = (calls[largest] / largest) / (calls[FULL_EXAM] / FULL_EXAM)
        out.append(
            {
                "target": f"linear work: Python calls per Observation at {largest} <= "
                f"{LINEAR_TOLERANCE:g} x those at {FULL_EXAM} (counted, not timed)",
                "value": f"{work:.2f} x ({calls[largest] / largest:.1f} vs "
                f"{calls[FULL_EXAM] / FULL_EXAM:.1f} calls/Observation)",
                "pass": work <= LINEAR_TOLERANCE,
            }
        )
    messy = results.get("messy")
    if messy:
        out.append(
            {
                "target": f"messy exam (the other encodings) <= {MESSY_TARGET:g} x the "
                f"common exam, {FULL_EXAM} Observations each",
                "value": f"{messy['ratio']:.2f} x ({messy['messy_ms']:.2f} ms vs "
                f"{messy['common_ms']:.2f} ms; median of {len(messy['rounds'])} "
                "alternating rounds)",
                "pass": messy["ratio"] <= MESSY_TARGET,
            }
        )
    rss = results.get("rss")
    if rss:
        out.append(
            {
                "target": f"peak RSS < {RSS_TARGET_MB:g} MB for the {largest}-Observation bundle",
                "value": f"{rss['peak_rss_mb']:.1f} MB",
                "pass": rss["peak_rss_mb"] < RSS_TARGET_MB,
            }
        )
    http = results.get("http")
    if http:
        level = http["levels"][P99_CONCURRENCY]
        ok = (
            level["p99_ms"] < P99_TARGET_MS
            and level["non_200"] == 0
            and level["socket_errors"] == 0
        )
        cores = results["machine"]["usable_cores"]
        out.append(
            {
                "target": f"p99 < {P99_TARGET_MS:g} ms at concurrency {P99_CONCURRENCY} "
                f"(gunicorn, {http['workers']} workers, {cores} cores, {http['tool']})",
                "value": f"{level['p99_ms']:.1f} ms",
                "pass": ok,
            }
        )
    return out


def _fit(timings: dict[int, t.Any]) -> tuple[float, float]:
    """Least-squares ``ms = fixed + per_observation * n`` over the sizes."""
    xs = sorted(timings)
    ys = [timings[n]["operation"]["median_ms"] for n in xs]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return mean_y - slope * mean_x, slope


def _table(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        rule = "|:---|" + "|".join("---:" for _ in headers[1:]) + "|"
        lines = ["| " + " | ".join(headers) + " |", rule]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def render(results: dict[str, t.Any], *, markdown: bool = False) -> str:
    """The human-readable report of *results*."""
    timings = results["inprocess"]
    parts = []
    rows = []
    for n in sorted(timings):
        row = timings[n]
        floor = row["floor"]["median_ms"]
        rows.append(
            [
                str(n),
                f"{row['bytes'] / 1000:.0f} kB",
                f"{row['operation']['median_ms']:.2f}",
                f"{row['operation']['p90_ms']:.2f}",
                f"{row['operation']['median_ms'] / n * 1000:.1f}",
                f"{row['stateless']['median_ms']:.2f}",
                f"{floor:.3f}",
                f"{row['r4b']['median_ms']:.2f}",
                f"{row['operation']['median_ms'] / floor:.1f}",
                f"{row['r4b']['median_ms'] / floor:.1f}",
            ]
        )
    parts.append(
        "In-process (Flask test client), milliseconds per call (median; p90 for the operation)"
    )
    parts.append(
        _table(
            [
                "Observations",
                "body",
                "operation",
                "op p90",
                "us/Obs",
                "stateless",
                "floor",
                "R4B parse",
                "op/floor",
                "R4B/floor",
            ],
            rows,
            markdown,
        )
    )
    fixed, slope = _fit(timings)
    parts.append(f"fit: operation = {fixed:.2f} ms + {slope * 1000:.1f} us x Observations")
    messy = results.get("messy")
    if messy:
        parts.append("")
        parts.append(
            f"The messy exam ({FULL_EXAM} Observations in the other encodings of the input "
            "profile) against the common one: the operation, store on, alternating blocks (ms)"
        )
        rows = [
            [str(i), f"{r['common_ms']:.2f}", f"{r['messy_ms']:.2f}", f"{r['ratio']:.2f}"]
            for i, r in enumerate(messy["rounds"], 1)
        ]
        rows.append(
            [
                "median",
                f"{messy['common_ms']:.2f}",
                f"{messy['messy_ms']:.2f}",
                f"{messy['ratio']:.2f}",
            ]
        )
        parts.append(_table(["round", "common", "messy", "messy/common"], rows, markdown))
    http = results.get("http")
    if http:
        rows = [
            [
                str(c),
                f"{lv['throughput_rps']:.0f}",
                f"{lv['p50_ms']:.1f}",
                f"{lv['p99_ms']:.1f}",
                f"{lv['max_ms']:.1f}",
                str(lv["requests"]),
                str(lv["non_200"] + lv["socket_errors"]),
            ]
            for c, lv in sorted(http["levels"].items())
        ]
        parts.append("")
        parts.append(
            f"HTTP: gunicorn, {http['workers']} workers, 127.0.0.1, {FULL_EXAM}-Observation "
            f"exam, {http['seconds_per_level']:g} s per level, load tool: {http['tool']}"
        )
        if http["note"]:
            parts.append(f"NOTE: {http['note']}")
        parts.append(
            _table(
                ["concurrency", "req/s", "p50 ms", "p99 ms", "max ms", "requests", "errors"],
                rows,
                markdown,
            )
        )
    elif "http_skipped" in results:
        parts.append(f"\nHTTP: skipped ({results['http_skipped']})")
    if results.get("stages"):
        parts.append("")
        parts.append(
            f"Where the time goes: each stage on its own, {FULL_EXAM} Observations (ms, median)"
        )
        parts.append(
            _table(
                ["stage", "ms"],
                [[k, f"{v['median_ms']:.3f}"] for k, v in results["stages"].items()],
                markdown,
            )
        )
    if results.get("python_calls"):
        parts.append("")
        parts.append("Python function calls of one operation call (cProfile; deterministic)")
        parts.append(
            _table(
                ["Observations", "calls", "calls/Observation"],
                [[str(n), str(c), f"{c / n:.1f}"] for n, c in results["python_calls"].items()],
                markdown,
            )
        )
    if results.get("in_situ"):
        parts.append("")
        parts.append(
            f"The same stages inside real requests, {FULL_EXAM} Observations, store on "
            "(ms, median; '-' marks a part of parse_request)"
        )
        parts.append(
            _table(
                ["stage", "ms"], [[k, f"{v:.3f}"] for k, v in results["in_situ"].items()], markdown
            )
        )
    if results.get("steps"):
        parts.append("")
        parts.append(
            f"What each optimisation bought: the operation, {FULL_EXAM} Observations, "
            "store on (ms, median), switched on one at a time"
        )
        rows, previous = [], None
        for label, timing in results["steps"]:
            ms = timing["median_ms"]
            change = "" if previous is None else f"{ms - previous:+.2f}"
            rows.append([label, f"{ms:.2f}", change])
            previous = ms
        parts.append(_table(["optimisations on", "ms", "change"], rows, markdown))
    if results.get("sqlite"):
        parts.append("")
        parts.append(f"SQLite: one Store.save of the {FULL_EXAM}-Observation result (ms)")
        parts.append(
            _table(
                ["connection, journal, synchronous", "median", "p90"],
                [
                    [k, f"{v['median_ms']:.3f}", f"{v['p90_ms']:.3f}"]
                    for k, v in results["sqlite"].items()
                ],
                markdown,
            )
        )
    rss = results.get("rss")
    if rss:
        parts.append("")
        parts.append(
            f"Peak RSS, one call on the {max(timings)}-Observation bundle "
            f"({rss['body_bytes'] / 1e6:.2f} MB body) in a fresh process: "
            f"{rss['peak_rss_mb']:.1f} MB (app built, before the call: "
            f"{rss['rss_before_call_mb']:.1f} MB)"
        )
    parts.append("")
    parts.append("Targets")
    for target in results["targets"]:
        parts.append(
            f"  {'PASS' if target['pass'] else 'FAIL'}  {target['target']}: {target['value']}"
        )
    machine = results["machine"]
    parts.append("")
    parts.append(
        f"Machine: {machine['cpu']}, {machine['usable_cores']} usable cores, "
        f"{machine['ram_gib']} GiB RAM, {machine['os']}, Python {machine['python']}"
    )
    parts.append(
        "Packages: "
        + ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
        + (f", {machine['wrk']}" if machine["wrk"] else "")
    )
    return "\n".join(parts)


def _result(body: bytes) -> t.Any:
    """The stored form of the operation's answer on *body* (for the SQLite measurement)."""
    from service.fhir.operation import run_operation
    from service.fhir.read.request import read_json
    from service.store import NewResult
    from terminology import load_table

    outcome = run_operation(read_json(body), load_table(), max_entries=len(body))
    return NewResult(
        impression=outcome.impression,
        provenance=outcome.provenance,
        subject=outcome.subject,
        date=outcome.date,
        identifier_key=None,
        content_key="",
    )


def main(argv: t.Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="shorter timings (a smoke check)")
    parser.add_argument("--no-http", action="store_true", help="skip (d), gunicorn under load")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per HTTP level (5)")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON output (default {OUT})")
    args = parser.parse_args(argv)

    bodies = {n: exam_bundle(n) for n in SIZES}
    results: dict[str, t.Any] = {
        "schema": "neuroroot-benchmarks/1",
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": describe(),
    }
    print(f"(a-c) in-process on {', '.join(map(str, SIZES))} Observations ...", flush=True)
    timings = measure(bodies, min_seconds=0.3 if args.quick else 1.5)
    results["inprocess"] = {
        n: {"bytes": len(bodies[n]), **{k: v.as_dict() for k, v in row.items()}}
        for n, row in timings.items()
    }
    print("(a') the messy exam against the common one ...", flush=True)
    results["messy"] = measure_messy(
        bodies[FULL_EXAM],
        messy_exam_bundle(FULL_EXAM),
        rounds=5 if args.quick else 9,
        min_seconds=0.3 if args.quick else 0.5,
    )
    print("(e) peak RSS ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="neuroroot-rss-") as folder:
        results["rss"] = measure_rss(bodies[max(SIZES)], folder)
    if args.no_http:
        results["http_skipped"] = "--no-http"
    else:
        seconds = args.seconds or (2.0 if args.quick else 5.0)
        tool = "wrk" if shutil.which("wrk") else "a Python load generator (wrk is not installed)"
        levels = ", ".join(map(str, CONCURRENCY))
        print(f"(d) gunicorn under load at concurrency {levels}, with {tool} ...", flush=True)
        results["http"] = measure_http(
            bodies[FULL_EXAM], seconds=seconds, warmup=1.0 if args.quick else 2.0
        )
    print("(f) Python calls, stages, optimisation steps, SQLite settings ...", flush=True)
    quick = {"min_seconds": 0.3 if args.quick else 1.0}
    results["python_calls"] = python_calls(bodies)
    results["stages"] = {k: v.as_dict() for k, v in stages(bodies[FULL_EXAM], **quick).items()}
    results["in_situ"] = {k: round(v, 4) for k, v in in_situ(bodies[FULL_EXAM], **quick).items()}
    results["steps"] = [(label, v.as_dict()) for label, v in steps(bodies[FULL_EXAM], **quick)]
    results["sqlite"] = {
        k: v.as_dict() for k, v in measure_sqlite(_result(bodies[FULL_EXAM]), **quick).items()
    }
    results["isncsci"] = {k: v.as_dict() for k, v in measure_isncsci(**quick).items()}
    results["targets"] = _targets(results)
    print()
    print(render(results))
    for name, timing in results["isncsci"].items():
        print(f"ISNCSCI {name}, one full exam: {timing['median_ms'] * 1000:.0f} µs median")
    if args.markdown:
        print()
        print(render(results, markdown=True))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(
        orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    )
    print(f"\nwrote {args.out}")
    return 0
