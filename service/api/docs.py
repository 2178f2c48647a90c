"""Serves the OpenAPI document (the top-level openapi.yaml, shipped in the package)."""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response

bp = Blueprint("docs", __name__)


def openapi_text() -> str:
    """The OpenAPI document as shipped (service/openapi.yaml links to the top-level file)."""
    return resources.files("service").joinpath("openapi.yaml").read_text(encoding="utf-8")


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """The HTTP contract of this service."""
    return Response(openapi_text(), content_type="application/yaml; charset=utf-8")
