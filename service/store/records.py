"""The records the store takes and gives back, and the FHIR instant format of their times.

No SQLAlchemy and no Flask here: these are the values the operation code (service/api) and the
store (:mod:`service.store.store`) exchange.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "NewClassification",
    "NewResult",
    "Page",
    "Stored",
    "StoredClassification",
    "StoredObservation",
    "VersionedId",
    "fhir_instant",
    "utc",
]


@dataclass(frozen=True, slots=True)
class NewResult:
    """A result to store: the ClinicalImpression and its Provenance, plus the keys it is found by.

    :param impression: the ClinicalImpression without ``id`` and ``meta`` (the store sets them).
    :param provenance: the Provenance without ``id``, ``meta`` and ``target`` (the store sets them).
    :param subject: the reference string of ``ClinicalImpression.subject``, e.g. ``Patient/p1``.
    :param date: ``ClinicalImpression.date``, timezone-aware.
    :param identifier_key: ``system|value`` of the input ``Bundle.identifier``, or None.
    :param content_key: sha256 hex digest of the input Observations and the rules version.
    :param client: who posted it: the bearer token's client (``client_id``, else ``azp``, else
        ``sub``), or None without authentication (one anonymous client). Both keys are scoped
        by it: a client's retries find its own results only, never another client's.
    """

    impression: dict[str, t.Any]
    provenance: dict[str, t.Any]
    subject: str
    date: datetime
    identifier_key: str | None
    content_key: str
    client: str | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored result as read back.

    ``id``, ``version_id`` and ``last_updated`` are the ClinicalImpression's; ``impression`` and
    ``provenance`` carry their ``id`` and ``meta`` (and the Provenance its versioned ``target``).
    ``created`` is False when :meth:`Store.save` found the result already stored (a replay).
    """

    id: str
    version_id: str
    last_updated: datetime
    impression: dict[str, t.Any]
    provenance: dict[str, t.Any]
    created: bool


@dataclass(frozen=True, slots=True)
class VersionedId:
    """A resource id, and the version a reference names (None: any version)."""

    id: str
    version: str | None = None


R = t.TypeVar("R")


@dataclass(frozen=True, slots=True)
class Page(t.Generic[R]):
    """One page of a search: the results in order, the sort key ``(value, id)`` of each (for
    keyset paging), the number of matches in all (None when not counted), and whether the
    search goes on past the page in the direction it was read."""

    results: list[R]
    keys: list[tuple[datetime, str]]
    total: int | None
    more: bool


def utc(value: datetime) -> datetime:
    """*value* converted to UTC; a naive value is read as UTC (SQLite returns naive times)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def fhir_instant(value: datetime) -> str:
    """*value* as a FHIR ``instant`` in UTC with milliseconds: ``2026-01-02T03:04:05.678Z``."""
    return utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class NewClassification:
    """An ISNCSCI classification to store: its Observations (the panel first, each with its
    ``id``) and its Provenance (without ``id``, ``meta`` and ``target``), plus the keys it is
    found by (as :class:`NewResult`)."""

    observations: list[dict[str, t.Any]]
    provenance: dict[str, t.Any]
    subject: str
    date: datetime
    identifier_key: str | None
    content_key: str
    client: str | None = None


@dataclass(frozen=True, slots=True)
class StoredClassification:
    """A stored classification as read back: its Observations (panel first) and Provenance,
    with ``meta``; ``created`` is False for a replay."""

    id: str
    version_id: str
    last_updated: datetime
    observations: list[dict[str, t.Any]]
    provenance: dict[str, t.Any]
    created: bool


@dataclass(frozen=True, slots=True)
class StoredObservation:
    """One stored Observation and the classification (panel id) it belongs to."""

    resource: dict[str, t.Any]
    result_id: str
    subject: str
