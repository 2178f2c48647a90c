"""GET /fhir/metadata (the CapabilityStatement) and the OperationDefinition."""

from __future__ import annotations

import hashlib

import orjson
from flask import Blueprint, Response, current_app

from ..errors import NotFound
from ..fhir.conformance.capability import capability_statement, operation_definition
from ..fhir.http import fhir_response, link

bp = Blueprint("metadata", __name__, url_prefix="/fhir")


@bp.get("/metadata")
def metadata() -> Response:
    """What this server supports, with an ETag that changes when the statement does."""
    statement = capability_statement(current_app.config, link("/fhir"))
    etag = 'W/"' + hashlib.sha256(orjson.dumps(statement)).hexdigest()[:16] + '"'
    return fhir_response(statement, headers={"ETag": etag})


@bp.get("/OperationDefinition/<string:op_id>")
def operation(op_id: str) -> Response:
    """The definition of $localize-root (the only operation defined here)."""
    if op_id != "localize-root":
        raise NotFound(
            f"OperationDefinition/{op_id} is not known; this server defines localize-root"
        )
    return fhir_response(operation_definition())
