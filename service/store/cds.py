"""The CDS Hooks records: cards issued, feedback on them, and JWT ids seen (revision 0004).

Beside :class:`~service.store.store.Store`, on its engine. Every call runs under
:func:`~service.store.guard.database_errors` (database down: 503, never a 500).
"""

from __future__ import annotations

import hashlib
import typing as t
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from .guard import database_errors
from .schema import cds_cards, cds_feedback, cds_jtis

if t.TYPE_CHECKING:
    from .store import Store

__all__ = ["CdsRecords", "IssuedCard", "NewFeedback"]


@dataclass(frozen=True, slots=True)
class IssuedCard:
    """A card as the store keeps it (``card``: its JSON without the suggestion's resource)."""

    uuid: str
    service_id: str
    hook_instance: str
    impression_id: str | None
    indicator: str
    summary: str
    issued_at: datetime
    card: dict[str, t.Any]


@dataclass(frozen=True, slots=True)
class NewFeedback:
    """One item of a feedback request, checked (see :mod:`service.cds.shapes`)."""

    card: str
    outcome: str
    outcome_timestamp: datetime
    accepted_suggestions: tuple[str, ...] = ()
    override_reason: dict[str, t.Any] | None = None


def _jti_key(issuer: str, jti: str) -> str:
    return hashlib.sha256(f"{issuer}|{jti}".encode()).hexdigest()


class CdsRecords:
    """The CDS Hooks tables of *store*'s database."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _engine(self) -> t.Any:
        self._store._ensure_schema()  # noqa: SLF001 - the store's own deferred migration
        return self._store.engine

    def save_cards(self, cards: t.Sequence[IssuedCard]) -> None:
        """Keep *cards* (one transaction)."""
        if not cards:
            return
        rows = [
            {
                "uuid": c.uuid,
                "service_id": c.service_id,
                "hook_instance": c.hook_instance[:128],
                "impression_id": c.impression_id,
                "indicator": c.indicator,
                "summary": c.summary,
                "issued_at": c.issued_at,
                "card": orjson.dumps(c.card).decode("utf-8"),
            }
            for c in cards
        ]
        with database_errors(), self._engine.begin() as connection:
            connection.execute(insert(cds_cards), rows)

    def card(self, service_id: str, card_uuid: str) -> IssuedCard | None:
        """The card *card_uuid* issued by *service_id*, or None."""
        with database_errors(), self._engine.connect() as connection:
            row = connection.execute(
                select(cds_cards).where(
                    cds_cards.c.uuid == card_uuid, cds_cards.c.service_id == service_id
                )
            ).first()
        if row is None:
            return None
        return IssuedCard(
            row.uuid,
            row.service_id,
            row.hook_instance,
            row.impression_id,
            row.indicator,
            row.summary,
            row.issued_at,
            orjson.loads(row.card),
        )

    def add_feedback(
        self, service_id: str, items: t.Sequence[NewFeedback], client: str | None
    ) -> list[str] | None:
        """Store every item of one feedback request, or none of them.

        :return: the new feedback ids, or None when a card is not one *service_id* issued
            (nothing is stored then).
        """
        now = datetime.now(UTC)
        with database_errors(), self._engine.begin() as connection:
            wanted = {item.card for item in items}
            known = set(
                connection.execute(
                    select(cds_cards.c.uuid).where(
                        cds_cards.c.uuid.in_(wanted), cds_cards.c.service_id == service_id
                    )
                ).scalars()
            )
            if known != wanted:
                return None
            ids = [str(uuid.uuid4()) for _ in items]
            connection.execute(
                insert(cds_feedback),
                [
                    {
                        "id": new_id,
                        "card_uuid": item.card,
                        "outcome": item.outcome,
                        "accepted_suggestions": (
                            orjson.dumps(list(item.accepted_suggestions)).decode()
                            if item.accepted_suggestions
                            else None
                        ),
                        "override_reason": (
                            orjson.dumps(item.override_reason).decode()
                            if item.override_reason
                            else None
                        ),
                        "outcome_timestamp": item.outcome_timestamp,
                        "received_at": now,
                        "client": client[:256] if client else None,
                    }
                    for new_id, item in zip(ids, items, strict=True)
                ],
            )
        return ids

    def feedback(
        self, *, service_id: str | None = None, since: datetime | None = None, limit: int = 1000
    ) -> list[dict[str, t.Any]]:
        """Feedback with its card, oldest first: what ``neuroroot cds feedback`` prints."""
        query = (
            select(
                cds_feedback,
                cds_cards.c.service_id,
                cds_cards.c.indicator,
                cds_cards.c.summary,
                cds_cards.c.impression_id,
                cds_cards.c.issued_at,
                cds_cards.c.hook_instance,
            )
            .join(cds_cards, cds_cards.c.uuid == cds_feedback.c.card_uuid)
            .order_by(cds_feedback.c.received_at, cds_feedback.c.id)
            .limit(limit)
        )
        if service_id is not None:
            query = query.where(cds_cards.c.service_id == service_id)
        if since is not None:
            query = query.where(cds_feedback.c.received_at >= since)
        with database_errors(), self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            {
                "id": row.id,
                "receivedAt": _instant(row.received_at),
                "client": row.client,
                "service": row.service_id,
                "card": {
                    "uuid": row.card_uuid,
                    "indicator": row.indicator,
                    "summary": row.summary,
                    "issuedAt": _instant(row.issued_at),
                    "hookInstance": row.hook_instance,
                    **(
                        {"clinicalImpression": f"ClinicalImpression/{row.impression_id}"}
                        if row.impression_id
                        else {}
                    ),
                },
                "outcome": row.outcome,
                "outcomeTimestamp": _instant(row.outcome_timestamp),
                **(
                    {"acceptedSuggestions": orjson.loads(row.accepted_suggestions)}
                    if row.accepted_suggestions
                    else {}
                ),
                **(
                    {"overrideReason": orjson.loads(row.override_reason)}
                    if row.override_reason
                    else {}
                ),
            }
            for row in rows
        ]

    def first_use_of_jti(self, issuer: str, jti: str, expires_at: datetime) -> bool:
        """Record ``iss|jti`` until *expires_at*; False when it was recorded and is not expired.

        Expired records are purged in the same transaction, so the table holds only the JWTs
        still alive.
        """
        now = datetime.now(UTC)
        key = _jti_key(issuer, jti)
        try:
            with database_errors(), self._engine.begin() as connection:
                connection.execute(delete(cds_jtis).where(cds_jtis.c.expires_at < now))
                connection.execute(insert(cds_jtis).values(key=key, expires_at=expires_at))
        except IntegrityError:
            return False
        return True


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
