"""neuroroot: a FHIR R4 service that localizes nerve-root lesions from exam Observations.

:func:`create_app` is the only place the Flask application is built; the WSGI target is
``service:create_app()``. Nothing is created at import time.
"""

from __future__ import annotations

import typing as t

from flask import Flask, Response, request

from .config import DEFAULTS, from_environment, validate_config
from .version import __version__

__all__ = ["__version__", "create_app"]


def create_app(config: t.Mapping[str, t.Any] | None = None) -> Flask:
    """Build the application.

    :param config: settings that override the defaults and the environment (tests pass
        ``{"TESTING": True, ...}`` here).
    :return: the configured Flask app, with the terminology table loaded and validated.
    :raise terminology.TerminologyError: when the table is broken (the app refuses to start).
    """
    from terminology import load_table

    from . import audit, auth, cds, logs
    from .api import register_blueprints
    from .fhir.http import check_accept
    from .fhir.outcome import register_error_handlers
    from .store import init_store
    from .web.negotiate import wants_html

    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    app.config.update(from_environment())
    if config:
        app.config.update(validate_config(dict(config)))
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    if app.config.get("BASE_URL"):
        app.config["BASE_URL"] = str(app.config["BASE_URL"]).rstrip("/")
    app.config["TRUSTED_HOST_NAMES"] = frozenset(
        name.strip().strip("[]").lower()
        for name in str(app.config.get("LINK_HOSTS") or "").split(",")
        if name.strip()
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]

    logs.init_app(app)
    audit.init_app(app)  # after the response is computed: who touched which patient's data
    app.extensions["terminology"] = load_table()
    register_error_handlers(app)
    auth.init_app(app)  # CORS preflights, then bearer tokens, before content negotiation

    @app.before_request
    def _negotiate() -> None:
        if request.path.startswith("/fhir") and not wants_html():
            check_accept()

    init_store(app)
    register_blueprints(app)
    cds.init_app(app)  # CDS Hooks (/cds-services): its own client JWT, see service/cds
    app.after_request(security_headers)
    return app


#: endpoints that never carry patient data: their successful answers may be cached.
CACHEABLE = frozenset(
    {
        "metadata.metadata",
        "metadata.operation",
        "docs.openapi",
        "terminology.search_codesystem",
        "terminology.read_codesystem",
        "terminology.search_conceptmap",
        "terminology.read_conceptmap",
        "web.index",
        "web.docs",
        "web.sample",
        "web.static",
    }
)


def security_headers(response: Response) -> Response:
    """On every answer: ``X-Content-Type-Options: nosniff``, a Content-Security-Policy on HTML
    pages (only this service: :data:`service.web.CSP`), and ``Cache-Control: no-store``
    unless it is a successful answer of a :data:`CACHEABLE` endpoint (results, searches,
    Provenance, the operation and every error may carry patient data: no cache keeps them)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":  # pages: scripts, styles and images from here only
        from .web import CSP, CSP_DOCS

        response.headers["Content-Security-Policy"] = (
            CSP_DOCS if request.endpoint == "web.docs" else CSP
        )
    if response.status_code >= 400 or request.endpoint not in CACHEABLE:
        response.headers["Cache-Control"] = "no-store"
    return response
