"""CORS for browser clients (the Fetch standard's CORS protocol), from ``CORS_ORIGINS``.

``NEUROROOT_CORS_ORIGINS`` is a comma-separated list of origins (``https://app.example.org``,
``http://localhost:3000``) or ``*``. Empty (the default): no hook is installed and no CORS header
is ever sent, so browsers on other origins cannot read the answers.

When set:

* a **preflight** (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is answered
  here, before access control and content negotiation, with 204 and no body. It never needs a
  bearer token. An allowed origin gets ``Access-Control-Allow-Origin`` (the origin itself, or
  ``*`` when any origin is allowed), ``-Allow-Methods``, ``-Allow-Headers`` (Authorization,
  Content-Type, Accept, X-Request-ID, Prefer, If-None-Match) and ``-Max-Age``; any other origin
  gets a 204 without them, which the browser treats as a refusal;
* every other answer to an allowed ``Origin`` (errors included) carries
  ``Access-Control-Allow-Origin`` and ``Access-Control-Expose-Headers`` (ETag, Location,
  Content-Location, X-Request-ID), so scripts can read those headers.

Credentials (cookies) are never allowed: the service authenticates with an ``Authorization``
header, which a preflight allows explicitly. Answers that depend on the origin say
``Vary: Origin``.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from flask import Flask, Response, request

from .config import ConfigError

__all__ = [
    "ALLOW_HEADERS",
    "ALLOW_METHODS",
    "EXPOSE_HEADERS",
    "MAX_AGE",
    "cors_enabled",
    "init_app",
    "parse_origins",
]

ALLOW_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Accept, X-Request-ID, Prefer, If-None-Match"
EXPOSE_HEADERS = "ETag, Location, Content-Location, X-Request-ID"
MAX_AGE = "3600"  # seconds; browsers cap it (Chromium at 7200)

ANY = "*"


def _origin(value: str) -> str:
    """One configured origin, normalised (lower case, no default port), or ConfigError."""
    parts = urlsplit(value)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path not in {""}
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ConfigError(
            f"NEUROROOT_CORS_ORIGINS: {value!r} is not an origin "
            "(scheme://host[:port], without a path or a trailing slash)"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"NEUROROOT_CORS_ORIGINS: {value!r} has a bad port") from exc
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{parts.hostname}{suffix}"


def parse_origins(value: str | None) -> frozenset[str]:
    """The allowed origins of a ``CORS_ORIGINS`` value: empty (CORS off), ``{"*"}``, or origins.

    :raise ConfigError: naming ``NEUROROOT_CORS_ORIGINS`` when an item is not an origin, or when
        ``*`` is mixed with origins.
    """
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    if ANY in items:
        if len(items) > 1:
            raise ConfigError(
                "NEUROROOT_CORS_ORIGINS: '*' allows any origin and cannot be "
                "combined with a list of origins"
            )
        return frozenset({ANY})
    return frozenset(_origin(item) for item in items)


def cors_enabled(config: t.Mapping[str, t.Any]) -> bool:
    """Whether *config* turns CORS on (what the CapabilityStatement's ``security.cors`` says)."""
    return any(item.strip() for item in str(config.get("CORS_ORIGINS") or "").split(","))


def _allowed(origins: frozenset[str], origin: str | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for *origin*, or None when it is not allowed."""
    if not origin:
        return None
    if ANY in origins:
        return ANY
    try:
        normalised = _origin(origin)
    except ConfigError:
        return None  # "null" or garbage from the client: not allowed
    return origin if normalised in origins else None


def init_app(app: Flask) -> None:
    """Install the preflight answer and the response headers, unless CORS_ORIGINS is empty.

    Must be called before any other ``before_request`` hook that could refuse the request
    (access control, content negotiation), so that preflights are answered first.

    :raise ConfigError: when CORS_ORIGINS is malformed.
    """
    origins = parse_origins(app.config.get("CORS_ORIGINS"))
    app.extensions["cors"] = origins
    if not origins:
        return
    wildcard = ANY in origins

    def _is_preflight() -> bool:
        return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers

    @app.before_request
    def _preflight() -> Response | None:
        if not _is_preflight():
            return None
        response = Response(status=204)
        allow = _allowed(origins, request.headers.get("Origin"))
        if allow is not None:
            response.headers["Access-Control-Allow-Origin"] = allow
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = MAX_AGE
        response.vary.update(
            {"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}
        )
        return response

    @app.after_request
    def _headers(response: Response) -> Response:
        if _is_preflight():  # answered (or refused) by _preflight
            return response
        if not wildcard:
            response.vary.add("Origin")
        allow = _allowed(origins, request.headers.get("Origin"))
        if allow is not None:
            response.headers["Access-Control-Allow-Origin"] = allow
            response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        return response
