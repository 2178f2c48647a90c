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

``status`` (revision 0005) is the ClinicalImpression's status: ``completed`` as stored,
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
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

from .records import utc

__all__ = [
    "UTCDateTime",
    "cds_cards",
    "cds_feedback",
    "cds_jtis",
    "history",
    "impressions",
    "isncsci_results",
    "metadata",
    "observations",
    "provenances",
    "retractions",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


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
    Column(
        "impression_id",
        String(64),
        ForeignKey("clinical_impression.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("version_id", String(16), nullable=False),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("resource", Text(), nullable=False),
)

#: One row per ISNCSCI classification (revision 0003): the keys of the stored result, as for
#: ``clinical_impression``, and its Provenance (kept here: a classification has exactly one, and
#: the ``provenance`` table points at ClinicalImpressions). ``id`` is the panel Observation's id.
isncsci_results = Table(
    "isncsci_result",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version_id", String(16), nullable=False),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("date", UTCDateTime(), nullable=False),
    Column("identifier_key", String(64), nullable=True, unique=True),
    Column("content_key", String(64), nullable=False, unique=True),
    Column("client_key", String(64), nullable=False, server_default=""),
    Column("provenance_id", String(64), nullable=False, unique=True),
    Column("provenance", Text(), nullable=False),
    Index(None, "subject", "date"),
)

#: One row per stored Observation (the panel and its 25 members), found by id, by subject and
#: code (search), and by the classification it belongs to (``position``: its place in the Bundle).
observations = Table(
    "observation",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "result_id", String(64), ForeignKey("isncsci_result.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer(), nullable=False),
    Column("code", String(64), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("date", UTCDateTime(), nullable=False),
    Column("version_id", String(16), nullable=False),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("resource", Text(), nullable=False),
    Index(None, "subject", "code"),
    Index(None, "result_id"),
)

# CDS Hooks (revision 0004; service/cds). The cards the service issued, so that feedback can be
# checked against them and kept with them; the feedback itself; and the JWT ids already seen.
# The card row keeps the card without its suggestion's resource (the ClinicalImpression is in
# its own table, named by impression_id), so no patient data is copied here.
cds_cards = Table(
    "cds_card",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("service_id", String(64), nullable=False),
    Column("hook_instance", String(128), nullable=False),
    Column("impression_id", String(64), nullable=True),
    Column("indicator", String(16), nullable=False),
    Column("summary", String(256), nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("card", Text(), nullable=False),
    Index(None, "issued_at"),
)

cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "card_uuid", String(36), ForeignKey("cds_card.uuid", ondelete="CASCADE"), nullable=False
    ),
    Column("outcome", String(16), nullable=False),
    Column("accepted_suggestions", Text(), nullable=True),
    Column("override_reason", Text(), nullable=True),
    Column("outcome_timestamp", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("client", String(256), nullable=True),
    Index(None, "card_uuid"),
    Index(None, "received_at"),
)

cds_jtis = Table(
    "cds_jti",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index(None, "expires_at"),
)

#: earlier versions of a ClinicalImpression (revision 0005): a retraction moves the version it
#: replaces here, so ``_history/{vid}`` keeps answering it.
history = Table(
    "impression_version",
    metadata,
    Column(
        "impression_id",
        String(64),
        ForeignKey("clinical_impression.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version_id", String(16), primary_key=True),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("resource", Text(), nullable=False),
)

#: the Provenance of a retraction (revision 0005), one per result at most.
retractions = Table(
    "retraction",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "impression_id",
        String(64),
        ForeignKey("clinical_impression.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("version_id", String(16), nullable=False),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("resource", Text(), nullable=False),
)
