"""gunicorn settings, shared by ``neuroroot serve`` and the top-level gunicorn.conf.py."""

from __future__ import annotations

import gc
import os
import typing as t

from .config import DEFAULTS, from_environment

__all__ = ["gunicorn_options"]


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
        "timeout": timeout,
        "graceful_timeout": timeout,
        "keepalive": 5,
        # The app writes the access log itself (JSON, with the request id; service.logs), so
        # gunicorn's own access log stays off: one line per request, never a body or a query.
        "accesslog": None,
        "errorlog": "-",
        # No gunicornc control socket: its default path (~/.gunicorn/gunicorn.ctl) is shared by
        # every gunicorn of the user and not writable by the container's user.
        "control_socket_disable": True,
        "limit_request_line": 8190,
        "wsgi_app": "service:create_app()",
        "post_worker_init": freeze_after_startup,
    }
