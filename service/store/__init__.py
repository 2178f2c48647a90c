"""Persistence of results (SQLAlchemy 2 + Alembic): SQLite by default, PostgreSQL in production.

The operation code calls :class:`Store` through ``current_app.extensions["store"]``, which is
None when storing is switched off (``STORE_ENABLED`` false: stateless mode).

Which database: ``DATABASE_URL`` when set (``postgresql+psycopg://…``; ``postgresql://`` and
``postgres://`` are rewritten to psycopg), else a SQLite file at ``SQLITE_PATH``, else
``neuroroot.sqlite3`` in the Flask instance folder (created on first start). The app migrates
the database at start unless ``AUTO_MIGRATE`` is false; ``neuroroot db upgrade`` calls
:func:`upgrade`.

Modules: :mod:`.records` (the values exchanged), :mod:`.schema` (tables), :mod:`.engine`
(URLs, engines), :mod:`.guard` (database down → 503), :mod:`.migrate` (Alembic), :mod:`.store`
(the :class:`Store`), :mod:`.search` (FHIR ``date`` and reference search values as filters).
"""

from __future__ import annotations

import logging
import typing as t
from pathlib import Path

from ..errors import StoreUnavailable
from .engine import make_engine, normalize_url, sqlite_url
from .migrate import current_revision, head_revision, upgrade
from .records import NewResult, Page, Stored, VersionedId, fhir_instant
from .store import Store

if t.TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "NewResult",
    "Page",
    "Store",
    "Stored",
    "VersionedId",
    "current_revision",
    "database_url",
    "fhir_instant",
    "head_revision",
    "init_store",
    "make_engine",
    "upgrade",
]

logger = logging.getLogger(__name__)

#: the file name of the default SQLite database inside the instance folder.
DEFAULT_SQLITE_NAME = "neuroroot.sqlite3"


def database_url(config: t.Mapping[str, t.Any], instance_path: str | Path) -> str:
    """The SQLAlchemy URL the settings select (``DATABASE_URL``, else the SQLite file).

    :param config: the app config (``DATABASE_URL``, ``SQLITE_PATH``).
    :param instance_path: the Flask instance folder, home of the default SQLite file.
    """
    if config.get("DATABASE_URL"):
        return normalize_url(config["DATABASE_URL"])
    path = config.get("SQLITE_PATH") or Path(instance_path) / DEFAULT_SQLITE_NAME
    return sqlite_url(path)


def init_store(app: Flask) -> None:
    """Attach the store to *app* as ``app.extensions["store"]`` (None in stateless mode).

    Migrates the database first when ``AUTO_MIGRATE`` is true (the default).

    When the database does not answer at start, the app starts anyway: readiness and the store
    answer 503 until it does, and the migrations run on the first use after that.
    """
    if not app.config["STORE_ENABLED"]:
        app.extensions["store"] = None
        logger.info("store disabled: results are not kept (stateless mode)")
        return
    url = database_url(app.config, app.instance_path)
    store = Store.from_url(url, statement_timeout_ms=app.config["DB_STATEMENT_TIMEOUT_MS"])
    if app.config["AUTO_MIGRATE"]:
        try:
            upgrade(url)
        except StoreUnavailable:
            # Start anyway: /readyz and the store-backed routes answer 503 until the database
            # answers, and the first use after that runs the migrations (compose or an
            # orchestrator may start the service before its database).
            logger.error("database unavailable at start; migrations will run when it answers")
            store.pending_upgrade = url
    app.extensions["store"] = store
    logger.info("store attached: %s", store.dialect)
