"""The store: save a result (ClinicalImpression + Provenance) once, read and search it.

Saves are idempotent, per client. A client's result already stored under the same
``identifier_key`` (the input Bundle.identifier) or the same ``content_key`` (a hash of the
input) is returned as it is, with ``created=False``, but only when it is the same exam: the same
identifier with other content (another exam, another patient) is a :class:`Conflict` (409),
never the stored answer. Two UNIQUE constraints enforce this: a save inserts straight away (a
new result, the usual case, needs no lookup first); when the input was stored before, or a
concurrent save of it won, the INSERT fails, the transaction rolls back, and the stored row is
read, compared and returned. The ClinicalImpression and its Provenance are written in one
transaction, so a failure between the two leaves nothing behind.

Scope. Both keys are hashed with the client that posted the result (the bearer token's
client; without authentication, one anonymous client whose keys are the plain hashes, as
before scoping existed). So a client that replays another client's identifier, or content,
gets a new result of its own and learns nothing of the other's; and within one client, a
replayed identifier answers the stored result only for the same subject and the same content.

Every database call runs under :func:`~service.store.guard.database_errors`: a database that
does not answer is a :class:`~service.errors.StoreUnavailable` (503), never a 500.
"""

from __future__ import annotations

import contextlib
import hashlib
import typing as t
import uuid
from datetime import UTC, datetime

import orjson
from sqlalchemy import Select, Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.engine import Dialect, Engine, Row
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

from ..errors import Conflict, StoreUnavailable, VersionMismatch
from .engine import make_engine
from .filters import DEFAULTS, FILTERS, ID_COLUMNS, RETRACTED, SORTS, every_provenance
from .guard import database_errors
from .records import NewResult, Page, Stored, fhir_instant, utc
from .schema import history, impressions, provenances, retractions

if t.TYPE_CHECKING:
    from .classifications import Classifications

__all__ = [
    "RETRACTED",
    "RETRACTED_RESULT",
    "REUSED_IDENTIFIER",
    "VERSION_ID",
    "Store",
    "client_key",
    "keyset_search",
]

#: the version a result is stored as (a retraction makes version 2).
VERSION_ID = "1"
#: the diagnostics of the 409 for a retry of a retracted result.
RETRACTED_RESULT = (
    "the result stored for this exam was retracted as entered in error; a retry cannot bring "
    "it back. Send the corrected exam as a new one (its own Bundle.identifier)"
)

_COLUMNS = (
    impressions.c.id,
    impressions.c.version_id,
    impressions.c.last_updated,
    impressions.c.resource,
    provenances.c.resource.label("provenance"),
    provenances.c.id.label("provenance_id"),
)


class _Insert:
    """An INSERT of every column of *table*, compiled once for *dialect*, for a DBAPI cursor."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        compiled = insert(table).compile(
            dialect=dialect, column_keys=[column.key for column in table.columns]
        )
        self.sql = str(compiled)
        self.order: list[str] | None = (
            list(compiled.positiontup or ()) if compiled.positional else None
        )
        self.convert = {
            column.key: column.type.dialect_impl(dialect).bind_processor(dialect)
            for column in table.columns
        }

    def bind(self, values: dict[str, t.Any]) -> tuple[str, t.Any]:
        """(SQL, parameters) for ``cursor.execute``: *values* converted by the column types."""
        converted = {
            key: (convert(value) if (convert := self.convert[key]) else value)
            for key, value in values.items()
        }
        if self.order is None:
            return self.sql, converted
        return self.sql, tuple(converted[key] for key in self.order)


def _as_sqlalchemy(error: Exception, dialect: Dialect, *, invalidated: bool = False) -> DBAPIError:
    """A driver's error as the SQLAlchemy error an ``engine.begin()`` block would raise (same
    class name: IntegrityError, OperationalError...), without SQL or parameters."""
    # t.cast: without a statement, instance() answers a DBAPIError subclass (a StatementError
    # only wraps an error raised with a statement)
    return t.cast(
        DBAPIError,
        DBAPIError.instance(
            None,
            None,
            error,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=invalidated,
            dialect=dialect,
        ),
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def client_key(client: str | None) -> str:
    """The stored form of a client: the sha256 of its id, ``""`` for the anonymous client."""
    return "" if client is None else _sha256(f"client|{client}")


def _identifier_hash(key: str | None, client: str) -> str | None:
    """The stored identifier key: sha256 of ``system|value``, with the client key when named."""
    if key is None:
        return None
    return _sha256(key if not client else f"{client}|identifier|{key}")


def _scoped_content(content_key: str, client: str) -> str:
    """The stored content key: the operation's own for the anonymous client, else hashed with
    the client key (the same exam posted by two clients is two results, one each)."""
    return content_key if not client else _sha256(f"{client}|content|{content_key}")


#: the diagnostics of the 409 for a reused identifier (it names no patient and no result).
REUSED_IDENTIFIER = (
    "Bundle.identifier was already used by this client for a different exam (other "
    "Observations or another patient); a retry must repeat the same content. Give this exam "
    "its own identifier"
)


def _now() -> datetime:
    """Now in UTC, cut to milliseconds: the precision of the ``meta.lastUpdated`` we serialise."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _dumps(resource: t.Mapping[str, t.Any]) -> str:
    return orjson.dumps(resource).decode("utf-8")


def _stored(row: Row[t.Any], *, created: bool = False) -> Stored:
    return Stored(
        id=row.id,
        version_id=row.version_id,
        last_updated=row.last_updated,
        impression=orjson.loads(row.resource),
        provenance=orjson.loads(row.provenance),
        created=created,
    )


class Store:
    """Results in one SQL database (see the package docstring for the setup of each dialect).

    :param engine: the engine to use; :meth:`from_url` builds the usual one.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name
        self._inserts = (_Insert(impressions, engine.dialect), _Insert(provenances, engine.dialect))
        #: the URL to migrate before first use, when the database was down at start
        self.pending_upgrade: str | None = None
        from .classifications import Classifications

        #: ISNCSCI classifications (:mod:`.classifications`), with the same key scoping
        self._classifications = Classifications(
            engine, (client_key, _identifier_hash, _scoped_content, _now, VERSION_ID)
        )

    @property
    def classifications(self) -> Classifications:
        """The ISNCSCI classifications (after any pending migration)."""
        self._ensure_schema()
        return self._classifications

    def _ensure_schema(self) -> None:
        """Run the migrations that could not run at start, now that the database may be back.

        :raise StoreUnavailable: while the database still does not answer.
        """
        if self.pending_upgrade is not None:
            from .migrate import upgrade

            upgrade(self.pending_upgrade)
            self.pending_upgrade = None

    @classmethod
    def from_url(cls, url: str, *, statement_timeout_ms: int | None = None) -> Store:
        """A store on the (already migrated) database at *url*.

        :param statement_timeout_ms: PostgreSQL's ``statement_timeout`` (None or 0: none).
        """
        return cls(make_engine(url, statement_timeout_ms=statement_timeout_ms))

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
                "the database has no neuroroot schema; run `neuroroot db upgrade`"
            ) from exc

    def save(self, result: NewResult) -> Stored:
        """Store *result* in one transaction, or return the result already stored for its keys.

        The store sets ``id`` and ``meta.versionId``/``meta.lastUpdated`` (other ``meta``
        elements given, such as ``profile``, are kept) and the Provenance's ``target``.

        :return: the stored result; ``created`` says whether this call stored it.
        :raise StoreUnavailable: when the database does not answer (nothing is stored).
        :raise Conflict: when this client stored the identifier for another subject or other
            content (409, expression ``Bundle.identifier``), or when the insert lost a race but
            the winner cannot be read back.
        """
        self._ensure_schema()
        if result.date.tzinfo is None:
            raise ValueError("NewResult.date must be timezone-aware")
        client = client_key(result.client)
        identifier = _identifier_hash(result.identifier_key, client)
        content_key = _scoped_content(result.content_key, client)
        with database_errors():
            # Insert first: a new result (the usual case) costs no lookup; a repeated one fails
            # on a UNIQUE key, rolls back and is read, exactly as a lost race is.
            new_id, provenance_id, now = str(uuid.uuid4()), str(uuid.uuid4()), _now()
            version = {"versionId": VERSION_ID, "lastUpdated": fhir_instant(now)}
            impression = {
                "resourceType": "ClinicalImpression",
                "id": new_id,
                "meta": {**result.impression.get("meta", {}), **version},
                **_without(result.impression, "resourceType", "id", "meta"),
            }
            target = f"ClinicalImpression/{new_id}/_history/{VERSION_ID}"
            provenance = {
                "resourceType": "Provenance",
                "id": provenance_id,
                "meta": {**result.provenance.get("meta", {}), **version},
                "target": [{"reference": target}],
                **_without(result.provenance, "resourceType", "id", "meta", "target"),
            }
            impression_text, provenance_text = _dumps(impression), _dumps(provenance)
            try:
                self._write(
                    {
                        "id": new_id,
                        "version_id": VERSION_ID,
                        "last_updated": now,
                        "subject": result.subject,
                        "date": result.date,
                        "identifier_key": identifier,
                        "content_key": content_key,
                        "client_key": client,
                        "resource": impression_text,
                        "status": impression.get("status", "completed"),
                    },
                    {
                        "id": provenance_id,
                        "impression_id": new_id,
                        "version_id": VERSION_ID,
                        "last_updated": now,
                        "resource": provenance_text,
                    },
                )
            except IntegrityError as exc:  # stored before, or a concurrent save of it won
                existing = self._existing(identifier, content_key, result.subject, client)
                if existing is None:
                    raise Conflict("the result could not be stored; retry the request") from exc
                return existing
        return Stored(
            id=new_id,
            version_id=VERSION_ID,
            last_updated=now,
            impression=impression,
            provenance=provenance,
            created=True,
        )

    def _write(self, impression: dict[str, t.Any], provenance: dict[str, t.Any]) -> None:
        """The two INSERTs of :meth:`save`, in one transaction, on the driver's connection.

        SQLAlchemy's execution layer is skipped here, on the one write every request makes:
        inside a request (its code and data pushed out of the processor's caches by the rest of
        the request) it cost three times SQLite's own work (benchmarks/RESULTS.md). The pool,
        its checks, the statements (compiled by SQLAlchemy for the dialect) and the column
        types' conversions are SQLAlchemy's still, and a driver error is raised as SQLAlchemy's
        (IntegrityError, OperationalError...; a connection the driver reports dead is
        invalidated), so callers see what an ``engine.begin()`` block would raise.

        :raise IntegrityError: a UNIQUE key is taken (nothing is written).
        """
        dialect = self.engine.dialect
        driver_error = dialect.loaded_dbapi.Error
        try:
            connection = self.engine.raw_connection()
        except driver_error as exc:  # the pool wraps errors of its checks, not of connecting
            raise _as_sqlalchemy(exc, dialect) from exc
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(*self._inserts[0].bind(impression))
                self._insert_provenance(cursor, provenance)
                connection.commit()
            except BaseException:
                with contextlib.suppress(Exception):  # a dead connection cannot roll back
                    connection.rollback()
                raise
            finally:
                with contextlib.suppress(Exception):
                    cursor.close()
        except driver_error as exc:
            dead = dialect.is_disconnect(exc, connection.dbapi_connection, None)
            if dead:
                connection.invalidate(exc)
            raise _as_sqlalchemy(exc, dialect, invalidated=dead) from exc
        finally:
            connection.close()

    def _insert_provenance(self, cursor: t.Any, values: dict[str, t.Any]) -> None:
        """The second insert of :meth:`save` (a method of its own so tests can make it fail)."""
        cursor.execute(*self._inserts[1].bind(values))

    def _existing(
        self, identifier: str | None, content_key: str, subject: str, client: str
    ) -> Stored | None:
        """The stored result this save repeats: the one with this identifier hash when there is
        one (and then only if it is the same exam), else the one with this content key.

        :raise Conflict: the identifier is stored for another subject or other content (409).
        """
        query = _BY_CONTENT if identifier is None else _BY_CONTENT_OR_IDENTIFIER
        with self.engine.connect() as connection:
            rows = connection.execute(
                query, {"content_key": content_key, "identifier_key": identifier}
            ).all()
        for row in rows:
            if identifier is not None and row.identifier_key == identifier:
                same = (
                    row.content_key == content_key
                    and row.subject == subject
                    and row.client_key == client
                )
                if not same:
                    raise Conflict(REUSED_IDENTIFIER, "Bundle.identifier")
                return _replayed(row)
        for row in rows:  # no identifier match: the same content, stored under another one
            if row.subject == subject and row.client_key == client:
                return _replayed(row)
        return None

    def get(self, id: str) -> Stored | None:  # noqa: A002 (the FHIR name)
        """The result whose ClinicalImpression has *id*, or None."""
        self._ensure_schema()
        return self._one(impressions.c.id == id)

    def get_provenance(self, id: str) -> Stored | None:  # noqa: A002
        """The result whose Provenance (of its creation or its retraction) has *id*, or None;
        ``provenance`` is that Provenance."""
        self._ensure_schema()
        found = self._one(provenances.c.id == id)
        if found is not None:
            return found
        with database_errors(), self.engine.connect() as connection:
            row = connection.execute(
                select(retractions.c.impression_id, retractions.c.resource).where(
                    retractions.c.id == id
                )
            ).first()
        if row is None:
            return None
        result = self.get(row.impression_id)
        if result is None:
            return None
        return Stored(
            id=result.id,
            version_id=result.version_id,
            last_updated=result.last_updated,
            impression=result.impression,
            provenance=orjson.loads(row.resource),
            created=False,
        )

    def provenance_for(self, impression_id: str) -> Stored | None:
        """The result (read for its ``provenance``) whose ClinicalImpression has *impression_id*."""
        self._ensure_schema()
        return self.get(impression_id)

    def get_version(self, id: str, version_id: str) -> dict[str, t.Any] | None:  # noqa: A002
        """Version *version_id* of the ClinicalImpression *id* (current or earlier), or None."""
        self._ensure_schema()
        stored = self.get(id)
        if stored is None:
            return None
        if stored.version_id == version_id:
            return stored.impression
        with database_errors(), self.engine.connect() as connection:
            text = connection.execute(
                select(history.c.resource).where(
                    history.c.impression_id == id, history.c.version_id == version_id
                )
            ).scalar()
        return None if text is None else t.cast(dict[str, t.Any], orjson.loads(text))

    def retraction_for(self, impression_id: str) -> dict[str, t.Any] | None:
        """The Provenance of the retraction of *impression_id*, or None when not retracted."""
        self._ensure_schema()
        with database_errors(), self.engine.connect() as connection:
            text = connection.execute(
                select(retractions.c.resource).where(retractions.c.impression_id == impression_id)
            ).scalar()
        return None if text is None else t.cast(dict[str, t.Any], orjson.loads(text))

    def retract(
        self,
        id: str,
        provenance: dict[str, t.Any],
        *,  # noqa: A002
        if_match: t.Collection[str] | None = None,
    ) -> Stored | None:
        """Set the ClinicalImpression *id*'s status to ``entered-in-error`` as a new version.

        In one transaction: the current version goes to the history table, the row gets the
        next ``versionId`` (``meta.lastUpdated`` now) and the status, and *provenance* (without
        ``id``, ``meta`` and ``target``: set here, the target being the new version) is stored
        as the retraction's Provenance. A result already retracted is answered as it is
        (``created`` False), with no new version: retracting is idempotent.

        :param if_match: the versions the caller accepts (``If-Match``); otherwise a 412.
        :return: the retracted result (its ``provenance`` the retraction's), or None for no *id*.
        :raise VersionMismatch: *if_match* is not the current version.
        :raise Conflict: a concurrent change won (retry).
        """
        self._ensure_schema()
        with database_errors():
            current = self.get(id)
            if current is None:
                return None
            if if_match is not None and current.version_id not in if_match:
                raise VersionMismatch(
                    f"If-Match names version(s) {sorted(if_match)}; the current version is "
                    f"{current.version_id!r}",
                    "http.If-Match",
                )
            if current.impression.get("status") == RETRACTED:
                earlier = self.retraction_for(id)
                return Stored(
                    id=current.id,
                    version_id=current.version_id,
                    last_updated=current.last_updated,
                    impression=current.impression,
                    provenance=earlier or current.provenance,
                    created=False,
                )
            version, now = str(int(current.version_id) + 1), _now()
            meta = {"versionId": version, "lastUpdated": fhir_instant(now)}
            impression = {
                **current.impression,
                "status": RETRACTED,
                "meta": {**current.impression.get("meta", {}), **meta},
            }
            provenance_id = str(uuid.uuid4())
            retraction = {
                "resourceType": "Provenance",
                "id": provenance_id,
                "meta": {"versionId": VERSION_ID, "lastUpdated": fhir_instant(now)},
                "target": [{"reference": f"ClinicalImpression/{id}/_history/{version}"}],
                **_without(provenance, "resourceType", "id", "meta", "target"),
            }
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        insert(history).values(
                            impression_id=id,
                            version_id=current.version_id,
                            last_updated=current.last_updated,
                            resource=_dumps(current.impression),
                        )
                    )
                    changed = connection.execute(
                        update(impressions)
                        .where(
                            impressions.c.id == id, impressions.c.version_id == current.version_id
                        )
                        .values(
                            version_id=version,
                            last_updated=now,
                            status=RETRACTED,
                            resource=_dumps(impression),
                        )
                    ).rowcount
                    if changed != 1:
                        raise Conflict("the result changed while it was being retracted; retry")
                    connection.execute(
                        insert(retractions).values(
                            id=provenance_id,
                            impression_id=id,
                            version_id=VERSION_ID,
                            last_updated=now,
                            resource=_dumps(retraction),
                        )
                    )
            except IntegrityError as exc:  # a concurrent retraction won
                raise Conflict("the result changed while it was being retracted; retry") from exc
        return Stored(
            id=id,
            version_id=version,
            last_updated=now,
            impression=impression,
            provenance=retraction,
            created=True,
        )

    def _one(self, where: t.Any) -> Stored | None:
        with database_errors(), self.engine.connect() as connection:
            row = connection.execute(_joined().where(where)).first()
        return None if row is None else _stored(row)

    def search(
        self,
        resource_type: str,
        where: t.Sequence[tuple[str, t.Any]] = (),
        *,
        sort: str = "date",
        descending: bool = True,
        count: int = 20,
        offset: int = 0,
        after: tuple[datetime, str] | None = None,
        before: tuple[datetime, str] | None = None,
        total: bool = True,
    ) -> Page[Stored]:
        """Results matching every filter of *where*, one page of them, and how many match.

        :param resource_type: ``ClinicalImpression`` or ``Provenance`` (whose ``id`` and
            ``_lastUpdated`` the filters and sort keys then mean; the rows are the same results).
        :param where: ``(filter name, parsed value)`` pairs, filters of
            :data:`~service.store.filters.FILTERS` (all must match).
        :param sort: a sort key of :data:`~service.store.filters.SORTS`; ties are broken by id.
        :param count: page size (0: only the total).
        :param offset: how many matches to skip (when no keyset bound is given).
        :param after: keyset paging: only rows after this ``(sort value, id)`` in the order.
        :param before: only rows before it (the page that precedes a page), still in the order.
        :param total: count the matches (False: :attr:`Page.total` is None, one query less).
        """
        self._ensure_schema()
        source = _every_provenance() if resource_type == "Provenance" else _joined()
        rows, matches, more = keyset_search(
            self.engine,
            source,
            resource_type,
            where,
            sort=sort,
            descending=descending,
            count=count,
            offset=offset,
            after=after,
            before=before,
            total=total,
        )
        keys = [
            (utc(row.sort_key), row.provenance_id if resource_type == "Provenance" else row.id)
            for row in rows
        ]
        return Page([_stored(row) for row in rows], keys, matches, more)


def keyset_search(
    engine: Engine,
    base: Select[t.Any],
    resource_type: str,
    where: t.Sequence[tuple[str, t.Any]],
    *,
    sort: str,
    descending: bool,
    count: int,
    offset: int,
    after: tuple[datetime, str] | None,
    before: tuple[datetime, str] | None,
    total: bool,
) -> tuple[list[Row[t.Any]], int | None, bool]:
    """The rows of one page of *base* (a SELECT of *resource_type*'s rows), with the sort key
    labelled ``sort_key``, in the order asked; the number of matches (None unless *total*) and
    whether the search goes on past the page. The parameters are :meth:`Store.search`'s; both
    results and ISNCSCI classifications (:mod:`.classifications`) search through here.
    """
    conditions = [
        condition for name, value in where for condition in FILTERS[resource_type][name](value)
    ]
    used = {name for name, _ in where}
    conditions += [
        condition
        for name, default in DEFAULTS.get(resource_type, {}).items()
        if name not in used
        for condition in default
    ]
    column, id_column = SORTS[resource_type][sort], ID_COLUMNS[resource_type]
    backwards = before is not None
    forward_desc = descending != backwards  # read "before" pages in the reverse order
    paged = list(conditions)
    bound = after or before
    if bound is not None:
        value, ident = bound
        if forward_desc:
            paged.append(or_(column < value, and_(column == value, id_column < ident)))
        else:
            paged.append(or_(column > value, and_(column == value, id_column > ident)))
    order = (column.desc(), id_column.desc()) if forward_desc else (column.asc(), id_column.asc())
    with database_errors(), engine.connect() as connection:
        matches = None
        if total:
            matches = connection.execute(
                select(func.count()).select_from(base.where(*conditions).subquery())
            ).scalar_one()
        rows: t.Sequence[Row[t.Any]] = []
        if count > 0:
            query = (
                base.add_columns(column.label("sort_key"))
                .where(*paged)
                .order_by(*order)
                .limit(count + 1)
            )
            if bound is None and offset:
                query = query.offset(offset)
            rows = connection.execute(query).all()
    more = len(rows) > count
    page = list(rows[:count])
    if backwards:
        page.reverse()
    return page, matches, more


def _joined() -> Select[t.Any]:
    return select(*_COLUMNS).join(provenances, provenances.c.impression_id == impressions.c.id)


def _every_provenance() -> Select[t.Any]:
    """The rows of a Provenance search: one per Provenance, creation's or retraction's."""
    return select(
        *_COLUMNS[:4],
        every_provenance.c.resource.label("provenance"),
        every_provenance.c.id.label("provenance_id"),
    ).join(every_provenance, every_provenance.c.impression_id == impressions.c.id)


#: the queries of :meth:`Store._existing`, built once
_KEYS = (
    impressions.c.identifier_key,
    impressions.c.content_key,
    impressions.c.subject,
    impressions.c.client_key,
    impressions.c.status,
)
_BY_CONTENT = (
    _joined().where(impressions.c.content_key == bindparam("content_key")).add_columns(*_KEYS)
)
_BY_CONTENT_OR_IDENTIFIER = (
    _joined()
    .where(
        (impressions.c.content_key == bindparam("content_key"))
        | (impressions.c.identifier_key == bindparam("identifier_key"))
    )
    .add_columns(*_KEYS)
)


def _replayed(row: Row[t.Any]) -> Stored:
    """The stored result a retry repeats; a retracted one is a 409, never answered again."""
    if row.status == RETRACTED:
        raise Conflict(RETRACTED_RESULT, "Bundle.identifier" if row.identifier_key else None)
    return _stored(row)


def _without(resource: t.Mapping[str, t.Any], *keys: str) -> dict[str, t.Any]:
    return {key: value for key, value in resource.items() if key not in keys}
