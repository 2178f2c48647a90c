"""Liveness and readiness probes (not FHIR: small JSON documents, OperationOutcome on failure)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from ..errors import StoreUnavailable
from ..fhir.http import fhir_response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering."""
    return fhir_response({"status": "pass"})


@bp.get("/readyz")
def readyz() -> Response:
    """The table is loaded and the store (when enabled) answers a trivial query."""
    table = current_app.extensions["terminology"]
    store = current_app.extensions.get("store")
    checks = {"terminology": table.version}
    if store is not None:
        try:
            store.ping()
        except StoreUnavailable as exc:
            raise StoreUnavailable("not ready: " + exc.message) from exc
        checks["store"] = store.dialect
    return fhir_response({"status": "pass", "checks": checks})
