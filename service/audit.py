"""The audit trail: one FHIR R4 AuditEvent per ``/fhir`` request, as a line of NDJSON.

Who read which patient's result, and who tried: every create (``$localize-root``), read, vread
and search of results, every terminology and OperationDefinition read and ``$translate`` call,
and every refused request under ``/fhir`` (401, 403, 404, 4xx, 5xx) is written once the response
is computed; likewise every CDS Hooks call and feedback under ``/cds-services`` (the agent is
the CDS client's JWT issuer). Left out: CORS preflights (``OPTIONS``) and the public discovery
documents (``/fhir/metadata``, ``.well-known/smart-configuration``, ``/cds-services``), which
carry no data.

**Why a stream and not the store.** The records are AuditEvent resources (valid R4, so any FHIR
server or SIEM that reads NDJSON, the FHIR Bulk Data format, can load them), written to their own
destination, ``NEUROROOT_AUDIT_LOG``: a file path (appended, created readable by the owner
only), ``-`` for standard output (the JSON application logs go to standard error) or ``off``;
unset, ``audit.ndjson`` in the Flask instance folder. Keeping them out of the results database
costs no write transaction per request (one ``write(2)`` of one line instead), keeps audit
retention independent of result retention, and lets the trail live on append-only storage
that the service's own database credentials cannot rewrite.

**Never in a record:** the request or response body, the token, headers. **In a record:** the
action (``C`` create, ``R`` read, ``U`` retraction, ``E`` search and operations), the REST
interaction (``subtype``), ``recorded``, the outcome (``0`` success, ``4`` refused or bad request,
``8`` server error) with the HTTP status in ``outcomeDesc``, the requesting agent (``who``: the
token's ``iss`` and ``sub``; ``altId``: the OAuth client, ``client_id`` or ``azp``; ``name``
``anonymous`` without a valid token; ``network.address``: the client's address as the server saw
it), the source (this service), and entities: the patient(s) concerned (role Patient), the
resources read or created (``ClinicalImpression/{id}``...), the search query string, and the
request itself (its ``X-Request-ID``, method and path).

The audit trail is also patient data: the patient references are in it by design. That is why
it never goes to the application logs, and why a file destination is created with mode 0600.

**When the write fails** (disk full, unwritable path), the request still succeeds: refusing
clinicians their results because the audit disk is full would be the worse failure. The failure
is logged as an error on the application log (without the record), and counted in
:attr:`AuditTrail.failures`; monitor it. A path that cannot be opened at start stops the
service, so a misconfiguration is found at once rather than at the first request.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
import typing as t
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
from flask import Flask, Response, g, request

from .config import ConfigError
from .version import __version__

__all__ = ["AuditTrail", "concerns", "init_app"]

logger = logging.getLogger(__name__)

_EVENT_TYPE = {
    "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
    "code": "rest",
    "display": "RESTful Operation",
}
_INTERACTION = "http://hl7.org/fhir/restful-interaction"
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
REQUEST_ID_SYSTEM = "http://neuroroot.org/fhir/sid/request-id"

#: Flask endpoint -> (restful-interaction code, AuditEvent.action).
ACTIONS: dict[str, tuple[str, str]] = {
    "localize.localize_root": ("operation", "C"),
    "validate.validate_bundle": ("operation", "E"),
    "results.read_impression": ("read", "R"),
    "retract.retract_impression": ("patch", "U"),
    "results.vread_impression": ("vread", "R"),
    "results.search_impressions": ("search-type", "E"),
    "results.read_provenance": ("read", "R"),
    "results.search_provenance": ("search-type", "E"),
    "terminology.search_codesystem": ("search-type", "E"),
    "terminology.read_codesystem": ("read", "R"),
    "terminology.search_conceptmap": ("search-type", "E"),
    "terminology.read_conceptmap": ("read", "R"),
    "terminology.translate": ("operation", "E"),
    "metadata.operation": ("read", "R"),
    "isncsci.classify": ("operation", "C"),
    "isncsci.read_observation": ("read", "R"),
    "isncsci.vread_observation": ("vread", "R"),
    "isncsci.search_observations": ("search-type", "E"),
    "cds.call": ("operation", "C"),
    "cds.feedback": ("operation", "C"),
}
#: endpoints never audited: public documents without data.
UNAUDITED = frozenset(
    {"metadata.metadata", "smart.root_configuration", "smart.fhir_configuration", "cds.discovery"}
)
#: the path prefixes audited: the FHIR API and the CDS Hooks services.
AUDITED_PREFIXES = ("/fhir", "/cds-services")


def concerns(*, patients: t.Iterable[str] = (), resources: t.Iterable[str] = ()) -> None:
    """Note, from a view, the patients and resources the current request touched."""
    found: dict[str, list[str]] = g.setdefault("audit_concerns", {"patients": [], "resources": []})
    for key, values in (("patients", patients), ("resources", resources)):
        for value in values:
            if value and value not in found[key]:
                found[key].append(value)


class AuditTrail:
    """Writes AuditEvents as lines to a file (reopened per line: safe under log rotation and
    across gunicorn workers, each line one ``O_APPEND`` write) or to standard output."""

    def __init__(self, destination: str) -> None:
        self.destination = destination
        self.failures = 0
        if destination != "-":
            self._write(b"")  # open once now: an unwritable path stops the service at start

    def _write(self, line: bytes) -> None:
        if self.destination == "-":
            stream = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
            if stream is None:
                sys.stdout.write(line.decode("utf-8"))
            else:
                stream.write(line)
            sys.stdout.flush()
            return
        fd = os.open(self.destination, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if line:
                os.write(fd, line)
        finally:
            os.close(fd)

    def record(self, event: t.Mapping[str, t.Any]) -> None:
        """Append *event*; a failure is logged and counted, never raised."""
        try:
            self._write(orjson.dumps(event) + b"\n")
        except (OSError, ValueError) as exc:
            self.failures += 1
            logger.error("audit record not written (%s); the request went on", type(exc).__name__)


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _outcome(status: int) -> str:
    return "0" if status < 400 else "4" if status < 500 else "8"


def _agent(claims: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    agent: dict[str, t.Any] = {"requestor": True}
    subject = claims.get("sub") if claims else None
    if isinstance(subject, str) and subject:
        who: dict[str, t.Any] = {"value": subject}
        issuer = claims.get("iss") if claims else None
        if isinstance(issuer, str) and issuer:
            who["system"] = issuer
        agent["who"] = {"identifier": who}
        client = (
            next(
                (
                    c
                    for c in (claims.get("client_id"), claims.get("azp"))
                    if isinstance(c, str) and c
                ),
                subject,
            )
            if claims
            else subject
        )
        agent["altId"] = client
        agent["name"] = client
    else:
        agent["name"] = "anonymous"
    address = request.remote_addr
    if address:
        agent["network"] = {"address": address, "type": "2"}  # 2: IP address
    return agent


def _entities(found: t.Mapping[str, list[str]]) -> list[dict[str, t.Any]]:
    entities: list[dict[str, t.Any]] = []
    for patient in found.get("patients", []):
        entities.append(
            {
                "what": {"reference": patient},
                "type": _coding(_ENTITY_TYPE, "1", "Person"),
                "role": _coding(_ROLE, "1", "Patient"),
            }
        )
    for resource in found.get("resources", []):
        entities.append(
            {
                "what": {"reference": resource},
                "type": _coding(_ENTITY_TYPE, "2", "System Object"),
                "role": _coding(_ROLE, "4", "Domain Resource"),
            }
        )
    query = request.query_string
    if query:
        entities.append(
            {
                "type": _coding(_ENTITY_TYPE, "2", "System Object"),
                "role": _coding(_ROLE, "24", "Query"),
                "query": base64.b64encode(query).decode("ascii"),
            }
        )
    request_entity: dict[str, t.Any] = {
        "type": _coding(_ENTITY_TYPE, "4", "Other"),
        "description": "the HTTP request",
        "detail": [
            {"type": "method", "valueString": request.method},
            {"type": "path", "valueString": request.path},
        ],
    }
    request_id = g.get("request_id")
    if request_id:
        request_entity["what"] = {"identifier": {"system": REQUEST_ID_SYSTEM, "value": request_id}}
    entities.append(request_entity)
    return entities


def audit_event(status: int) -> dict[str, t.Any]:
    """The AuditEvent of the current request, answered with *status*."""
    endpoint = request.url_rule.endpoint if request.url_rule is not None else None
    interaction, action = ACTIONS.get(endpoint or "", ("", "R" if request.method == "GET" else "E"))
    event: dict[str, t.Any] = {
        "resourceType": "AuditEvent",
        "id": str(uuid.uuid4()),
        "type": _EVENT_TYPE,
    }
    if interaction:
        event["subtype"] = [_coding(_INTERACTION, interaction, interaction)]
    now = datetime.now(UTC)
    event["action"] = action
    event["recorded"] = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    event["outcome"] = _outcome(status)
    event["outcomeDesc"] = f"HTTP {status}"
    event["agent"] = [_agent(g.get("auth_claims"))]
    event["source"] = {
        "site": "neuroroot",
        "observer": {"display": f"neuroroot {__version__}"},
        "type": [_coding(_SOURCE_TYPE, "4", "Application Server")],
    }
    event["entity"] = _entities(g.get("audit_concerns") or {})
    return event


def _destination(app: Flask) -> str | None:
    value = str(app.config.get("AUDIT_LOG") or "").strip()
    if value.lower() == "off":
        return None
    if value in ("", None):
        os.makedirs(app.instance_path, exist_ok=True)
        return str(Path(app.instance_path) / "audit.ndjson")
    return value


def init_app(app: Flask) -> None:
    """Record an AuditEvent after every audited request of *app* (see the module doc).

    :raise ConfigError: when the audit file cannot be opened for appending.
    """
    destination = _destination(app)
    if destination is None:
        app.extensions["audit"] = None
        logger.warning("audit trail off (NEUROROOT_AUDIT_LOG=off)")
        return
    try:
        trail = AuditTrail(destination)
    except OSError as exc:
        raise ConfigError(
            f"NEUROROOT_AUDIT_LOG: cannot append to {destination!r} ({exc.strerror or exc})"
        ) from exc
    app.extensions["audit"] = trail

    @app.after_request
    def _audit(response: Response) -> Response:
        if request.method == "OPTIONS" or not any(
            request.path == prefix or request.path.startswith(f"{prefix}/")
            for prefix in AUDITED_PREFIXES
        ):
            return response
        rule = request.url_rule
        if rule is not None and rule.endpoint in UNAUDITED:
            return response
        try:
            event = audit_event(response.status_code)
        except Exception:  # noqa: BLE001 - the audit must never turn an answer into a 500
            trail.failures += 1
            logger.exception("audit record not built; the request went on")
            return response
        trail.record(event)
        return response
