"""POST /fhir/ClinicalImpression/$localize-root: parse, localize, store, answer."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from ..audit import concerns
from ..fhir.http import check_content_type, fhir_response, link, public_base, version_headers
from ..fhir.operation import run_operation
from ..fhir.read.body import read_body
from ..fhir.read.json_body import read_json
from ..store import NewResult

bp = Blueprint("localize", __name__, url_prefix="/fhir")


@bp.post("/ClinicalImpression/$localize-root")
def localize_root() -> Response:
    """Answer a Bundle (or Parameters) of exam Observations with a ClinicalImpression."""
    check_content_type()
    config = current_app.config
    store = current_app.extensions.get("store")
    if store is not None:
        public_base()  # a Host that links may not use is refused before any work
    body = read_body(request.environ, config["MAX_BODY_BYTES"])
    document = read_json(body, max_depth=config["MAX_JSON_DEPTH"])
    table = current_app.extensions["terminology"]
    outcome = run_operation(document, table, max_entries=config["MAX_ENTRIES"])
    if store is None:
        concerns(patients=[outcome.subject])
        return fhir_response(outcome.impression)
    stored = store.save(
        NewResult(
            impression=outcome.impression,
            provenance=outcome.provenance,
            subject=outcome.subject,
            date=outcome.date,
            identifier_key=outcome.identifier_key,
            content_key=outcome.content_key,
            client=g.get("auth_client"),  # None without authentication: the anonymous client
        )
    )
    concerns(patients=[outcome.subject], resources=[f"ClinicalImpression/{stored.id}"])
    location = link(f"/fhir/ClinicalImpression/{stored.id}/_history/{stored.version_id}")
    headers = {
        **version_headers(stored.version_id, stored.last_updated),
        "Content-Location": location,
    }
    return fhir_response(stored.impression, headers=headers)
