"""GET /fhir/metadata (the CapabilityStatement) and the OperationDefinition."""

from __future__ import annotations

import hashlib

import orjson
from flask import Blueprint, current_app

from ..errors import NotFound
from ..fhir.conformance.capability import OPERATION_DEFINITIONS, capability_statement
from ..fhir.http import fhir_response, link

bp = Blueprint("metadata", __name__, url_prefix="/fhir")


@bp.get("/metadata")
def metadata():  # noqa: ANN201
    """What this server supports, with an ETag that changes when the statement does."""
    statement = capability_statement(current_app.config, link("/fhir"))
    etag = 'W/"' + hashlib.sha256(orjson.dumps(statement)).hexdigest()[:16] + '"'
    return fhir_response(statement, headers={"ETag": etag})


@bp.get("/OperationDefinition/<string:op_id>")
def operation(op_id: str):  # noqa: ANN201
    """The definition of an operation defined here ($localize-root, Bundle $validate)."""
    build = OPERATION_DEFINITIONS.get(op_id)
    if build is None:
        raise NotFound(
            f"OperationDefinition/{op_id} is not known; this server defines "
            + " and ".join(OPERATION_DEFINITIONS)
        )
    return fhir_response(build())
