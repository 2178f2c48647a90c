"""The SMART discovery document: ``GET /.well-known/smart-configuration`` (and under ``/fhir``).

Public, as the SMART App Launch specification (2.x, "Conformance") requires: a client reads it
before it has a token. It describes what this resource server accepts: SMART backend services
(the client-credentials grant with a signed client assertion) and system scopes, v1 and v2. The
token endpoint is the authorization server's, configured by ``NEUROROOT_AUTH_TOKEN_ENDPOINT``
(left out when unset: this service issues no tokens). With access control off there is nothing
to discover, so the document is a 404 OperationOutcome saying so.
"""

from __future__ import annotations

import typing as t

import orjson
from flask import Blueprint, Response, current_app

from .. import auth
from ..errors import NotFound

bp = Blueprint("smart", __name__)

#: the access modes, in SMART's capability vocabulary.
CAPABILITIES = ("client-confidential-asymmetric", "permission-v1", "permission-v2")


def smart_configuration(config: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The discovery document for *config* (access control on)."""
    document: dict[str, t.Any] = {}
    if config.get("AUTH_ISSUER"):
        document["issuer"] = str(config["AUTH_ISSUER"]).strip()
    jwks = str(config.get("AUTH_JWKS") or "").strip()
    if jwks.startswith("https://"):
        document["jwks_uri"] = jwks
    if config.get("AUTH_TOKEN_ENDPOINT"):
        document["token_endpoint"] = str(config["AUTH_TOKEN_ENDPOINT"]).strip()
        document["token_endpoint_auth_methods_supported"] = ["private_key_jwt"]
    document["grant_types_supported"] = ["client_credentials"]
    document["scopes_supported"] = auth.scopes_supported()
    document["capabilities"] = list(CAPABILITIES)
    return document


def _discovery() -> Response:
    if not current_app.config.get("AUTH_ENABLED"):
        raise NotFound(
            "access control is off on this server (NEUROROOT_AUTH_ENABLED=false): "
            "no token is needed, so there is no SMART configuration to discover"
        )
    body = orjson.dumps(smart_configuration(current_app.config))
    return Response(
        body,
        content_type="application/json; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@bp.get("/.well-known/smart-configuration")
def root_configuration() -> Response:
    """At the server's root, where some clients look first."""
    return _discovery()


@bp.get("/fhir/.well-known/smart-configuration")
def fhir_configuration() -> Response:
    """At the FHIR base, where the SMART specification puts it."""
    return _discovery()
