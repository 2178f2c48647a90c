"""Stored ISNCSCI classifications: save once (idempotent per client), read, search.

The same rules as the root results (:mod:`.store`): the identifier and content keys are scoped
by the client; a replay of the same exam answers the stored classification (``created=False``);
the same identifier with another subject or content is a 409. The result row and its 26
Observation rows are written in one transaction. Not on the hot path of ``$localize-root``, so
plain SQLAlchemy Core (``engine.begin()``) is used throughout.
"""

from __future__ import annotations

import typing as t
import uuid
from datetime import datetime

import orjson
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from .guard import database_errors
from .records import (
    NewClassification,
    Page,
    StoredClassification,
    StoredObservation,
    fhir_instant,
    utc,
)
from .schema import isncsci_results, observations

__all__ = ["Classifications"]


def _dumps(resource: t.Mapping[str, t.Any]) -> str:
    return orjson.dumps(resource).decode("utf-8")


class Classifications:
    """The classification half of the store (see :class:`service.store.Store`)."""

    def __init__(self, engine: Engine, keys: t.Any) -> None:
        self.engine = engine
        self._keys = keys  # (client_key, identifier_hash, scoped_content, now, version id)

    def save(self, new: NewClassification) -> StoredClassification:
        client_key, identifier_hash, scoped_content, now_of, version_id = self._keys
        if new.date.tzinfo is None:
            raise ValueError("NewClassification.date must be timezone-aware")
        client = client_key(new.client)
        identifier = identifier_hash(new.identifier_key, client)
        content = scoped_content(new.content_key, client)
        now = now_of()
        version = {"versionId": version_id, "lastUpdated": fhir_instant(now)}
        panel_id = new.observations[0]["id"]
        stored = [
            {
                "resourceType": "Observation",
                "id": o["id"],
                "meta": version,
                **{k: v for k, v in o.items() if k not in ("resourceType", "id", "meta")},
            }
            for o in new.observations
        ]
        provenance = {
            "resourceType": "Provenance",
            "id": str(uuid.uuid4()),
            "meta": version,
            "target": [
                {"reference": f"Observation/{o['id']}/_history/{version_id}"} for o in stored
            ],
            **{
                k: v
                for k, v in new.provenance.items()
                if k not in ("resourceType", "id", "meta", "target")
            },
        }
        with database_errors():
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        insert(isncsci_results).values(
                            id=panel_id,
                            version_id=version_id,
                            last_updated=now,
                            subject=new.subject,
                            date=new.date,
                            identifier_key=identifier,
                            content_key=content,
                            client_key=client,
                            provenance_id=provenance["id"],
                            provenance=_dumps(provenance),
                        )
                    )
                    connection.execute(
                        insert(observations),
                        [
                            {
                                "id": o["id"],
                                "result_id": panel_id,
                                "position": i,
                                "code": o["code"]["coding"][0]["code"],
                                "subject": new.subject,
                                "date": new.date,
                                "version_id": version_id,
                                "last_updated": now,
                                "resource": _dumps(o),
                            }
                            for i, o in enumerate(stored)
                        ],
                    )
            except IntegrityError as exc:
                existing = self._existing(identifier, content, new.subject, client)
                if existing is None:
                    raise Conflict("the result could not be stored; retry the request") from exc
                return existing
        return StoredClassification(panel_id, version_id, now, stored, provenance, True)

    def _existing(
        self, identifier: str | None, content: str, subject: str, client: str
    ) -> StoredClassification | None:
        from .store import REUSED_IDENTIFIER

        condition = isncsci_results.c.content_key == content
        if identifier is not None:
            condition = condition | (isncsci_results.c.identifier_key == identifier)
        with self.engine.connect() as connection:
            rows = connection.execute(select(isncsci_results).where(condition)).all()
        chosen = None
        for row in rows:
            if identifier is not None and row.identifier_key == identifier:
                if not (
                    row.content_key == content
                    and row.subject == subject
                    and row.client_key == client
                ):
                    raise Conflict(REUSED_IDENTIFIER, "Bundle.identifier")
                chosen = row
                break
        if chosen is None:
            chosen = next(
                (r for r in rows if r.subject == subject and r.client_key == client), None
            )
        return None if chosen is None else self._load(chosen)

    def _load(self, row: t.Any) -> StoredClassification:
        with self.engine.connect() as connection:
            members = (
                connection.execute(
                    select(observations.c.resource)
                    .where(observations.c.result_id == row.id)
                    .order_by(observations.c.position)
                )
                .scalars()
                .all()
            )
        return StoredClassification(
            row.id,
            row.version_id,
            row.last_updated,
            [orjson.loads(m) for m in members],
            orjson.loads(row.provenance),
            False,
        )

    def observation(self, id: str) -> StoredObservation | None:  # noqa: A002
        with database_errors(), self.engine.connect() as connection:
            row = connection.execute(select(observations).where(observations.c.id == id)).first()
        if row is None:
            return None
        return StoredObservation(orjson.loads(row.resource), row.result_id, row.subject)

    def members(self, result_id: str) -> list[dict[str, t.Any]]:
        """The stored Observations of the classification *result_id*, panel first (empty if
        there is none): the operation's Bundle, for the worksheet page."""
        with database_errors(), self.engine.connect() as connection:
            rows = (
                connection.execute(
                    select(observations.c.resource)
                    .where(observations.c.result_id == result_id)
                    .order_by(observations.c.position)
                )
                .scalars()
                .all()
            )
        return [orjson.loads(r) for r in rows]

    def provenance(self, id: str) -> dict[str, t.Any] | None:  # noqa: A002
        """The Provenance with *id*, or None."""
        with database_errors(), self.engine.connect() as connection:
            text = connection.execute(
                select(isncsci_results.c.provenance).where(isncsci_results.c.provenance_id == id)
            ).scalar()
        return None if text is None else orjson.loads(text)

    def provenance_for(self, observation_id: str) -> dict[str, t.Any] | None:
        """The Provenance whose target is the stored Observation *observation_id*, or None."""
        with database_errors(), self.engine.connect() as connection:
            text = connection.execute(
                select(isncsci_results.c.provenance)
                .join(observations, observations.c.result_id == isncsci_results.c.id)
                .where(observations.c.id == observation_id)
            ).scalar()
        return None if text is None else orjson.loads(text)

    def search(
        self,
        where: t.Sequence[tuple[str, t.Any]] = (),
        *,
        sort: str = "date",
        descending: bool = True,
        count: int = 20,
        offset: int = 0,
        after: tuple[datetime, str] | None = None,
        before: tuple[datetime, str] | None = None,
        total: bool = True,
    ) -> Page[StoredObservation]:
        """Stored Observations matching every filter of *where* (``Observation`` filters of
        :data:`~service.store.filters.FILTERS`): one page and how many match, exactly as
        :meth:`service.store.Store.search` pages results (keyset bounds, ``_offset``, totals).
        """
        from .store import keyset_search

        base = select(
            observations.c.id,
            observations.c.resource,
            observations.c.result_id,
            observations.c.subject,
        )
        rows, matches, more = keyset_search(
            self.engine,
            base,
            "Observation",
            where,
            sort=sort,
            descending=descending,
            count=count,
            offset=offset,
            after=after,
            before=before,
            total=total,
        )
        return Page(
            [
                StoredObservation(orjson.loads(row.resource), row.result_id, row.subject)
                for row in rows
            ],
            [(utc(row.sort_key), row.id) for row in rows],
            matches,
            more,
        )
