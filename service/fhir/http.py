"""FHIR content negotiation and responses (R4 http.html, section "Content Types").

The service answers FHIR JSON (``application/fhir+json``; ``application/json`` when only that
is asked for) and FHIR XML (``application/fhir+xml``; also for ``application/xml`` and
``text/xml``), chosen by ``_format`` (which overrides Accept), else by Accept with its q-values
(parsed by Werkzeug; JSON on a tie, for ``*/*`` and without Accept). The request bodies of the
operations may be JSON or XML (by Content-Type). ``_pretty`` is honoured, and the
``fhirVersion`` media-type parameter is checked: absent or ``4.0`` is fine, anything else is
406 on Accept and 415 on Content-Type. XML goes through fhir.resources' models (lxml); a JSON
answer never builds a model, so the common path stays as fast as before.
"""

from __future__ import annotations

import functools
import typing as t
from datetime import datetime

import orjson
from flask import Response, current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import http_date, parse_accept_header, parse_options_header

from ..errors import InvalidRequest, NotAcceptable, UnsupportedMediaType

__all__ = [
    "FHIR_JSON",
    "FHIR_VERSION",
    "FHIR_XML",
    "body_is_xml",
    "check_accept",
    "check_content_type",
    "fhir_response",
    "link",
    "preference",
    "public_base",
    "read_document",
    "response_media_type",
    "version_headers",
]

FHIR_JSON = "application/fhir+json"
FHIR_XML = "application/fhir+xml"
FHIR_VERSION = "4.0.1"
#: ``_format`` values and media types -> the format they mean (R4 http.html, "Content Types").
_FORMATS = {
    "json": FHIR_JSON,
    FHIR_JSON: FHIR_JSON,
    "application/json": "application/json",
    "xml": FHIR_XML,
    FHIR_XML: FHIR_XML,
    "application/xml": FHIR_XML,
    "text/xml": FHIR_XML,
}
#: what an Accept header can be answered with, in order of preference on a tie.
_OFFERED = [FHIR_JSON, "application/json", FHIR_XML, "application/xml", "text/xml"]
_XML_TYPES = frozenset({FHIR_XML, "application/xml", "text/xml"})
_JSON_BODIES = frozenset({FHIR_JSON, "application/json"})


@functools.lru_cache(maxsize=256)
def _parse_media(value: str) -> tuple[str, dict[str, str]]:
    """A media type and its parameters (names lower-cased), by Werkzeug's header parser.

    Memoised: clients send the same few header values again and again (media types are not
    patient data), so negotiation costs a dictionary lookup on the hot path. Callers must not
    change the returned dict.
    """
    main, params = parse_options_header(value)
    return main.lower(), {name.lower(): val for name, val in params.items()}


def _version_ok(params: t.Mapping[str, str]) -> bool:
    return params.get("fhirversion", "4.0") in {"4.0", "4.0.1"}


@functools.lru_cache(maxsize=256)
def _negotiated(accept: str) -> tuple[str | None, str | None]:
    """For an Accept header value: the best media type offered (None: nothing acceptable), and
    the first other ``fhirVersion`` asked for on a FHIR type (None: none).

    Parsed by Werkzeug (q-values, wildcards, specificity), without the media-type parameters
    (so that ``application/fhir+json; fhirVersion=4.0`` matches). Memoised by header value.
    """
    items = [
        (_parse_media(value), quality) for value, quality in parse_accept_header(accept, MIMEAccept)
    ]
    plain = MIMEAccept([(main, quality) for (main, _), quality in items])
    version = next(
        (
            params["fhirversion"]
            for (main, params), _ in items
            if main in _FORMATS and not _version_ok(params)
        ),
        None,
    )
    return plain.best_match(_OFFERED), version


def response_media_type() -> str:
    """The media type to answer with: ``_format`` first, else the best match of Accept (FHIR
    JSON on a tie, for ``*/*`` and without Accept); plain JSON only when only that was asked."""
    fmt = request.args.get("_format")
    if fmt:
        return _FORMATS.get(_parse_media(fmt)[0], FHIR_JSON)
    accept = request.headers.get("Accept")
    if not accept:
        return FHIR_JSON
    best = _negotiated(accept)[0]
    return FHIR_JSON if best is None else _FORMATS[best]


def check_accept() -> None:
    """Refuse a request whose ``_format`` or Accept asks for neither FHIR JSON nor FHIR XML.

    :raise NotAcceptable: naming ``_format`` or ``http.Accept``.
    """
    fmt = request.args.get("_format")
    if fmt is not None:
        main, params = _parse_media(fmt)
        if main not in _FORMATS or not _version_ok(params):
            raise NotAcceptable(
                f"_format {fmt!r} is not supported: this server answers FHIR R4 JSON and XML "
                "(json, application/json, application/fhir+json, xml, application/fhir+xml)",
                "http._format",
            )
        return
    accept = request.headers.get("Accept")
    if not accept:
        return
    best, version = _negotiated(accept)
    if version is not None:
        raise NotAcceptable(
            f"fhirVersion {version!r} is not supported: this server is FHIR R4 (4.0)",
            "http.Accept",
        )
    if best is None:
        raise NotAcceptable(
            f"Accept {request.headers['Accept'][:200]!r} is not supported: this server answers "
            "application/fhir+json or application/fhir+xml",
            "http.Accept",
        )


def check_content_type(*, xml: bool = False) -> None:
    """Refuse a request body that is not FHIR JSON (or, with *xml*, FHIR XML) in UTF-8, or that
    names another FHIR release.

    :raise UnsupportedMediaType: naming ``http.Content-Type``.
    """
    value = request.headers.get("Content-Type")
    wanted = "application/fhir+json" + (" or application/fhir+xml" if xml else "")
    if not value:
        raise UnsupportedMediaType(
            f"Content-Type is missing: send the body as {wanted}", "http.Content-Type"
        )
    main, params = _parse_media(value)
    if main not in _JSON_BODIES and not (xml and main in _XML_TYPES):
        raise UnsupportedMediaType(
            f"Content-Type {main!r} is not supported: send {wanted}",
            "http.Content-Type",
        )
    if params.get("charset", "utf-8").lower() not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType("only the UTF-8 charset is supported", "http.Content-Type")
    if not _version_ok(params):
        raise UnsupportedMediaType(
            f"fhirVersion {params['fhirversion']!r} is not supported: this server is FHIR R4 (4.0)",
            "http.Content-Type",
        )


def body_is_xml() -> bool:
    """Whether the request body is FHIR XML (by its Content-Type, already checked)."""
    return _parse_media(request.headers.get("Content-Type", ""))[0] in _XML_TYPES


def read_document(max_body: int, max_depth: int) -> t.Any:
    """The request body as a FHIR JSON document, read from JSON or XML by its Content-Type.

    :raise PayloadTooLarge, InvalidRequest: over the byte limit (413); malformed (400).
    """
    from .read.body import read_body
    from .read.json_body import read_json
    from .read.xml_body import read_xml

    body = read_body(request.environ, max_body)
    if body_is_xml():
        return read_xml(body, max_depth=max_depth)
    return read_json(body, max_depth=max_depth)


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
    """Serialise *resource* as FHIR JSON, or FHIR XML, as negotiated."""
    try:
        media = response_media_type()
    except RuntimeError:  # outside a request
        media = FHIR_JSON
    if media == FHIR_XML and "resourceType" not in resource:
        media = "application/json"  # not a FHIR resource (health, SMART discovery): JSON only
    if media == FHIR_XML:
        from .write.xml_body import to_xml

        body = to_xml(resource, pretty=_pretty())
    else:
        body = orjson.dumps(resource, option=orjson.OPT_INDENT_2 if _pretty() else 0)
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
