"""Structured JSON logs with a request id; never a body, never a query string.

Every request gets an id (the caller's ``X-Request-ID`` when it is a sane token: 1 to 200 of ``A-Z
a-z 0-9 . _ : -``; else a new UUID), echoed in the ``X-Request-ID`` response header and written on
each log line. The access line carries method, path, status and duration only: request and response
bodies, query strings and headers other than the id are patient data or secrets and are never
logged. Tracebacks are logged without exception messages (:func:`safe_traceback`), which may quote
request data.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import typing as t
import uuid

from flask import Flask, Response, g, has_request_context, request

__all__ = ["JsonFormatter", "init_app", "safe_traceback"]

#: a client's X-Request-ID is kept when it is such a token, else replaced by a new UUID.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")
_HANDLER_NAME = "neuroroot-json"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        traceback = getattr(record, "traceback", None)
        if isinstance(traceback, str):
            entry["exception"] = traceback
        elif record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = safe_traceback(record.exc_info[1])
        return json.dumps(entry)


def safe_traceback(error: BaseException) -> str:
    """The traceback of *error* without any exception message.

    Exception messages quote data (``KeyError('Patient/123')``, a database error's parameters,
    ``invalid literal for int(): 'Jane'``), and request data is patient data; the frames (file,
    line, function, source line) and the exception types are enough to find the fault. Chained
    causes are listed the same way.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(
            f"Traceback (most recent call last):\n{frames}{kind.__module__}."
            f"{kind.__qualname__} (message withheld: it may hold patient data)"
        )
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n\nThe above exception led to this one:\n".join(reversed(parts))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not when the handler was
    made (the handler outlives apps; a replaced or closed stderr must not break logging)."""

    @property
    def stream(self) -> t.TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: t.Any) -> None:
        pass


def _configure_root(level: str) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "name", None) == _HANDLER_NAME for h in root.handlers):
        handler = _StderrHandler()
        handler.name = _HANDLER_NAME
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """Install the JSON handler and the per-request id and access line on *app*."""
    _configure_root(app.config["LOG_LEVEL"])
    access = logging.getLogger("neuroroot.access")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_ID.fullmatch(incoming) else str(uuid.uuid4())
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed, 2),
            },
        )
        return response
