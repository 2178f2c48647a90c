"""The store: save a result (ClinicalImpression + Provenance) once, read and search it.

Saves are idempotent. A result already stored under the same ``identifier_key`` (the input
Bundle.identifier) or the same ``content_key`` (a hash of the input) is returned as it is, with
``created=False``. Two UNIQUE constraints enforce this: a save inserts straight away (a new
result, the usual case, needs no lookup first); when the input was stored before, or a
concurrent save of it won, the INSERT fails, the transaction rolls back, and the stored row is
read and returned. The ClinicalImpression and its Provenance are written in one transaction, so a
failure between the two leaves nothing behind.

Every database call runs under :func:`~service.store.guard.database_errors`: a database that
does not answer is a :class:`~service.errors.StoreUnavailable` (503), never a 500.
"""

from __future__ import annotations

import hashlib
import typing as t
import uuid
from datetime import UTC, datetime

import orjson
from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError, ProgrammingError

from ..errors import Conflict, StoreUnavailable
from .engine import make_engine
from .guard import database_errors
from .records import NewResult, Stored, fhir_instant
from .schema import impressions, provenances

__all__ = ["VERSION_ID", "Store"]

#: results are never updated, so every stored resource is version 1.
VERSION_ID = "1"

_COLUMNS = (impressions.c.id, impressions.c.version_id, impressions.c.last_updated,
            impressions.c.resource, provenances.c.resource.label("provenance"))


#: built once: constructing the statement per call cost more than running it
_INSERT_IMPRESSION = insert(impressions)
_INSERT_PROVENANCE = insert(provenances)


def _identifier_hash(key: str | None) -> str | None:
    return None if key is None else hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> datetime:
    """Now in UTC, cut to milliseconds: the precision of the ``meta.lastUpdated`` we serialise."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _dumps(resource: t.Mapping[str, t.Any]) -> str:
    return orjson.dumps(resource).decode("utf-8")


def _stored(row: Row[t.Any], *, created: bool = False) -> Stored:
    return Stored(id=row.id, version_id=row.version_id, last_updated=row.last_updated,
                  impression=orjson.loads(row.resource), provenance=orjson.loads(row.provenance),
                  created=created)


class Store:
    """Results in one SQL database (see the package docstring for the setup of each dialect).

    :param engine: the engine to use; :meth:`from_url` builds the usual one.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name
        #: the URL to migrate before first use, when the database was down at start
        self.pending_upgrade: str | None = None

    def _ensure_schema(self) -> None:
        """Run the migrations that could not run at start, now that the database may be back.

        :raise StoreUnavailable: while the database still does not answer.
        """
        if self.pending_upgrade is not None:
            from .migrate import upgrade

            upgrade(self.pending_upgrade)
            self.pending_upgrade = None

    @classmethod
    def from_url(cls, url: str) -> Store:
        """A store on the (already migrated) database at *url*."""
        return cls(make_engine(url))

    def close(self) -> None:
        """Close the pooled connections (the store can still be used afterwards)."""
        self.engine.dispose()

    def ping(self) -> None:
        """Run a trivial query on the results table (so an unmigrated database is not ready).

        :raise StoreUnavailable: when the database does not answer or has no schema.
        """
        self._ensure_schema()
        try:
            with database_errors(), self.engine.connect() as connection:
                connection.execute(select(impressions.c.id).limit(1)).all()
        except ProgrammingError as exc:  # PostgreSQL: the table does not exist
            raise StoreUnavailable(
                "the database has no neuroroot schema; run `neuroroot db upgrade`") from exc

    def save(self, result: NewResult) -> Stored:
        """Store *result* in one transaction, or return the result already stored for its keys.

        The store sets ``id`` and ``meta.versionId``/``meta.lastUpdated`` (other ``meta``
        elements given, such as ``profile``, are kept) and the Provenance's ``target``.

        :return: the stored result; ``created`` says whether this call stored it.
        :raise StoreUnavailable: when the database does not answer (nothing is stored).
        :raise Conflict: when the insert lost a race but the winner cannot be read back.
        """
        self._ensure_schema()
        if result.date.tzinfo is None:
            raise ValueError("NewResult.date must be timezone-aware")
        identifier = _identifier_hash(result.identifier_key)
        with database_errors():
            # Insert first: a new result (the usual case) costs no lookup; a repeated one fails
            # on a UNIQUE key, rolls back and is read, exactly as a lost race is.
            new_id, provenance_id, now = str(uuid.uuid4()), str(uuid.uuid4()), _now()
            version = {"versionId": VERSION_ID, "lastUpdated": fhir_instant(now)}
            impression = {"resourceType": "ClinicalImpression", "id": new_id,
                          "meta": {**result.impression.get("meta", {}), **version},
                          **_without(result.impression, "resourceType", "id", "meta")}
            target = f"ClinicalImpression/{new_id}/_history/{VERSION_ID}"
            provenance = {"resourceType": "Provenance", "id": provenance_id,
                          "meta": {**result.provenance.get("meta", {}), **version},
                          "target": [{"reference": target}],
                          **_without(result.provenance, "resourceType", "id", "meta", "target")}
            impression_text, provenance_text = _dumps(impression), _dumps(provenance)
            try:
                with self.engine.begin() as connection:
                    connection.execute(_INSERT_IMPRESSION, {
                        "id": new_id, "version_id": VERSION_ID, "last_updated": now,
                        "subject": result.subject, "date": result.date,
                        "identifier_key": identifier, "content_key": result.content_key,
                        "resource": impression_text})
                    self._insert_provenance(connection, {
                        "id": provenance_id, "impression_id": new_id, "version_id": VERSION_ID,
                        "last_updated": now, "resource": provenance_text})
            except IntegrityError as exc:  # stored before, or a concurrent save of it won
                existing = self._existing(identifier, result.content_key)
                if existing is None:
                    raise Conflict("the result could not be stored; retry the request") from exc
                return existing
        return Stored(id=new_id, version_id=VERSION_ID, last_updated=now, impression=impression,
                      provenance=provenance, created=True)

    def _insert_provenance(self, connection: Connection, values: dict[str, t.Any]) -> None:
        """The second insert of :meth:`save` (a method of its own so tests can make it fail)."""
        connection.execute(_INSERT_PROVENANCE, values)

    def _existing(self, identifier: str | None, content_key: str) -> Stored | None:
        """The stored result with this identifier hash, else the one with this content key."""
        query = _BY_CONTENT if identifier is None else _BY_CONTENT_OR_IDENTIFIER
        with self.engine.connect() as connection:
            rows = connection.execute(
                query, {"content_key": content_key, "identifier_key": identifier}).all()
        # an identifier match first (False sorts before True)
        ranked = sorted(rows, key=lambda row: row.identifier_key != identifier)
        return _stored(ranked[0]) if ranked else None

    def get(self, id: str) -> Stored | None:  # noqa: A002 (the FHIR name)
        """The result whose ClinicalImpression has *id*, or None."""
        self._ensure_schema()
        return self._one(impressions.c.id == id)

    def get_provenance(self, id: str) -> Stored | None:  # noqa: A002
        """The result whose Provenance has *id*, or None."""
        self._ensure_schema()
        return self._one(provenances.c.id == id)

    def provenance_for(self, impression_id: str) -> Stored | None:
        """The result (read for its ``provenance``) whose ClinicalImpression has *impression_id*."""
        self._ensure_schema()
        return self.get(impression_id)

    def _one(self, where: t.Any) -> Stored | None:
        with database_errors(), self.engine.connect() as connection:
            row = connection.execute(_joined().where(where)).first()
        return None if row is None else _stored(row)

    def search(self, *, subject: str | None = None, date_ge: datetime | None = None,
               date_le: datetime | None = None, count: int = 20, offset: int = 0,
               newest_first: bool = True) -> tuple[list[Stored], int]:
        """Results matching every given filter, one page of them, and how many match in all.

        :param subject: the exact ``ClinicalImpression.subject`` reference, e.g. ``Patient/p1``.
        :param date_ge: earliest ``ClinicalImpression.date`` (inclusive, timezone-aware).
        :param date_le: latest ``ClinicalImpression.date`` (inclusive, timezone-aware).
        :param count: page size (0: only the total).
        :param offset: how many matches to skip.
        :param newest_first: order by date descending (else ascending); ties by id.
        :return: ``(page, total)``.
        """
        self._ensure_schema()
        conditions = []
        if subject is not None:
            conditions.append(impressions.c.subject == subject)
        if date_ge is not None:
            conditions.append(impressions.c.date >= date_ge)
        if date_le is not None:
            conditions.append(impressions.c.date <= date_le)
        if newest_first:
            order = (impressions.c.date.desc(), impressions.c.id.desc())
        else:
            order = (impressions.c.date.asc(), impressions.c.id.asc())
        with database_errors(), self.engine.connect() as connection:
            total = connection.execute(
                select(func.count()).select_from(impressions).where(*conditions)).scalar_one()
            rows: t.Sequence[Row[t.Any]] = []
            if count > 0 and offset < total:
                rows = connection.execute(_joined().where(*conditions).order_by(*order)
                                          .limit(count).offset(offset)).all()
        return [_stored(row) for row in rows], total


def _joined() -> Select[t.Any]:
    return select(*_COLUMNS).join(provenances, provenances.c.impression_id == impressions.c.id)


#: the queries of :meth:`Store._existing`, built once
_BY_CONTENT = _joined().where(impressions.c.content_key == bindparam("content_key")).add_columns(
    impressions.c.identifier_key)
_BY_CONTENT_OR_IDENTIFIER = _joined().where(
    (impressions.c.content_key == bindparam("content_key"))
    | (impressions.c.identifier_key == bindparam("identifier_key"))
).add_columns(impressions.c.identifier_key)


def _without(resource: t.Mapping[str, t.Any], *keys: str) -> dict[str, t.Any]:
    return {key: value for key, value in resource.items() if key not in keys}
