"""The ``neuroroot`` command: ``serve``, ``localize FILE``, ``isncsci FILE``, ``db upgrade`` and
``cds feedback``."""

from __future__ import annotations

import argparse
import os
import sys
import typing as t
from pathlib import Path

import orjson

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from .serving import StartupError, check_startup, gunicorn_options

    overrides = {
        k: v
        for k, v in {"HOST": args.host, "PORT": args.port, "WORKERS": args.workers}.items()
        if v is not None
    }
    try:
        check_startup(overrides)  # one line naming the setting, before gunicorn forks
    except StartupError as error:
        print(error.code, file=sys.stderr)
        return 2
    options = gunicorn_options(overrides)

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # settings this gunicorn version knows
                    self.cfg.set(key, value)

        def load(self) -> t.Any:
            from . import create_app

            return create_app()

    _App().run()
    return 0


def _localize(args: argparse.Namespace) -> int:
    from terminology import load_table

    from .config import DEFAULTS, from_environment
    from .errors import ServiceError
    from .fhir.operation import run_operation
    from .fhir.outcome import status_for
    from .fhir.read.json_body import read_json
    from .fhir.write.operation_outcome import operation_outcome

    config = {**DEFAULTS, **from_environment()}
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"neuroroot: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        if len(data) > config["MAX_BODY_BYTES"]:
            from .errors import PayloadTooLarge

            raise PayloadTooLarge("input is larger than NEUROROOT_MAX_BODY_BYTES")
        document = read_json(data, max_depth=config["MAX_JSON_DEPTH"])
        outcome = run_operation(document, load_table(), max_entries=config["MAX_ENTRIES"])
    except ServiceError as exc:
        status, code = status_for(exc)
        sys.stdout.buffer.write(
            orjson.dumps(operation_outcome(exc.issues, code), option=orjson.OPT_INDENT_2)
        )
        sys.stdout.write("\n")
        print(f"neuroroot: {status}: {exc.message}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(orjson.dumps(outcome.impression, option=orjson.OPT_INDENT_2))
    sys.stdout.write("\n")
    return 0


def _isncsci(args: argparse.Namespace) -> int:
    """Classify an ISNCSCI exam Bundle; print the collection Bundle (nothing is stored)."""
    from terminology import load_table

    from .config import DEFAULTS, from_environment
    from .errors import PayloadTooLarge, ServiceError
    from .fhir.isncsci_operation import classify_isncsci
    from .fhir.outcome import status_for
    from .fhir.read.json_body import read_json
    from .fhir.write.isncsci import classification_bundle
    from .fhir.write.operation_outcome import operation_outcome

    config = {**DEFAULTS, **from_environment()}
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"neuroroot: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    urn = "urn:uuid:{}".format
    try:
        if len(data) > config["MAX_BODY_BYTES"]:
            raise PayloadTooLarge("input is larger than NEUROROOT_MAX_BODY_BYTES")
        document = read_json(data, max_depth=config["MAX_JSON_DEPTH"])
        done = classify_isncsci(
            document, load_table(), max_entries=config["MAX_ENTRIES"], reference=urn
        )
    except ServiceError as exc:
        status, code = status_for(exc)
        sys.stdout.buffer.write(
            orjson.dumps(operation_outcome(exc.issues, code), option=orjson.OPT_INDENT_2)
        )
        sys.stdout.write("\n")
        print(f"neuroroot: {status}: {exc.message}", file=sys.stderr)
        return 2
    bundle = classification_bundle(done.observations, urn)
    sys.stdout.buffer.write(orjson.dumps(bundle, option=orjson.OPT_INDENT_2))
    sys.stdout.write("\n")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from . import create_app
    from .store import database_url, upgrade

    app = create_app({"AUTO_MIGRATE": False, "STORE_ENABLED": False})
    upgrade(database_url(app.config, app.instance_path))
    print("neuroroot: the database is at the latest revision")
    return 0


def _cds_feedback(args: argparse.Namespace) -> int:
    """Print the CDS Hooks feedback with its cards, one JSON object a line, oldest first."""
    from datetime import datetime

    from . import create_app
    from .errors import ServiceError
    from .store.cds import CdsRecords

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            print(
                f"neuroroot: --since {args.since!r} is not an ISO 8601 date-time", file=sys.stderr
            )
            return 2
        if since.tzinfo is None:
            print(
                "neuroroot: --since needs a time zone (e.g. 2026-12-01T00:00:00Z)", file=sys.stderr
            )
            return 2
    app = create_app({"AUDIT_LOG": "off"})
    store = app.extensions.get("store")
    if store is None:
        print(
            "neuroroot: the store is off (NEUROROOT_STORE_ENABLED=false): no feedback is kept",
            file=sys.stderr,
        )
        return 2
    try:
        rows = CdsRecords(store).feedback(service_id=args.service, since=since, limit=args.limit)
    except ServiceError as exc:
        print(f"neuroroot: {exc.message}", file=sys.stderr)
        return 2
    for row in rows:
        sys.stdout.buffer.write(orjson.dumps(row) + b"\n")
    return 0


def _quiet_on_closed_pipe(run: t.Callable[[], int]) -> int:
    """Run *run*; when the reader of standard output goes away (``neuroroot localize x | head``),
    exit quietly as Unix tools do, without a traceback (Python docs, "Note on SIGPIPE")."""
    try:
        code = run()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at devnull so that fails silently too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what the shell reports for a tool killed by the pipe
    return code


def main(argv: t.Sequence[str] | None = None) -> int:
    """Entry point of the ``neuroroot`` console script."""
    parser = argparse.ArgumentParser(
        prog="neuroroot", description="Nerve-root localization FHIR service."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service under gunicorn")
    serve.add_argument("--host", help="address to bind (default NEUROROOT_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default NEUROROOT_PORT or 8080)")
    serve.add_argument("--workers", type=int, help="worker processes (default from the CPU count)")
    serve.set_defaults(run=_serve)
    loc = commands.add_parser(
        "localize", help="read a Bundle (file or - for stdin), print the ClinicalImpression"
    )
    loc.add_argument("file", nargs="?", default="-")
    loc.set_defaults(run=_localize)
    isn = commands.add_parser(
        "isncsci",
        help="read an ISNCSCI exam Bundle (file or - for stdin), print its classification Bundle",
    )
    isn.add_argument("file", nargs="?", default="-")
    isn.set_defaults(run=_isncsci)
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="run the migrations up to the latest revision")
    up.set_defaults(run=_db_upgrade)
    cds = commands.add_parser("cds", help="CDS Hooks maintenance")
    cds_commands = cds.add_subparsers(dest="cds_command", required=True)
    fb = cds_commands.add_parser(
        "feedback", help="print the feedback on issued cards as NDJSON (oldest first)"
    )
    fb.add_argument("--service", help="only this CDS service id")
    fb.add_argument("--since", help="only feedback received at or after this ISO 8601 time")
    fb.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
    fb.set_defaults(run=_cds_feedback)
    args = parser.parse_args(argv)
    if args.command in ("localize", "isncsci", "cds"):
        return _quiet_on_closed_pipe(lambda: int(args.run(args)))
    return int(args.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
