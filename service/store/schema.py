"""The store's two tables, as SQLAlchemy Core metadata (the migrations create the same shape).

One row per ClinicalImpression, one per Provenance. Each resource is kept as its JSON text,
exactly as the service serialised it, so a read returns byte-identical JSON; the columns beside
it exist only to find rows (subject, date) and to make saves idempotent (two UNIQUE keys).

``identifier_key`` holds the sha256 of ``Bundle.identifier`` (``system|value``) rather than the
identifier itself: the hash has a fixed length that fits any index, and it keeps a possibly
patient-identifying value out of the database. Several NULLs never collide under UNIQUE, in
SQLite and PostgreSQL alike, so "unique where not null" needs no partial index.

``subject`` is bounded (256 characters, as an index key must be on PostgreSQL): the operation
refuses a longer ``subject.reference`` with a 422 before the store
(:data:`service.fhir.read.request.MAX_REFERENCE_LENGTH`), so neither database ever sees one.

``client_key`` is the sha256 of the client that posted the result (the bearer token's client),
or ``""`` for the anonymous client (authentication off, and every row stored before revision
0002). Both idempotency keys are scoped by it: for a named client they hash the client key
with the identifier or content (see :mod:`.store`), for the anonymous client they are the plain
hashes of revision 0001, so rows stored before the upgrade still answer retries.

``status`` (revision 0003) is the ClinicalImpression's status: ``completed`` as stored,
``entered-in-error`` once retracted; searches leave retracted rows out unless asked for them.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

from .records import utc

__all__ = ["UTCDateTime", "history", "impressions", "metadata", "provenances", "retractions"]

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC and always read back aware, in UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as naive
    UTC text, whose fixed ``YYYY-MM-DD HH:MM:SS.ffffff`` format also sorts and compares correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; give a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: t.Any, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)


impressions = Table(
    "clinical_impression",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version_id", String(16), nullable=False),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("date", UTCDateTime(), nullable=False),
    Column("identifier_key", String(64), nullable=True, unique=True),
    Column("content_key", String(64), nullable=False, unique=True),
    Column("client_key", String(64), nullable=False, server_default=""),
    Column("resource", Text(), nullable=False),
    Column("status", String(32), nullable=False, server_default="completed"),
    Index(None, "subject", "date"),
    Index(None, "date"),
)

provenances = Table(
    "provenance",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("impression_id", String(64), ForeignKey("clinical_impression.id", ondelete="CASCADE"),
           nullable=False, unique=True),
    Column("version_id", String(16), nullable=False),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("resource", Text(), nullable=False),
)

#: earlier versions of a ClinicalImpression (revision 0003): a retraction moves the version it
#: replaces here, so ``_history/{vid}`` keeps answering it.
history = Table(
    "impression_version",
    metadata,
    Column("impression_id", String(64), ForeignKey("clinical_impression.id", ondelete="CASCADE"),
           primary_key=True),
    Column("version_id", String(16), primary_key=True),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("resource", Text(), nullable=False),
)

#: the Provenance of a retraction (revision 0003), one per result at most.
retractions = Table(
    "retraction",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("impression_id", String(64), ForeignKey("clinical_impression.id", ondelete="CASCADE"),
           nullable=False, unique=True),
    Column("version_id", String(16), nullable=False),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("resource", Text(), nullable=False),
)
