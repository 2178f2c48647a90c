"""CORS for browser clients (the Fetch standard's CORS protocol) by flask-cors, from
``CORS_ORIGINS``.

``NEUROROOT_CORS_ORIGINS`` is a comma-separated list of origins (``https://app.example.org``,
``http://localhost:3000``) or ``*``. Empty (the default): no hook is installed and no CORS header
is ever sent, so browsers on other origins cannot read the answers.

When set:

* a **preflight** (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is answered
  here, before access control and content negotiation, with 204 and no body. It never needs a
  bearer token. An allowed origin gets ``Access-Control-Allow-Origin`` (the origin itself, or
  ``*`` when any origin is allowed), ``-Allow-Methods``, ``-Allow-Headers`` (those it asked for
  among Authorization, Content-Type, Accept, X-Request-ID, Prefer, If-None-Match, If-Match) and
  ``-Max-Age``; any other origin gets a 204 without them, which the browser treats as a refusal;
* every other answer to an allowed ``Origin`` (errors included) carries
  ``Access-Control-Allow-Origin`` and ``Access-Control-Expose-Headers`` (ETag, Location,
  Content-Location, X-Request-ID, Preference-Applied), so scripts can read those headers.

Credentials (cookies) are never allowed: the service authenticates with an ``Authorization``
header, which a preflight allows explicitly. Answers that depend on the origin say
``Vary: Origin``.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_cors import CORS

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

ALLOW_METHODS = ["GET", "HEAD", "POST", "PATCH", "OPTIONS"]
ALLOW_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "X-Request-ID",
    "Prefer",
    "If-None-Match",
    "If-Match",
]
EXPOSE_HEADERS = ["ETag", "Location", "Content-Location", "X-Request-ID", "Preference-Applied"]
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


def init_app(app: Flask) -> None:
    """Install CORS (flask-cors) and the early preflight answer, unless CORS_ORIGINS is empty.

    flask-cors writes every ``Access-Control-*`` header (an allowed origin echoed, or ``*``;
    the methods, headers and max age of a preflight; the exposed headers). Two things stay
    here: a preflight is answered 204 by a ``before_request`` hook, which must be installed
    before access control and content negotiation so that a preflight never needs a token;
    and ``Vary: Origin`` is added to every answer when the allowed origin is echoed (flask-cors
    adds it only when several origins are configured, but a cache in front must not serve one
    origin's answer to another either way).

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
        response.vary.update(
            {"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}
        )
        return response  # flask-cors adds the permission, for an allowed origin only

    CORS(
        app,
        origins="*" if wildcard else sorted(origins),
        send_wildcard=wildcard,
        always_send=False,  # no Origin, no CORS headers
        methods=ALLOW_METHODS,
        allow_headers=ALLOW_HEADERS,
        expose_headers=EXPOSE_HEADERS,
        max_age=MAX_AGE,
        supports_credentials=False,
        vary_header=True,
    )

    if not wildcard:

        @app.after_request
        def _vary(response: Response) -> Response:
            response.vary.add("Origin")
            return response
