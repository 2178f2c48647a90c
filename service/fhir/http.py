"""FHIR content negotiation and JSON responses (R4 http.html, section "Content Types").

The service speaks JSON only. It accepts ``application/fhir+json`` and ``application/json`` on
both Content-Type and Accept, honours ``_format`` (which overrides Accept) and ``_pretty``, and
checks the ``fhirVersion`` media-type parameter: absent or ``4.0`` is fine, anything else is 406
on Accept and 415 on Content-Type.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

import orjson
from flask import Response, current_app, request
from werkzeug.http import http_date

from ..errors import InvalidRequest, NotAcceptable, UnsupportedMediaType

__all__ = [
    "FHIR_JSON",
    "FHIR_VERSION",
    "check_accept",
    "check_content_type",
    "fhir_response",
    "link",
    "preference",
    "public_base",
    "response_media_type",
    "version_headers",
]

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"
_JSON_TYPES = frozenset({"application/fhir+json", "application/json", "json"})
_ANY = frozenset({"*/*", "application/*"})


def _parse_media(value: str) -> tuple[str, dict[str, str]]:
    main, *params = value.split(";")
    parsed = {}
    for param in params:
        name, _, val = param.partition("=")
        parsed[name.strip().lower()] = val.strip().strip('"')
    return main.strip().lower(), parsed


def _version_ok(params: t.Mapping[str, str]) -> bool:
    return params.get("fhirversion", "4.0") in {"4.0", "4.0.1"}


def response_media_type() -> str:
    """The media type to answer with: FHIR JSON, or plain JSON when only that was asked for."""
    fmt = request.args.get("_format")
    wanted = fmt if fmt else request.headers.get("Accept", "")
    types = {_parse_media(part)[0] for part in wanted.split(",") if part.strip()}
    if "application/json" in types and not types & {FHIR_JSON, "json", *_ANY}:
        return "application/json"
    return FHIR_JSON


def check_accept() -> None:
    """Refuse a request whose ``_format`` or Accept asks for anything but FHIR JSON.

    :raise NotAcceptable: naming ``_format`` or ``http.Accept``.
    """
    fmt = request.args.get("_format")
    if fmt is not None:
        main, params = _parse_media(fmt)
        if main not in _JSON_TYPES or not _version_ok(params):
            raise NotAcceptable(
                f"_format {fmt!r} is not supported: this server answers FHIR R4 JSON only "
                "(json, application/json, application/fhir+json)",
                "http._format",
            )
        return
    accept = request.headers.get("Accept")
    if not accept:
        return
    acceptable = False
    for part in accept.split(","):
        if not part.strip():
            continue
        main, params = _parse_media(part)
        if main in _JSON_TYPES and not _version_ok(params):
            raise NotAcceptable(
                f"fhirVersion {params['fhirversion']!r} is not supported: "
                "this server is FHIR R4 (4.0)",
                "http.Accept",
            )
        if (main in _JSON_TYPES or main in _ANY) and params.get("q") not in {"0", "0.0"}:
            acceptable = True
    if not acceptable:
        raise NotAcceptable(
            f"Accept {accept!r} is not supported: this server answers application/fhir+json only",
            "http.Accept",
        )


def check_content_type() -> None:
    """Refuse a request body that is not FHIR JSON in UTF-8, or that names another FHIR release.

    :raise UnsupportedMediaType: naming ``http.Content-Type``.
    """
    value = request.headers.get("Content-Type")
    if not value:
        raise UnsupportedMediaType(
            "Content-Type is missing: send the body as application/fhir+json", "http.Content-Type"
        )
    main, params = _parse_media(value)
    if main not in {"application/fhir+json", "application/json"}:
        raise UnsupportedMediaType(
            f"Content-Type {main!r} is not supported: send application/fhir+json",
            "http.Content-Type",
        )
    if params.get("charset", "utf-8").lower() not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType("only the UTF-8 charset is supported", "http.Content-Type")
    if not _version_ok(params):
        raise UnsupportedMediaType(
            f"fhirVersion {params['fhirversion']!r} is not supported: this server is FHIR R4 (4.0)",
            "http.Content-Type",
        )


def preference(name: str) -> str | None:
    """The value of the ``Prefer`` preference *name* (RFC 7240), e.g. ``return`` -> ``minimal``.

    Preferences are separated by commas (or, as some clients send them, semicolons); names are
    case-insensitive, values are returned as sent, without quotes. None when not asked for.
    """
    for header in request.headers.getlist("Prefer"):
        for part in header.replace(";", ",").split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == name:
                return value.strip().strip('"')
    return None


def version_headers(version_id: str, last_updated: datetime) -> dict[str, str]:
    """The weak ETag and Last-Modified of a stored resource version (R4 http.html, versioning)."""
    return {"ETag": f'W/"{version_id}"', "Last-Modified": http_date(last_updated)}


def _pretty() -> bool:
    try:
        return request.args.get("_pretty", "false").lower() == "true"
    except RuntimeError:  # outside a request
        return False


def fhir_response(
    resource: t.Mapping[str, t.Any], status: int = 200, headers: t.Mapping[str, str] | None = None
) -> Response:
    """Serialise *resource* as FHIR JSON with the negotiated media type."""
    option = orjson.OPT_INDENT_2 if _pretty() else 0
    body = orjson.dumps(resource, option=option)
    try:
        media = response_media_type()
    except RuntimeError:
        media = FHIR_JSON
    response = Response(body, status=status, content_type=f"{media}; charset=utf-8")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _host_name(host: str) -> str:
    """The name in a Host header value, without the port (``[::1]:8080`` -> ``::1``)."""
    if host.startswith("["):
        return host[1:].partition("]")[0].lower()
    return host.rpartition(":")[0].lower() if host.count(":") == 1 else host.lower()


def public_base() -> str:
    """The public URL of the service root, without a trailing slash: what links start with.

    ``NEUROROOT_BASE_URL`` when set (the Host header is then never read). Otherwise the
    request's own scheme and Host, but only when the Host names one of
    ``NEUROROOT_TRUSTED_HOSTS`` (default: the loopback names): a forged Host header never ends
    up in a Content-Location or a ``fullUrl``.

    :raise InvalidRequest: (400, ``http.Host``) when the Host is not trusted.
    """
    configured: str | None = current_app.config.get("BASE_URL")
    if configured:
        return configured
    trusted: frozenset[str] = current_app.config["TRUSTED_HOST_NAMES"]
    host = request.host
    if "*" not in trusted and _host_name(host) not in trusted:
        raise InvalidRequest(
            f"Host {host[:100]!r} is not a name this server answers to: links are built from "
            "NEUROROOT_BASE_URL, or from a Host listed in NEUROROOT_TRUSTED_HOSTS",
            "http.Host",
        )
    return request.url_root.rstrip("/")


def link(path: str) -> str:
    """The absolute URL of *path* (``/fhir/...``, relative to the service root)."""
    return public_base() + path
