"""The store's search filters and sort keys, by name (no Flask).

A search parameter declared in :mod:`service.api.surface` names its filter here; the view hands
the store ``(filter name, parsed value)`` pairs and :meth:`service.store.Store.search` turns
each into SQL conditions with the function registered under that name for the resource type.
A test checks that every declared filter exists here and every filter here is declared, so the
two cannot drift. Adding a search parameter means: its declaration, one function here, a test.

Values arrive parsed (by the marshmallow field of the declaration): a reference string, a tuple
of ids, a :class:`~service.store.search.DateBounds`...
"""

from __future__ import annotations

import typing as t

from sqlalchemy import ColumnElement, and_, false, literal, or_, select, true, union_all
from sqlalchemy.sql.elements import ColumnClause

from .records import VersionedId
from .schema import impressions, observations, provenances, retractions
from .search import DateBounds

__all__ = [
    "DEFAULTS",
    "FILTERS",
    "ID_COLUMNS",
    "RETRACTED",
    "SORTS",
    "STATUSES",
    "Condition",
    "Filter",
    "every_provenance",
]

#: the status of a retracted result (R4 clinicalimpression-status).
RETRACTED = "entered-in-error"
#: every ClinicalImpression.status of R4 (the ``status`` search parameter's codes).
STATUSES = ("in-progress", "completed", RETRACTED)

#: every Provenance of a result with the ClinicalImpression version it targets: the creation's
#: (version 1) and, once the result is retracted, the retraction's (the version it made, 2: a
#: result is retracted once, and nothing else makes a version). Provenance searches read these.
every_provenance = union_all(
    select(
        provenances.c.id,
        provenances.c.impression_id,
        provenances.c.last_updated,
        provenances.c.resource,
        literal("1").label("target_version"),
    ),
    select(
        retractions.c.id,
        retractions.c.impression_id,
        retractions.c.last_updated,
        retractions.c.resource,
        literal("2").label("target_version"),
    ),
).subquery("every_provenance")

Condition = ColumnElement[bool]
Filter = t.Callable[[t.Any], list[Condition]]


def _dates(column: t.Any) -> Filter:
    """A ``date``-typed filter on *column*: the inclusive bounds and the excluded ranges."""

    def conditions(bounds: DateBounds) -> list[Condition]:
        if bounds.empty:
            return [false()]
        found: list[Condition] = []
        if bounds.ge is not None:
            found.append(column >= bounds.ge)
        if bounds.le is not None:
            found.append(column <= bounds.le)
        for low, high in bounds.excluded:
            inside = [column >= low] if low is not None else []
            inside += [column <= high] if high is not None else []
            found.append(~and_(true(), *inside))
        return found

    return conditions


def _ids(column: ColumnClause[t.Any] | t.Any) -> Filter:
    """A ``token`` filter on an id *column*: any of the ids (``_id=a,b``)."""
    return lambda ids: [column.in_(list(ids))]


def _equals(column: t.Any) -> Filter:
    return lambda value: [column == value]


def _target(targets: t.Sequence[VersionedId]) -> list[Condition]:
    """``Provenance.target``: any of the ClinicalImpressions (at the version, when one is given:
    the creation's Provenance targets version 1, a retraction's version 2)."""
    either = [
        and_(
            impressions.c.id == target.id,
            true()
            if target.version is None
            else every_provenance.c.target_version == target.version,
        )
        for target in targets
    ]
    return [or_(false(), *either)]


#: resource type -> filter name -> the conditions a parsed value adds (all must hold).
FILTERS: dict[str, dict[str, Filter]] = {
    "ClinicalImpression": {
        "_id": _ids(impressions.c.id),
        "_lastUpdated": _dates(impressions.c.last_updated),
        "subject": _equals(impressions.c.subject),
        "date": _dates(impressions.c.date),
        "status": _ids(impressions.c.status),
    },
    "Provenance": {
        "_id": _ids(every_provenance.c.id),
        "_lastUpdated": _dates(every_provenance.c.last_updated),
        "target": _target,
    },
    "Observation": {  # the stored ISNCSCI classifications (panel and members)
        "_id": _ids(observations.c.id),
        "_lastUpdated": _dates(observations.c.last_updated),
        "subject": _equals(observations.c.subject),
        "code": lambda codes: [observations.c.code.in_(list(codes))],
    },
}

#: resource type -> filter name -> the conditions a search adds when it does not use that filter:
#: retracted results (entered-in-error) drop out of searches unless ``status`` asks for them,
#: as FHIR expects of results entered in error.
DEFAULTS: dict[str, dict[str, list[Condition]]] = {
    "ClinicalImpression": {"status": [impressions.c.status != RETRACTED]},
}

#: resource type -> sort key (``_sort`` value without the minus) -> its column.
SORTS: dict[str, dict[str, t.Any]] = {
    "ClinicalImpression": {"date": impressions.c.date, "_lastUpdated": impressions.c.last_updated},
    "Provenance": {"_lastUpdated": every_provenance.c.last_updated},
    "Observation": {"date": observations.c.date, "_lastUpdated": observations.c.last_updated},
}

#: resource type -> its id column (the tie-breaker of every sort, and of keyset paging).
ID_COLUMNS: dict[str, t.Any] = {
    "ClinicalImpression": impressions.c.id,
    "Provenance": every_provenance.c.id,
    "Observation": observations.c.id,
}
