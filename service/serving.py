"""gunicorn settings, shared by ``neuroroot serve`` and the top-level gunicorn.conf.py."""

from __future__ import annotations

import os
import typing as t

from .config import DEFAULTS, from_environment

__all__ = ["gunicorn_options"]

#: Access log: method, path (no query string: it can carry patient ids), status, time, request id.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'


def default_workers() -> int:
    """2 x cores + 1 (gunicorn's advice for sync workers), at most 8."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def gunicorn_options(overrides: t.Mapping[str, t.Any] | None = None) -> dict[str, t.Any]:
    """The gunicorn settings from the environment (and *overrides*, e.g. command-line options)."""
    config = {**DEFAULTS, **from_environment(), **(overrides or {})}
    timeout = int(config["REQUEST_TIMEOUT"])
    return {
        "bind": f"{config['HOST']}:{config['PORT']}",
        "workers": config["WORKERS"] or default_workers(),
        "timeout": timeout,
        "graceful_timeout": timeout,
        "keepalive": 5,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "limit_request_line": 8190,
        "wsgi_app": "service:create_app()",
    }
