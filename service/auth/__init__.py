"""Access control: bearer JWTs with SMART system scopes on /fhir (off by default), and CORS.

With ``NEUROROOT_AUTH_ENABLED`` false (the default, for local use) nothing is checked. When true,
every request under ``/fhir`` needs ``Authorization: Bearer <JWT>``, except ``GET /fhir/metadata``
(public, as on any FHIR server), the SMART discovery document
(``/.well-known/smart-configuration``, also under ``/fhir``) and ``OPTIONS`` (CORS preflights);
``/healthz``, ``/readyz`` and ``/openapi.yaml`` stay public.

**Token.** Signed with RS256 or ES256 (never ``none`` or HMAC) by the key of the JWK Set
``NEUROROOT_AUTH_JWKS`` named by its ``kid``; the set is a file (read and checked at start: the
app refuses to start on a bad one) or an https URL (http only to a loopback host), fetched on
first use within a total deadline and a size cap, cached, cooled down after a failure, served
stale while a refresh fails (:mod:`service.auth.jwks`; no good keys at all: 503). ``exp`` is
required, ``iss`` must equal ``NEUROROOT_AUTH_ISSUER``, ``aud`` must be or contain
``NEUROROOT_AUTH_AUDIENCE``, clocks may differ by :data:`LEEWAY_SECONDS`, the token may live
at most ``NEUROROOT_AUTH_MAX_TOKEN_LIFETIME`` seconds and its ``typ``, if any, must be ``JWT`` or
``at+jwt``. Any failure is a 401 (``login``) whose text never says which
check failed; the log gets the exception class, never the token.

**Scopes** (``scope``, space-separated, or ``scp``, a list): SMART v2 ``system/<Type>.<cruds>``
(letters in that order), ``*`` for any type or all letters, v1 ``.read`` (= rs) and ``.write``
(= cud). ``patient/``, ``user/`` and query-constrained scopes grant nothing: a system service has
no context to enforce them. A valid token without the scope below is a 403 (``forbidden``) naming
it. Terminology needs scopes like any resource (``system/*.rs`` covers everything readable).

==============================================  ============================================
route                                           scope
==============================================  ============================================
POST ClinicalImpression/$localize-root          system/ClinicalImpression.c
POST Bundle/$validate (the operation's input)   system/ClinicalImpression.c
GET  ClinicalImpression/{id}[/_history/{vid}]   system/ClinicalImpression.r
PATCH ClinicalImpression/{id} (retraction)      system/ClinicalImpression.u
GET  ClinicalImpression?... (or POST _search)  system/ClinicalImpression.s
     ... &_revinclude=Provenance:target         and system/Provenance.s
GET  Provenance/{id}, Provenance?target=...     system/Provenance.r, system/Provenance.s
     ... &_include=Provenance:target            and system/ClinicalImpression.s
POST Observation/$classify-isncsci              system/Observation.c
GET  Observation/{id}                           system/Observation.r
GET  Observation?... (or POST _search)          system/Observation.s
GET  CodeSystem/{id}, CodeSystem                system/CodeSystem.r, system/CodeSystem.s
GET  ConceptMap/{id}, ConceptMap                system/ConceptMap.r, system/ConceptMap.s
GET|POST ConceptMap/$translate                  system/ConceptMap.r
GET  OperationDefinition/{id}                   system/OperationDefinition.r
GET  metadata, /healthz, /readyz, /openapi.yaml none
GET  /, /docs, /samples/{name}, /static/{file}  none (pages and assets without patient data)
GET  [/fhir]/.well-known/smart-configuration    none
GET|POST /cds-services[/...]                    none here: the CDS client JWT (service.cds)
==============================================  ============================================

:data:`ROUTE_SCOPES` is that table: the public routes here, every resource route generated from
the REST surface's declaration (:mod:`service.api.surface`: read/vread need ``.r``, patch
``.u``, search ``.s`` on GET and on ``POST [type]/_search``, operations their own scope), and
:data:`PARAMETER_SCOPES` the extra scope of ``_include``/``_revinclude``. A route missing from it
is refused (403, logged), and a test checks that every rule of the URL map is in it.
"""

from __future__ import annotations

import logging
import re
import typing as t

from flask import Flask, Response, g, request

from .. import cors
from ..api.surface import parameter_scopes, route_scopes
from ..errors import Forbidden, Unauthorized
from .tokens import ALGORITHMS, INVALID, LEEWAY_SECONDS, KeysUnavailable, Verifier, load_verifier

__all__ = [
    "ALGORITHMS",
    "LEEWAY_SECONDS",
    "PARAMETER_SCOPES",
    "PUBLIC",
    "ROUTE_SCOPES",
    "client_of",
    "KeysUnavailable",
    "Verifier",
    "granted",
    "init_app",
    "scopes_supported",
    "load_verifier",
]

logger = logging.getLogger(__name__)

Need = tuple[str, str]  # (FHIR resource type, one SMART v2 letter of "cruds")
PUBLIC: None = None

#: (HTTP method, Flask endpoint) -> the (resource type, letter) it needs, or PUBLIC.
#: HEAD is checked as GET; OPTIONS never reaches a view and is never checked.
ROUTE_SCOPES: dict[tuple[str, str], Need | None] = {
    ("GET", "health.healthz"): PUBLIC,
    ("GET", "health.readyz"): PUBLIC,
    ("GET", "docs.openapi"): PUBLIC,
    ("GET", "web.index"): PUBLIC,  # the try-it page; posting needs a token like any client
    ("GET", "web.docs"): PUBLIC,
    ("GET", "web.sample"): PUBLIC,  # made-up sample exams, no patient's
    ("GET", "web.static"): PUBLIC,
    ("GET", "metadata.metadata"): PUBLIC,
    ("GET", "smart.root_configuration"): PUBLIC,
    ("GET", "smart.fhir_configuration"): PUBLIC,
    **route_scopes(),  # every resource route, from the declaration (service.api.surface)
    # CDS Hooks (/cds-services) are no FHIR REST resources, so they are not in the declaration;
    # they are not SMART-scoped: the CDS client's own JWT is checked by service.cds.security
    ("GET", "cds.discovery"): PUBLIC,
    ("POST", "cds.call"): PUBLIC,
    ("POST", "cds.feedback"): PUBLIC,
}

#: (method, endpoint, query parameter) -> the extra scope that parameter needs, because it
#: makes the answer include resources of another type.
PARAMETER_SCOPES: dict[tuple[str, str, str], Need] = parameter_scopes()

_SCOPE = re.compile(
    r"system/(?P<type>\*|[A-Z][A-Za-z]{0,63})\.(?P<perm>\*|read|write|[cruds]{1,5})"
)
_V1 = {"*": "cruds", "read": "rs", "write": "cud"}
_MISSING = "this request needs a bearer token (Authorization: Bearer <JWT>)"


def granted(claims: t.Mapping[str, t.Any]) -> frozenset[Need]:
    """The (type or ``*``, letter) pairs the ``scope``/``scp`` claims of a token grant."""
    words: list[str] = []
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            words += value.split()
        elif isinstance(value, list):
            words += [w for item in value if isinstance(item, str) for w in item.split()]
    found: set[Need] = set()
    for word in words:
        match = _SCOPE.fullmatch(word)
        if match is None:
            continue  # patient/, user/, openid, query-constrained...: nothing granted here
        perm = match["perm"]
        letters = _V1.get(perm) or perm
        if letters != "".join(c for c in "cruds" if c in letters):  # v2: ordered, no repeats
            continue
        found |= {(match["type"], letter) for letter in letters}
    return frozenset(found)


def scopes_supported() -> list[str]:
    """Every system scope a route here needs (v2 letters), for the SMART discovery document."""
    needs = {n for n in ROUTE_SCOPES.values() if n is not PUBLIC}
    needs |= set(PARAMETER_SCOPES.values())
    by_type: dict[str, str] = {}
    for kind, letter in needs:
        by_type[kind] = by_type.get(kind, "") + letter
    return [
        f"system/{kind}.{''.join(c for c in 'cruds' if c in letters)}"
        for kind, letters in sorted(by_type.items())
    ]


def client_of(claims: t.Mapping[str, t.Any]) -> str:
    """The client a verified token was issued to: ``client_id`` (RFC 9068), else ``azp``, else
    ``sub`` (SMART backend services name the client there); ``""`` when the token names none.

    The store scopes its idempotency keys by it (:mod:`service.store.store`), so one client's
    retries never reach another client's results.
    """
    for name in ("client_id", "azp", "sub"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return f"{name}:{value}"
    return ""


def _allows(grants: frozenset[Need], need: Need) -> bool:
    return need in grants or ("*", need[1]) in grants


def _bearer() -> str:
    header = request.headers.get("Authorization")
    if header is None:
        g.auth_challenge = 'Bearer realm="neuroroot"'  # RFC 6750 3.1: no error code here
        raise Unauthorized(_MISSING)
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        g.auth_challenge = 'Bearer realm="neuroroot", error="invalid_request"'
        raise Unauthorized(INVALID)
    return token


def _needs() -> tuple[bool, list[Need]]:
    """(whether a token is needed, the scopes needed) for the current request."""
    rule = request.url_rule
    if rule is None:  # 404/405 from routing: authenticate under /fhir, then let it fail
        return request.path == "/fhir" or request.path.startswith("/fhir/"), []
    method = "GET" if request.method == "HEAD" else request.method
    key = (method, rule.endpoint)
    if key not in ROUTE_SCOPES:
        logger.error("route %s %s has no access rule in service.auth.ROUTE_SCOPES", *key)
        raise Forbidden("this route has no access rule; it is refused until it gets one")
    need = ROUTE_SCOPES[key]
    if need is PUBLIC:
        return False, []
    extra = [
        more
        for (m, e, param), more in PARAMETER_SCOPES.items()
        if (m, e) == key and (param in request.args or (method == "POST" and param in request.form))
    ]
    return True, [need, *extra]


def init_app(app: Flask) -> None:
    """Install CORS (:mod:`service.cors`) and, when AUTH_ENABLED, the bearer-token check.

    Call after the error handlers and before content negotiation, so that preflights are
    answered first and a request without a token is refused before anything else is checked.

    :raise ConfigError: when the CORS or auth settings are unusable (the app refuses to start).
    """
    cors.init_app(app)
    verifier = load_verifier(app.config)
    app.extensions["auth"] = verifier
    if verifier is None:
        return

    @app.before_request
    def _authorize() -> None:
        if request.method == "OPTIONS":
            return
        needed, needs = _needs()
        if not needed:
            return
        try:
            claims = verifier.claims(_bearer())
        except Unauthorized:
            g.setdefault("auth_challenge", 'Bearer realm="neuroroot", error="invalid_token"')
            raise
        g.auth_claims = claims  # for the audit trail, also when the scope check below fails
        g.auth_subject = claims.get("sub")
        g.auth_client = client_of(claims)
        grants = granted(claims)
        for need in needs:
            if not _allows(grants, need):
                scope = f"system/{need[0]}.{need[1]}"
                g.auth_challenge = (
                    f'Bearer realm="neuroroot", error="insufficient_scope", scope="{scope}"'
                )
                raise Forbidden(
                    f"the bearer token lacks scope {scope} (or a wildcard such as "
                    f"system/*.{need[1]}) needed for this request"
                )

    @app.after_request
    def _challenge(response: Response) -> Response:
        challenge = g.get("auth_challenge")
        if challenge and response.status_code in (401, 403):
            response.headers["WWW-Authenticate"] = challenge
        return response
