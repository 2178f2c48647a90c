"""Run the Alembic migrations shipped in this package, without an alembic.ini.

``upgrade(url)`` is what the app runs at start (``AUTO_MIGRATE``) and what ``neuroroot db
upgrade`` calls. Several processes may run it at once (gunicorn workers start together): the
migration environment serialises them, with an advisory lock on PostgreSQL and ``BEGIN
IMMEDIATE`` on SQLite, so the second one finds the schema already at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .engine import make_engine, sqlite_path
from .guard import database_errors

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "head_revision", "upgrade"]

#: the folder holding env.py and versions/ (shipped as package data).
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (and at *url*, when given)."""
    config = Config()
    # configparser reads "%" as interpolation: escape it in paths and passwords.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at *url* to *revision* (creating a SQLite file when missing).

    :raise StoreUnavailable: when the database does not answer.
    """
    engine = make_engine(url, create=True)
    config = alembic_config()
    config.attributes["engine"] = engine
    try:
        with database_errors():
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision the package ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database at *url* is at (None: never migrated, or no SQLite file yet).

    :raise StoreUnavailable: when the database does not answer.
    """
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return None
    engine = make_engine(url)
    try:
        with database_errors(), engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
