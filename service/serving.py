"""gunicorn settings, shared by ``neuroroot serve`` and the top-level gunicorn.conf.py."""

from __future__ import annotations

import gc
import os
import typing as t

from .config import DEFAULTS, from_environment

__all__ = ["KEEPALIVE_SECONDS", "StartupError", "check_startup", "gunicorn_options"]

#: how long gunicorn keeps an idle connection open for the next request.
KEEPALIVE_SECONDS = 5


def default_workers() -> int:
    """2 x cores + 1 (gunicorn's advice for sync workers), at most 8."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def freeze_after_startup(_worker: t.Any) -> None:
    """gunicorn's ``post_worker_init`` hook: move what the app built at start (modules, the
    terminology table, SQLAlchemy's and Flask's objects) out of the garbage collector's sight.

    Without it every full collection walks those ~150,000 long-lived objects again; under load
    that happened every 35 requests or so and made the slowest 1% of requests 4 times slower
    than the median (benchmarks/RESULTS.md). The fast request validator is compiled first, so
    that the first request does not pay for it and its objects are frozen too.
    """
    from .fhir.read.schema_check import warm_up

    warm_up()
    gc.collect()
    gc.freeze()


class StartupError(SystemExit):
    """The service cannot start: one line, naming the setting, for the operator."""


def check_startup(overrides: t.Mapping[str, t.Any] | None = None) -> dict[str, t.Any]:
    """Check, once and before gunicorn forks, what would otherwise fail in every worker.

    Malformed settings and auth switched on without a usable JWK Set, issuer or audience would
    each make every worker fail at start with a traceback; here they stop the start with one
    line naming the variable (``neuroroot: NEUROROOT_AUTH_JWKS, ...: required when ...``).

    :return: the configuration.
    :raise StartupError: (a SystemExit with that line) when the service cannot start.
    """
    from .auth import load_verifier
    from .config import ConfigError

    try:
        config = {**DEFAULTS, **from_environment(), **(overrides or {})}
        load_verifier(config)
    except ConfigError as error:
        raise StartupError(f"neuroroot: cannot start: {error}") from None
    return config


def gunicorn_options(overrides: t.Mapping[str, t.Any] | None = None) -> dict[str, t.Any]:
    """The gunicorn settings from the environment (and *overrides*, e.g. command-line options)."""
    config = {**DEFAULTS, **from_environment(), **(overrides or {})}
    timeout = int(config["REQUEST_TIMEOUT"])
    host = str(config["HOST"])
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return {
        "bind": f"{host}:{config['PORT']}",
        "workers": config["WORKERS"] or default_workers(),
        # gthread with bounded client reads and FHIR errors (service.worker): a slow client
        # holds one thread for NEUROROOT_CLIENT_TIMEOUT at most, idle and kept-alive
        # connections none.
        "worker_class": "service.worker.ThreadWorker",
        "threads": int(config["THREADS"]),
        "timeout": timeout,
        "graceful_timeout": timeout,
        # seconds a connection is kept open for the next request (behind nginx: its upstream
        # keepalive_timeout is shorter, so it never reuses a connection gunicorn is closing)
        "keepalive": KEEPALIVE_SECONDS,
        # The app writes the access log itself (JSON, with the request id; service.logs), so
        # gunicorn's own access log stays off: one line per request, never a body or a query.
        "accesslog": None,
        "errorlog": "-",
        # No gunicornc control socket: its default path (~/.gunicorn/gunicorn.ctl) is shared by
        # every gunicorn of the user and not writable by the container's user.
        "control_socket_disable": True,
        # Larger request lines and headers are answered 414 and 431 (OperationOutcomes).
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "wsgi_app": "service:create_app()",
        "post_worker_init": freeze_after_startup,
    }
