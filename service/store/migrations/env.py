"""Alembic environment of the neuroroot store (run by :func:`service.store.migrate.upgrade`).

The caller passes an engine in ``config.attributes["engine"]``; the plain ``alembic`` command can
use ``sqlalchemy.url`` instead. All migrations run in one transaction, after taking a lock that
serialises concurrent upgrades (see :mod:`service.store.migrate`).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from service.store.engine import make_engine
from service.store.schema import metadata

#: the key of the PostgreSQL advisory lock held while migrating ("neur" in ASCII).
MIGRATION_LOCK = 0x6E657572


def _lock(connection: Connection) -> None:
    """Wait until no other process is migrating this database, then hold it off until commit."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        # pysqlite opens no transaction for DDL; take the write lock now, waiting (busy timeout)
        # for another migrating process, so version check and DDL happen under one lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def run_online() -> None:
    """Migrate through the given engine (or one built from ``sqlalchemy.url``)."""
    config = context.config
    given: Engine | None = config.attributes.get("engine")
    engine = given or make_engine(config.get_main_option("sqlalchemy.url") or "", create=True)
    try:
        with engine.begin() as connection:
            _lock(connection)
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if given is None:
            engine.dispose()


def run_offline() -> None:
    """Write the migration SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
