"""neuroroot: a FHIR R4 service that localizes nerve-root lesions from exam Observations.

:func:`create_app` is the only place the Flask application is built; the WSGI target is
``service:create_app()``. Nothing is created at import time.
"""

from __future__ import annotations

import typing as t

from flask import Flask, request

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

    from . import audit, auth, logs
    from .api import register_blueprints
    from .fhir.http import check_accept
    from .fhir.outcome import register_error_handlers
    from .store import init_store

    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    app.config.update(from_environment())
    if config:
        app.config.update(validate_config(dict(config)))
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    logs.init_app(app)
    audit.init_app(app)  # after the response is computed: who touched which patient's data
    app.extensions["terminology"] = load_table()
    register_error_handlers(app)
    auth.init_app(app)  # CORS preflights, then bearer tokens, before content negotiation

    @app.before_request
    def _negotiate() -> None:
        if request.path.startswith("/fhir"):
            check_accept()

    init_store(app)
    register_blueprints(app)
    return app
