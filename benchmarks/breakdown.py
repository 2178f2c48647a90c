"""Where the time of one operation goes, and what each optimisation of issue 6 bought.

:func:`stages` times the stages of the operation on one exam, each on its own (the body parsed
once, the stages then repeated). :func:`steps` measures the whole operation (in-process, store
on) with the optimisations switched off and then on again one at a time, in the order they were
made, by swapping the optimised functions for the earlier ones: all in one process, on the same
machine state, so the differences are comparable. (Some smaller changes cannot be switched off
this way and are in every row: see RESULTS.md.)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import typing as t
from datetime import UTC, datetime

import orjson

from .bundles import SUBJECT_PLACEHOLDER
from .inprocess import HEADERS, PATH, Timing, operation_client, time_calls

__all__ = ["STEPS", "in_situ", "python_calls", "stages", "steps"]


def stages(body: bytes, *, min_seconds: float = 0.5) -> dict[str, Timing]:
    """Each stage of the operation on *body*, timed on its own."""
    from service.core import localize
    from service.fhir.read import structure as parse_structure
    from service.fhir.read.envelope import root_type
    from service.fhir.read.request import parse_request, read_json
    from service.fhir.read.schema_check import fast_valid
    from service.fhir.write.impression import render_impression
    from service.fhir.write.provenance import render_provenance
    from service.store import NewResult
    from terminology import load_table

    table = load_table()
    document = read_json(body)
    parsed = parse_request(document, table)
    assessment = localize(parsed.findings, table)
    now = datetime.now(UTC)
    impression = render_impression(assessment, parsed, table, now)
    provenance = render_provenance(parsed, assessment.used, table, now)
    budget = {"min_seconds": min_seconds, "min_calls": 30}
    out = {
        "orjson.loads (the floor's parse)": time_calls(lambda _i: orjson.loads(body), **budget),
        "read_json (parse + depth limit)": time_calls(lambda _i: read_json(body), **budget),
        "fast structure check (schema)": time_calls(lambda _i: fast_valid(document), **budget),
        "service rules (bindings, zones)": time_calls(
            lambda _i: parse_structure._rule_issues(document, root_type(document)), **budget
        ),
        "parse_request (all of the above but read_json, + reading)": time_calls(
            lambda _i: parse_request(document, table), **budget
        ),
        "localize (the engine)": time_calls(lambda _i: localize(parsed.findings, table), **budget),
        "render ClinicalImpression + Provenance": time_calls(
            lambda _i: (
                render_impression(assessment, parsed, table, now),
                render_provenance(parsed, assessment.used, table, now),
            ),
            **budget,
        ),
        "orjson.dumps of the answer": time_calls(lambda _i: orjson.dumps(impression), **budget),
    }
    with tempfile.TemporaryDirectory(prefix="neuroroot-stages-") as folder:
        store = operation_client(folder).application.extensions["store"]
        result = NewResult(
            impression=impression,
            provenance=provenance,
            subject="Patient/s",
            date=now,
            identifier_key=None,
            content_key="",
        )
        from dataclasses import replace

        out["store.save (SQLite)"] = time_calls(
            store.save, lambda i: replace(result, content_key=f"stage-{i}"), **budget
        )
        store.close()
    return out


#: (module, function name, label) of the stages :func:`in_situ` times inside real requests
_IN_SITU = (
    ("service.fhir.read.json_body", "read_json", "read_json (parse + depth limit)"),
    ("service.fhir.operation", "parse_request", "parse_request"),
    (
        "service.fhir.read.request",
        "check_structure",
        "- structure check (schema, rules, invariants)",
    ),
    ("service.fhir.read.request", "_read", "- reading the Observations"),
    ("service.fhir.read.request", "content_key_of", "- content key (idempotency)"),
    ("service.fhir.operation", "localize", "localize (the engine)"),
    ("service.fhir.operation", "render_impression", "render ClinicalImpression"),
    ("service.fhir.operation", "render_provenance", "render Provenance"),
    ("service.api.localize", "fhir_response", "fhir_response (serialise, headers)"),
)


def in_situ(body: bytes, *, min_seconds: float = 1.0) -> dict[str, float]:
    """The stages timed inside real operation calls (store on), medians in ms.

    Unlike :func:`stages`, which repeats each stage on its own (its code and data stay in the
    processor's caches), this times them where they run, between Flask, the other stages and
    SQLite: what a request really pays. ``request`` is the whole call through the test client
    and ``view`` the view function; the rest of ``request`` is Flask, the test client and
    freeing the request's objects.
    """
    import importlib
    import statistics
    import time

    placeholder = SUBJECT_PLACEHOLDER.encode()
    spent: dict[str, list[float]] = {}
    saved: list[tuple[t.Any, str, t.Any]] = []

    def timed(owner: t.Any, name: str, label: str) -> None:
        """Wrap ``owner.name`` (or ``owner[name]`` for a dict) so its calls are timed."""
        original = owner[name] if isinstance(owner, dict) else getattr(owner, name)

        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            begin = time.perf_counter_ns()
            try:
                return original(*args, **kwargs)
            finally:
                spent.setdefault(label, []).append((time.perf_counter_ns() - begin) / 1e6)

        saved.append((owner, name, original))
        if isinstance(owner, dict):
            owner[name] = wrapper
        else:
            setattr(owner, name, wrapper)

    with tempfile.TemporaryDirectory(prefix="neuroroot-insitu-") as folder:
        client = operation_client(folder)
        app = client.application
        for module, name, label in _IN_SITU:
            timed(importlib.import_module(module), name, label)
        timed(app.extensions["store"], "save", "store.save (SQLite)")
        timed(app.view_functions, "localize.localize_root", "view")
        try:

            def call(i: int) -> None:
                data = body.replace(placeholder, f"Patient/situ-{i}".encode())
                begin = time.perf_counter_ns()
                client.post(PATH, data=data, headers=HEADERS)
                spent.setdefault("request", []).append((time.perf_counter_ns() - begin) / 1e6)

            for i in range(20):  # warm-up
                call(i)
            spent.clear()
            started, i = time.perf_counter(), 20
            while i < 60 or time.perf_counter() - started < min_seconds:
                call(i)
                i += 1
        finally:
            for owner, name, original in reversed(saved):
                if isinstance(owner, dict):
                    owner[name] = original
                else:
                    setattr(owner, name, original)
            client.application.extensions["store"].close()
    order = ["request", "view", *(label for _, _, label in _IN_SITU), "store.save (SQLite)"]
    return {label: statistics.median(spent[label]) for label in order if label in spent}


def python_calls(bodies: dict[int, bytes]) -> dict[int, int]:
    """Python function calls of one operation call (store on) per exam size, counted by
    cProfile: a measure of the work that does not depend on the processor's caches or on other
    load, so that linear growth can be checked exactly (the times of the largest exam also
    carry the memory hierarchy: the floor itself costs more per byte there)."""
    import cProfile
    import pstats

    placeholder = SUBJECT_PLACEHOLDER.encode()
    out = {}
    with tempfile.TemporaryDirectory(prefix="neuroroot-calls-") as folder:
        client = operation_client(folder)
        for size, body in bodies.items():
            client.post(
                PATH, data=body.replace(placeholder, b"Patient/calls-warm"), headers=HEADERS
            )
            profile = cProfile.Profile()
            data = body.replace(placeholder, f"Patient/calls-{size}".encode())
            profile.enable()
            response = client.post(PATH, data=data, headers=HEADERS)
            profile.disable()
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)}")
            stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
            out[size] = sum(entry[1] for entry in stats.values())
        client.application.extensions["store"].close()
    return out


# -- the optimisations, and how to switch each off -----------------------------------------------


def _old_read_json(body: bytes, *, max_depth: int = 64) -> t.Any:
    """read_json before issue 6: the depth measured by walking the decoded document."""
    from service.fhir.read import json_body as parse_json

    document = orjson.loads(body.removeprefix(b"\xef\xbb\xbf"))
    if parse_json._depth(document) > max_depth:
        raise ValueError("too deep")
    return document


@contextlib.contextmanager
def _off(step: str, client: t.Any, folder: str) -> t.Iterator[None]:
    """Switch one optimisation off for the duration."""
    import service.fhir.read.json_body as json_body
    from service.fhir.read import sites as parse_site
    from service.fhir.read import structure as parse_structure
    from service.fhir.read import times as parse_times

    saved: list[tuple[t.Any, str, t.Any]] = []

    def swap(owner: t.Any, name: str, value: t.Any) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    store = client.application.extensions["store"]
    if step == "fast structure check":
        swap(parse_structure, "fast_valid", lambda _document: False)
    elif step == "pooled SQLite connection":
        from .sqlite import _engine

        swap(
            store, "engine", _engine(os.path.join(folder, "bench.sqlite3"), False, "WAL", "NORMAL")
        )
    elif step == "depth limit on the bytes":
        swap(json_body, "read_json", _old_read_json)  # fhir.http.read_document reads it per call
    elif step == "choice groups on large objects only":
        from service.fhir.read import schema_check as validate

        if parse_structure.fast_valid is validate.fast_valid:  # the fast check is on
            swap(parse_structure, "fast_valid", _unguarded_fast_valid())
    elif step == "one-pass reader of common Observations":
        from service.fhir.read import request as parse

        swap(parse, "read_common", lambda *_args: None)
    elif step == "memoised lookups":
        # (the engine's index of that round, Exam.sensory, gave way to the indexes of the
        # second round, which cannot be switched off: they are in every row)
        swap(parse_times, "bounds", parse_times.bounds.__wrapped__)
        swap(parse_site, "_expression", parse_site.parse_expression)
        swap(parse_structure, "lacks_zone", parse_structure.lacks_zone.__wrapped__)
    try:
        yield
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)


#: in the order they were made (the first four in the first round of issue 6, the last two in
#: the second)
STEPS = (
    "fast structure check",
    "pooled SQLite connection",
    "depth limit on the bytes",
    "memoised lookups",
    "choice groups on large objects only",
    "one-pass reader of common Observations",
)


def _unguarded_fast_valid() -> t.Callable[[t.Any], bool]:
    """The fast check as it was before its choice groups were guarded by ``maxProperties``:
    every member's ``dependencies`` checked on every object."""
    import copy

    import jsonschema_rs

    from service.fhir.read import schema_check as validate

    schema = copy.deepcopy(validate.tightened_schema())
    for definition in schema["definitions"].values():
        for item in list(definition.get("allOf", ())):
            branches = item.get("anyOf", ()) if isinstance(item, dict) else ()
            if len(branches) == 2 and "maxProperties" in branches[0]:
                definition["allOf"].remove(item)
                definition["dependencies"] = branches[1]["dependencies"]
        if definition.get("allOf") == []:
            del definition["allOf"]
    validator = jsonschema_rs.Draft7Validator(
        schema,
        formats={f"r4b-{kind}": validate._format(kind) for kind in validate._FORMATS},
        validate_formats=True,
    )
    return lambda document: bool(validator.is_valid(document))


def steps(body: bytes, *, min_seconds: float = 1.0) -> list[tuple[str, Timing]]:
    """The operation with all of :data:`STEPS` off, then each switched on in turn."""
    placeholder = SUBJECT_PLACEHOLDER.encode()
    rows: list[tuple[str, Timing]] = []
    with tempfile.TemporaryDirectory(prefix="neuroroot-steps-") as folder:
        client = operation_client(folder)

        def call(data: bytes) -> None:
            response = client.post(PATH, data=data, headers=HEADERS)
            if response.status_code != 200:
                raise RuntimeError(
                    f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
                )

        for n in range(len(STEPS) + 1):
            with contextlib.ExitStack() as stack:
                for step in STEPS[n:]:
                    stack.enter_context(_off(step, client, folder))
                label = "none (as before issue 6)" if n == 0 else f"+ {STEPS[n - 1]}"
                rows.append(
                    (
                        label,
                        time_calls(
                            call,
                            lambda i, n=n: body.replace(
                                placeholder, f"Patient/step{n}-{i}".encode()
                            ),
                            min_seconds=min_seconds,
                            min_calls=20,
                        ),
                    )
                )
        client.application.extensions["store"].close()
    return rows
