"""PATCH /fhir/ClinicalImpression/{id}: retract a stored result as entered in error.

**Why PATCH.** Retracting changes one element of a stored resource, ``status``, to
``entered-in-error``; FHIR's ``patch`` interaction is the standard way to do that, declared in the
CapabilityStatement, understood by generic clients (fhirpy, HAPI's client) and version-aware
through ``If-Match``. ``DELETE`` would remove the record a clinician may already have read (the
retraction must stay visible), ``PUT`` would make the client resend, and the service accept, a
whole ClinicalImpression it is not allowed to change, and a custom ``$retract`` operation would
be one more thing to learn. So the body is a JSON Patch (RFC 6902,
``Content-Type: application/json-patch+json``) that sets the status and nothing else::

    [{"op": "replace", "path": "/status", "value": "entered-in-error"}]

(a ``test`` of ``/status`` may come first). Any other change is a 422 naming the element:
results are the service's own conclusions and are never edited. ``If-Match: W/"1"``, when
sent, must name the current version (412 otherwise).

**Effect**, in one transaction: the result becomes version 2 (``meta.versionId`` 2,
``meta.lastUpdated`` now, ``status`` ``entered-in-error``); version 1 stays readable at
``_history/1``; a Provenance records the retraction (activity ``NULLIFY`` of v3-DataOperation,
agent the bearer token's client, or this service without access control, ``recorded`` now,
target ``ClinicalImpression/{id}/_history/2``, entity the retracted version, role ``revision``).
Retracted results drop out of searches unless ``status=entered-in-error`` asks for them, and a
retry of the same exam answers 409 (a retracted conclusion is never answered again; a corrected
exam is a new one). Retracting an already retracted result changes nothing and answers it
(200): the request is idempotent. Needs ``system/ClinicalImpression.u``; audited as ``U``.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, g, request

from ..audit import concerns
from ..errors import Conflict, InvalidRequest, Issue, NotFound, Unprocessable, UnsupportedMediaType
from ..fhir.http import fhir_response, link, version_headers
from ..fhir.read.body import read_body
from ..fhir.read.json_body import read_json
from ..fhir.write.provenance import render_retraction
from ..store import Store
from ..store.store import RETRACTED

bp = Blueprint("retract", __name__, url_prefix="/fhir")

JSON_PATCH = "application/json-patch+json"


def _store() -> Store:
    store: Store | None = current_app.extensions.get("store")
    if store is None:
        raise NotFound(
            "storage is off on this server (NEUROROOT_STORE_ENABLED=false): there is "
            "no stored result to retract"
        )
    return store


def _element(path: str) -> str:
    return "ClinicalImpression" + path.replace("/", ".") if path.startswith("/") else path


def check_patch(document: t.Any) -> str | None:
    """Check that the JSON Patch *document* only retracts; return the status a ``test`` expects.

    :raise InvalidRequest: not a JSON Patch (400).
    :raise Unprocessable: a change other than ``status`` to ``entered-in-error`` (422).
    """
    if not isinstance(document, list) or not document:
        raise InvalidRequest(
            "the body must be a JSON Patch: a non-empty array of operations", "http.body"
        )
    expected: str | None = None
    replaced = False
    for i, op in enumerate(document):
        if (
            not isinstance(op, dict)
            or not isinstance(op.get("op"), str)
            or not isinstance(op.get("path"), str)
        ):
            raise InvalidRequest(
                f"operation {i} of the JSON Patch needs 'op' and 'path' strings", "http.body"
            )
        kind, path = op["op"], op["path"]
        if path != "/status" or kind not in {"replace", "test"}:
            raise Unprocessable.many(
                [
                    Issue(
                        f"a stored result can only be retracted (replace /status with "
                        f"{RETRACTED!r}); "
                        f"'{kind} {path}' is not allowed",
                        (_element(path),),
                        "business-rule",
                    )
                ]
            )
        if kind == "test":
            expected = op.get("value") if isinstance(op.get("value"), str) else ""
        elif op.get("value") != RETRACTED:
            raise Unprocessable.many(
                [
                    Issue(
                        f"status can only be set to {RETRACTED!r} (a retraction)",
                        ("ClinicalImpression.status",),
                        "business-rule",
                    )
                ]
            )
        else:
            replaced = True
    if not replaced:
        raise Unprocessable.many(
            [
                Issue(
                    f"the JSON Patch must replace /status with {RETRACTED!r}",
                    ("ClinicalImpression.status",),
                    "business-rule",
                )
            ]
        )
    return expected


def _if_match() -> set[str] | None:
    if not request.headers.get("If-Match"):
        return None
    tags = request.if_match
    if tags.star_tag:
        return None
    return set(tags.as_set(include_weak=True))


@bp.patch("/ClinicalImpression/<fhirid:id>")
def retract_impression(id: str) -> Response:  # noqa: A002
    """Retract the stored ClinicalImpression *id* (status entered-in-error, version + 1)."""
    media = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media != JSON_PATCH:
        raise UnsupportedMediaType(
            f"PATCH takes a JSON Patch ({JSON_PATCH}) that sets status to {RETRACTED!r}",
            "http.Content-Type",
        )
    config = current_app.config
    document = read_json(
        read_body(request.environ, config["MAX_BODY_BYTES"]), max_depth=config["MAX_JSON_DEPTH"]
    )
    expected = check_patch(document)
    store = _store()
    current = store.get(id)
    if current is None:
        raise NotFound(f"no ClinicalImpression with id {id!r}")
    if expected is not None and current.impression.get("status") not in {expected, RETRACTED}:
        raise Conflict(
            f"the JSON Patch test failed: status is not {expected!r}", "ClinicalImpression.status"
        )
    previous = f"ClinicalImpression/{id}/_history/{current.version_id}"
    provenance = render_retraction(previous, g.get("auth_client"), datetime.now(UTC))
    retracted = store.retract(id, provenance, if_match=_if_match())
    if retracted is None:
        raise NotFound(f"no ClinicalImpression with id {id!r}")
    subject = (retracted.impression.get("subject") or {}).get("reference")
    concerns(
        patients=[subject] if isinstance(subject, str) else [],
        resources=[f"ClinicalImpression/{id}", f"Provenance/{retracted.provenance['id']}"],
    )
    headers = {
        **version_headers(retracted.version_id, retracted.last_updated),
        "Content-Location": link(f"/fhir/ClinicalImpression/{id}/_history/{retracted.version_id}"),
    }
    return fhir_response(retracted.impression, headers=headers)
