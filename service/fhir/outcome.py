"""Every error becomes an OperationOutcome: the only mapping from errors to HTTP statuses.

Handlers sit on the app, not on a blueprint, so Flask's routing 404 and 405 reach them too.
A 500 says nothing about internals; its traceback goes to the log (which never holds bodies).
"""

from __future__ import annotations

import logging
import typing as t

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from .. import errors as e
from ..logs import safe_traceback
from .http import fhir_response
from .write.operation_outcome import operation_outcome

__all__ = [
    "ERROR_TABLE",
    "UNMAPPED",
    "mapped_class",
    "register_error_handlers",
    "status_for",
]

logger = logging.getLogger(__name__)

#: error class -> (HTTP status, OperationOutcome issue type). Every concrete error class has a
#: row of its own: ``ServiceError`` itself has none, so a new subclass nobody mapped is caught
#: by tests/api/test_conformance.py instead of silently answering 500 (and, were it ever
#: reached, :func:`status_for` answers :data:`UNMAPPED` and logs the class).
ERROR_TABLE: dict[type[e.ServiceError], tuple[int, str]] = {
    e.InvalidRequest: (400, "structure"),
    e.NotFound: (404, "not-found"),
    e.MethodNotAllowed: (405, "not-supported"),
    e.NotAcceptable: (406, "not-supported"),
    e.UnsupportedMediaType: (415, "not-supported"),
    e.PayloadTooLarge: (413, "too-costly"),
    e.RequestTimeout: (408, "timeout"),
    e.Unprocessable: (422, "processing"),
    e.MixedSubjects: (422, "business-rule"),
    e.ContradictoryFinding: (422, "business-rule"),
    e.NothingToLocalize: (422, "not-supported"),
    e.InvalidExam: (422, "processing"),
    e.Unauthorized: (401, "login"),
    e.Forbidden: (403, "forbidden"),
    e.Conflict: (409, "conflict"),
    e.PreconditionFailed: (412, "incomplete"),
    e.VersionMismatch: (412, "conflict"),
    e.StoreUnavailable: (503, "transient"),
}

_HTTP_CODES = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    408: "timeout",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
}


#: what an error class without a row answers (a bug the conformance test exists to catch).
UNMAPPED: tuple[int, str] = (500, "exception")


def mapped_class(cls: type[e.ServiceError]) -> type[e.ServiceError] | None:
    """The class whose row of :data:`ERROR_TABLE` *cls* answers with: itself, else the nearest
    mapped parent below ``ServiceError``; None when nothing maps it."""
    for base in cls.__mro__:
        if base is e.ServiceError:
            return None
        if base in ERROR_TABLE:
            return base
    return None


def status_for(error: e.ServiceError) -> tuple[int, str]:
    """The (HTTP status, issue type) of *error*, from the most specific row of the table."""
    mapped = mapped_class(type(error))
    if mapped is None:
        logger.error("no status mapped for %s", type(error).__name__)
        return UNMAPPED
    return ERROR_TABLE[mapped]


def _answer(status: int, body: dict[str, t.Any], headers: dict[str, str] | None = None) -> Response:
    return fhir_response(body, status=status, headers=headers)


def _service_error(error: e.ServiceError) -> Response:
    status, code = status_for(error)
    headers = {}
    if isinstance(error, e.MethodNotAllowed) and error.allowed:
        headers["Allow"] = ", ".join(error.allowed)
    if isinstance(error, e.Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="neuroroot"'
    if isinstance(error, e.StoreUnavailable):
        headers["Retry-After"] = "5"
    if status >= 500 and not isinstance(error, e.StoreUnavailable):
        logger.error(
            "service error %s", type(error).__name__, extra={"traceback": safe_traceback(error)}
        )
    return _answer(status, operation_outcome(error.issues, code), headers)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if status == 405:
        allowed = sorted(m for m in (getattr(error, "valid_methods", None) or ()) if m != "OPTIONS")
        headers["Allow"] = ", ".join(allowed)
        message = f"method not allowed here; allowed: {', '.join(allowed)}"
    elif status == 404:
        message = "no such resource or path on this server"
    elif status == 413:
        message = "request body is larger than the configured limit (NEUROROOT_MAX_BODY_BYTES)"
    else:
        message = error.description or error.name
    code = _HTTP_CODES.get(status, "processing" if status < 500 else "exception")
    return _answer(status, operation_outcome([e.Issue(message)], code), headers)


def _unexpected(error: Exception) -> Response:
    # the traceback without the exception message, which may quote patient data
    logger.error("unhandled %s", type(error).__name__, extra={"traceback": safe_traceback(error)})
    issue = e.Issue("internal error; the request was not processed (see the server log)")
    return _answer(500, operation_outcome([issue], "exception", severity="fatal"))


def register_error_handlers(app: Flask) -> None:
    """Install the three handlers: ours, Werkzeug's HTTP errors, and anything else (500)."""
    app.register_error_handler(e.ServiceError, _service_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
