"""The HTTP API: one blueprint per resource or operation. Views only translate."""

from __future__ import annotations

from flask import Flask

__all__ = ["register_blueprints"]


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the API on *app*."""
    from .. import web
    from . import (
        docs,
        health,
        isncsci,
        localize,
        metadata,
        results,
        retract,
        smart,
        terminology,
        validate,
    )

    modules = (
        health,
        docs,
        metadata,
        smart,
        terminology,
        localize,
        validate,
        results,
        retract,
        isncsci,
    )
    for module in modules:  # retract after results: it uses results' fhirid converter
        app.register_blueprint(module.bp)
    app.register_blueprint(web.bp)  # pages for people: /, /docs, /samples, /static
