"""POST /fhir/ClinicalImpression/$localize-root: parse, localize, store, answer.

``Prefer: return=`` (R4 http.html, "Managing Return Content") chooses the body of a success:
``representation`` (the default) the ClinicalImpression; ``minimal`` no body at all, the stored
copy named by ``Location``/``Content-Location`` with its ``ETag`` and ``Last-Modified``;
``OperationOutcome`` an informational OperationOutcome listing each input resource as used or
skipped (with the reason), the same report ``POST /fhir/Bundle/$validate`` gives without
localizing. The headers are the same in all three; ``Preference-Applied`` says which was
honoured. A failure is always an OperationOutcome, whatever was preferred.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, Response, current_app, g

from ..audit import concerns
from ..fhir.http import (
    check_content_type,
    fhir_response,
    link,
    preference,
    public_base,
    read_document,
    version_headers,
)
from ..fhir.operation import Outcome, run_operation
from ..fhir.write.input_report import accepted_report
from ..store import NewResult

bp = Blueprint("localize", __name__, url_prefix="/fhir")

_RETURNS = {"minimal", "representation", "operationoutcome"}


def _answer(outcome: Outcome, resource: dict[str, t.Any], headers: dict[str, str]) -> Response:
    """The success answer in the form ``Prefer: return=`` asks for (unknown values: ignored)."""
    wanted = (preference("return") or "").lower()
    if wanted not in _RETURNS:
        return fhir_response(resource, headers=headers)
    headers = {**headers, "Preference-Applied": f"return={preference('return')}"}
    if wanted == "minimal":
        if "Content-Location" in headers:
            headers["Location"] = headers["Content-Location"]
        response = Response(status=200, headers=headers)  # no body: not fhir_response
        del response.headers["Content-Type"]
        return response
    if wanted == "operationoutcome":
        stored = f" and stored as ClinicalImpression/{resource['id']}" if "id" in resource else ""
        report = accepted_report(outcome.parsed, summary=f"the exam was localized{stored}")
        return fhir_response(report, headers=headers)
    return fhir_response(resource, headers=headers)


@bp.post("/ClinicalImpression/$localize-root")
def localize_root() -> Response:
    """Answer a Bundle (or Parameters) of exam Observations with a ClinicalImpression."""
    check_content_type(xml=True)
    config = current_app.config
    store = current_app.extensions.get("store")
    if store is not None:
        public_base()  # a Host that links may not use is refused before any work
    document = read_document(config["MAX_BODY_BYTES"], config["MAX_JSON_DEPTH"])
    table = current_app.extensions["terminology"]
    outcome = run_operation(document, table, max_entries=config["MAX_ENTRIES"])
    if store is None:
        concerns(patients=[outcome.subject])
        return _answer(outcome, outcome.impression, {})
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
    return _answer(outcome, stored.impression, headers)
