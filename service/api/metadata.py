"""GET /fhir/metadata (the CapabilityStatement) and the OperationDefinition."""

from __future__ import annotations

import hashlib

import orjson
from flask import Blueprint, Response, current_app, request

from ..errors import InvalidRequest, Issue, NotFound
from ..fhir.conformance.capability import OPERATION_DEFINITIONS, capability_statement
from ..fhir.http import fhir_response, link
from .surface import capability_resources

bp = Blueprint("metadata", __name__, url_prefix="/fhir")

#: the values of ``mode`` FHIR R4 defines for ``GET [base]/metadata``.
MODES = ("full", "normative", "terminology")


def _check_mode() -> None:
    """400 naming ``http.mode`` unless ``mode`` is absent or one FHIR value, given once.

    Every mode answers the same CapabilityStatement: it declares nothing that is not normative
    in R4, and this server publishes its terminology as CodeSystem and ConceptMap resources
    (there is no TerminologyCapabilities to answer). An unknown mode is refused rather than
    ignored, so a client asking for something this server does not do learns it.
    """
    modes = request.args.getlist("mode")
    if len(modes) > 1:
        raise InvalidRequest.many(
            [Issue(f"mode is given {len(modes)} times; give it once", ("http.mode",), "value")]
        )
    if modes and modes[0] not in MODES:
        raise InvalidRequest.many(
            [Issue(f"mode must be one of {', '.join(MODES)}", ("http.mode",), "value")]
        )


@bp.get("/metadata")
def metadata() -> Response:
    """What this server supports, with an ETag that changes when the statement does."""
    _check_mode()
    statement = capability_statement(current_app.config, link("/fhir"), capability_resources())
    etag = 'W/"' + hashlib.sha256(orjson.dumps(statement)).hexdigest()[:16] + '"'
    return fhir_response(statement, headers={"ETag": etag})


@bp.get("/OperationDefinition/<string:op_id>")
def operation(op_id: str) -> Response:
    """The definition of an operation defined here ($localize-root, $classify-isncsci, Bundle
    $validate)."""
    build = OPERATION_DEFINITIONS.get(op_id)
    if build is None:
        raise NotFound(
            f"OperationDefinition/{op_id} is not known; this server defines "
            + ", ".join(OPERATION_DEFINITIONS)
        )
    return fhir_response(build())
