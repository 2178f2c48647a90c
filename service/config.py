"""Configuration: the defaults, and the environment read in this one place.

``DATABASE_URL`` is read as is; every other setting is ``NEUROROOT_<KEY>``. Values from the
environment are validated by a marshmallow schema, so a typo such as
``NEUROROOT_MAX_ENTRIES=lots`` stops the service at start with a message naming the variable,
instead of surfacing later as a confusing error. The README's configuration table is generated
from :data:`SETTINGS` by hand and a test keeps the two in step.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate

__all__ = ["DEFAULTS", "SETTINGS", "ConfigError", "Setting", "from_environment", "validate_config"]


class ConfigError(ValueError):
    """Raised when a configuration value is malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One documented setting: its config key, environment variable, default and meaning."""

    key: str
    env: str
    default: t.Any
    field: fields.Field[t.Any]
    doc: str


def _bool() -> fields.Field[t.Any]:
    return fields.Boolean(
        truthy={"1", "true", "yes", "on", True}, falsy={"0", "false", "no", "off", False}
    )


def _base_url(value: str | None) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ValidationError(
            "an http(s) URL with a host and no query or fragment, e.g. https://neuro.example.org"
        )


def _fhir_servers(value: str) -> None:
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.hostname
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
        ):
            raise ValidationError(
                f"{item!r} is not an http(s) base URL without query, fragment or credentials"
            )


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "DATABASE_URL",
        None,
        fields.String(allow_none=True),
        "SQLAlchemy URL of the store, e.g. postgresql+psycopg://user@host/db. "
        "Unset: a SQLite file at SQLITE_PATH.",
    ),
    Setting(
        "SQLITE_PATH",
        "NEUROROOT_SQLITE_PATH",
        None,
        fields.String(allow_none=True),
        "Path of the default SQLite file. Unset: neuroroot.sqlite3 in the Flask instance folder.",
    ),
    Setting(
        "STORE_ENABLED",
        "NEUROROOT_STORE_ENABLED",
        True,
        _bool(),
        "Store results (true) or run stateless (false): the operation answers without id, "
        "and read and search answer 404.",
    ),
    Setting(
        "AUTO_MIGRATE",
        "NEUROROOT_AUTO_MIGRATE",
        True,
        _bool(),
        "Run the database migrations when the app starts.",
    ),
    Setting(
        "DB_STATEMENT_TIMEOUT_MS",
        "NEUROROOT_DB_STATEMENT_TIMEOUT_MS",
        5000,
        fields.Integer(validate=validate.Range(min=0)),
        "PostgreSQL statement_timeout of the service's connections, in milliseconds; a "
        "statement that runs longer is cancelled and the request answers 503. 0: no limit. "
        "(Not applied to migrations, nor to SQLite.)",
    ),
    Setting(
        "SEARCH_MAX_OFFSET",
        "NEUROROOT_SEARCH_MAX_OFFSET",
        10_000,
        fields.Integer(validate=validate.Range(min=0)),
        "Largest _offset a search accepts; deeper pages answer 400 (narrow the search instead).",
    ),
    Setting(
        "MAX_BODY_BYTES",
        "NEUROROOT_MAX_BODY_BYTES",
        10 * 1024 * 1024,
        fields.Integer(validate=validate.Range(min=1)),
        "Largest request body accepted; larger bodies answer 413 before they are parsed.",
    ),
    Setting(
        "MAX_ENTRIES",
        "NEUROROOT_MAX_ENTRIES",
        5000,
        fields.Integer(validate=validate.Range(min=1)),
        "Most Bundle entries (or Parameters parts) accepted; more answer 413.",
    ),
    Setting(
        "MAX_JSON_DEPTH",
        "NEUROROOT_MAX_JSON_DEPTH",
        64,
        fields.Integer(validate=validate.Range(min=8)),
        "Deepest JSON nesting accepted; deeper bodies answer 400.",
    ),
    Setting(
        "REQUEST_TIMEOUT",
        "NEUROROOT_REQUEST_TIMEOUT",
        30,
        fields.Integer(validate=validate.Range(min=1)),
        "Seconds a gunicorn worker's main loop may stop answering before gunicorn replaces the "
        "worker, and the grace period after SIGTERM (under gthread a long request is not cut).",
    ),
    Setting(
        "LOG_LEVEL",
        "NEUROROOT_LOG_LEVEL",
        "INFO",
        fields.String(validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"])),
        "Log level of the JSON logs on standard error.",
    ),
    Setting(
        "AUTH_ENABLED",
        "NEUROROOT_AUTH_ENABLED",
        False,
        _bool(),
        "Require a bearer JWT with SMART system scopes on /fhir (off for local use).",
    ),
    Setting(
        "AUTH_JWKS",
        "NEUROROOT_AUTH_JWKS",
        None,
        fields.String(allow_none=True),
        "Path or URL of the JWK Set that signs accepted tokens (RS256 or ES256).",
    ),
    Setting(
        "AUTH_ISSUER",
        "NEUROROOT_AUTH_ISSUER",
        None,
        fields.String(allow_none=True),
        "Required `iss` of accepted tokens.",
    ),
    Setting(
        "AUTH_AUDIENCE",
        "NEUROROOT_AUTH_AUDIENCE",
        None,
        fields.String(allow_none=True),
        "Required `aud` of accepted tokens.",
    ),
    Setting(
        "AUTH_MAX_TOKEN_LIFETIME",
        "NEUROROOT_AUTH_MAX_TOKEN_LIFETIME",
        3600,
        fields.Integer(validate=validate.Range(min=60)),
        "Longest token lifetime accepted, in seconds (exp - iat, and exp - now); "
        "longer-lived tokens answer 401.",
    ),
    Setting(
        "AUTH_JWKS_TIMEOUT",
        "NEUROROOT_AUTH_JWKS_TIMEOUT",
        5.0,
        fields.Float(validate=validate.Range(min=0.1, max=60)),
        "Total seconds one fetch of a JWK Set URL may take (connect, headers and body).",
    ),
    Setting(
        "AUTH_JWKS_MAX_BYTES",
        "NEUROROOT_AUTH_JWKS_MAX_BYTES",
        1024 * 1024,
        fields.Integer(validate=validate.Range(min=1024)),
        "Largest JWK Set body accepted from a URL; a larger one is a failed fetch.",
    ),
    Setting(
        "AUTH_JWKS_COOLDOWN",
        "NEUROROOT_AUTH_JWKS_COOLDOWN",
        30.0,
        fields.Float(validate=validate.Range(min=0)),
        "Seconds without a JWK Set fetch after a failed one, and between refreshes "
        "triggered by tokens with an unknown kid.",
    ),
    Setting(
        "AUTH_TOKEN_ENDPOINT",
        "NEUROROOT_AUTH_TOKEN_ENDPOINT",
        None,
        fields.String(allow_none=True),
        "The authorization server's token endpoint, published in /.well-known/smart-configuration.",
    ),
    Setting(
        "AUDIT_LOG",
        "NEUROROOT_AUDIT_LOG",
        None,
        fields.String(allow_none=True),
        "Where the audit trail goes (one FHIR AuditEvent per line): a file path, - for "
        "standard output, or off. Unset: audit.ndjson in the Flask instance folder.",
    ),
    Setting(
        "CORS_ORIGINS",
        "NEUROROOT_CORS_ORIGINS",
        "",
        fields.String(),
        "Comma-separated origins allowed by CORS; empty disables CORS headers; * allows any.",
    ),
    Setting(
        "CDS_FHIR_SERVERS",
        "NEUROROOT_CDS_FHIR_SERVERS",
        "",
        fields.String(validate=_fhir_servers),
        "Comma-separated FHIR base URLs a CDS Hooks call may make the service fetch from (its "
        "fhirServer must start with one, same scheme, host and port, at a path-segment "
        "boundary). Empty: never fetch; a call without the prefetch answers 412.",
    ),
    Setting(
        "CDS_FETCH_TIMEOUT",
        "NEUROROOT_CDS_FETCH_TIMEOUT",
        10.0,
        fields.Float(validate=validate.Range(min=0.1, max=120)),
        "Total seconds one CDS Hooks call may spend fetching from the EHR's FHIR server (every "
        "page together); later: 412.",
    ),
    Setting(
        "CDS_FETCH_MAX_BYTES",
        "NEUROROOT_CDS_FETCH_MAX_BYTES",
        20 * 1024 * 1024,
        fields.Integer(validate=validate.Range(min=1024)),
        "Largest sum of the page bodies fetched from the EHR's FHIR server for one CDS Hooks "
        "call; more: 412.",
    ),
    Setting(
        "CDS_JWT_ISSUERS",
        "NEUROROOT_CDS_JWT_ISSUERS",
        None,
        fields.String(allow_none=True),
        "JSON object from each trusted CDS client's JWT iss to its JWK Set (an https URL, http "
        "to a loopback host, or a file path). Set: every /cds-services call needs that client's "
        "signed JWT. Unset: the CDS Hooks routes are open.",
    ),
    Setting(
        "HOST",
        "NEUROROOT_HOST",
        "127.0.0.1",
        fields.String(),
        "Address `neuroroot serve` binds to (0.0.0.0 in the container).",
    ),
    Setting(
        "PORT",
        "NEUROROOT_PORT",
        8080,
        fields.Integer(validate=validate.Range(min=0, max=65535)),
        "Port `neuroroot serve` binds to.",
    ),
    Setting(
        "WORKERS",
        "NEUROROOT_WORKERS",
        None,
        fields.Integer(allow_none=True, validate=validate.Range(min=1)),
        "gunicorn worker processes. Unset: 2 x CPU cores + 1, at most 8.",
    ),
    Setting(
        "THREADS",
        "NEUROROOT_THREADS",
        4,
        fields.Integer(validate=validate.Range(min=1, max=64)),
        "Threads per gunicorn worker (requests served at once by each worker; idle and "
        "kept-alive connections hold none).",
    ),
    Setting(
        "CLIENT_TIMEOUT",
        "NEUROROOT_CLIENT_TIMEOUT",
        10,
        fields.Integer(validate=validate.Range(min=1, max=3600)),
        "Seconds a client may take in all to send the request line and headers (later: 408), "
        "and the longest pause allowed while it sends a body or reads the answer.",
    ),
    Setting(
        "BODY_TIMEOUT",
        "NEUROROOT_BODY_TIMEOUT",
        60,
        fields.Integer(validate=validate.Range(min=1, max=3600)),
        "Seconds a client may take in all to send a request body (later: 408).",
    ),
    Setting(
        "BASE_URL",
        "NEUROROOT_BASE_URL",
        None,
        fields.String(allow_none=True, validate=_base_url),
        "Public URL of the service root (e.g. https://neuro.example.org; the FHIR base is its "
        "/fhir). Links (Content-Location, fullUrl, paging links) start with it and the Host "
        "header is ignored. Unset: links use the request's Host, if NEUROROOT_TRUSTED_HOSTS "
        "lists it.",
    ),
    Setting(
        "LINK_HOSTS",  # not TRUSTED_HOSTS: Flask reads that key itself, as a list
        "NEUROROOT_TRUSTED_HOSTS",
        "localhost,127.0.0.1,::1",
        fields.String(),
        "When NEUROROOT_BASE_URL is unset: comma-separated host names whose Host header may be "
        "used in links (* for any: only behind a proxy that sets Host itself); a request that "
        "needs a link with another Host answers 400.",
    ),
)

DEFAULTS: dict[str, t.Any] = {s.key: s.default for s in SETTINGS}

_SCHEMA = Schema.from_dict({s.key: s.field for s in SETTINGS})()
_ENV_OF = {s.key: s.env for s in SETTINGS}


def validate_config(values: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Validate and convert the known settings in *values*; other keys pass through untouched.

    :raise ConfigError: naming the environment variable of the first bad value.
    """
    known = {k: v for k, v in values.items() if k in _ENV_OF}
    try:
        loaded = _SCHEMA.load(known)
    except ValidationError as exc:
        key, problems = next(iter(sorted(exc.messages_dict.items())))
        raise ConfigError(f"{_ENV_OF.get(key, key)}: {'; '.join(map(str, problems))}") from exc
    return {**values, **loaded}


def from_environment(environ: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Read every documented setting present in the environment, validated.

    :return: the config keys found, already converted (``"5000"`` becomes ``5000``).
    """
    env = os.environ if environ is None else environ
    raw = {s.key: env[s.env] for s in SETTINGS if s.env in env and env[s.env] != ""}
    return validate_config(raw)
