"""neuroroot's performance harness (issue 6): not timed tests, a measurement you run by hand.

``python -m benchmarks`` measures, side by side in one run, on exams of 10, 50, 132 (a full
ISNCSCI exam) and 1,000 Observations:

(a) the ``$localize-root`` operation in-process (Flask test client, store on, SQLite in a
    temporary folder), a new patient per call so no idempotency short-cut applies;
(b) the floor: a bare Flask route that parses the same bytes with orjson and answers a small
    JSON document;
(c) the naive peer: fhir.resources R4B ``Bundle.model_validate_json`` on the same bytes;
(d) HTTP under gunicorn (2 workers) on 127.0.0.1 at concurrency 1, 4 and 16, with wrk (or, when
    wrk is missing, a Python load generator, and the output says so);
(e) the peak RSS of a fresh process doing one operation call on the 1,000-Observation bundle.

and (a') the operation on a messy 132-Observation exam (the other encodings of the input
profile: post-coordinated and text sides, BodyStructures, panels, value plus interpretation,
finding codes as values, string grades, dataAbsentReason) against the common one, in
alternating blocks (issue 12: within 1.5 times).

and (f) the Python function calls of one operation call per exam size (counted, so linear
growth is checked apart from the processor's caches) and, on the 132-Observation exam, each
stage of the operation on its own and inside real requests, the operation with the
optimisations of issue 6 switched on one at a time, and the SQLite write under several settings.

Before measuring, the in-process apps get the post-start step of a gunicorn worker
(``service.serving.freeze_after_startup``: compile the validator, collect, ``gc.freeze()``).

It prints a table and PASS/FAIL per target, and writes ``benchmarks/out/results.json``
(git-ignored). The figures, the machine they were measured on and what each optimisation bought
are kept in ``benchmarks/RESULTS.md``.
"""
