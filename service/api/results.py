"""Stored results: read and search ClinicalImpressions and their Provenance (FHIR REST).

What each resource type accepts is declared once, in :mod:`service.api.surface`; the views
here check a request against that declaration (marshmallow schemas built from it), hand the
parsed filters to the store by name (:mod:`service.store.filters`) and shape the answer.

Reads (``GET [type]/{id}``, vread) answer the resource with a weak ETag ``W/"<versionId>"`` and
Last-Modified; 304 for a matching If-None-Match, or, without one, for an If-Modified-Since not
older than the resource. ``_summary`` and ``_elements`` cut the resource down (SUBSETTED tag).

Searches (``GET [type]`` or ``POST [type]/_search`` with a form body, the same semantics) answer
``searchset`` Bundles, newest first by default. Paging is by keyset: the ``next``/``previous``
links carry an opaque ``_cursor``, the sort key ``(value, id)`` of the last (first) entry, so a
result stored while a client pages is never repeated and never makes another one skipped.
``_offset`` is still accepted (bounded by ``SEARCH_MAX_OFFSET``: skipping rows costs the
database as much as reading them); the links it answers are cursors again. ``_count`` larger than
the maximum is clamped (0: the total only); ``_total=none`` (or fhirpy's ``_totalMethod=none``)
leaves the total out and saves a query. An unknown parameter is a 400 naming it
(``http.<name>``) unless ``Prefer: handling=lenient`` asks to ignore it.

Stateless mode (``STORE_ENABLED`` false): every route here answers 404 with an OperationOutcome
saying that storage is off, rather than an empty searchset, which would claim "no results"
when the server simply keeps none. A database that does not answer is a 503 (raised by the store).
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter

from ..audit import concerns
from ..errors import InvalidRequest, Issue, NotFound, UnsupportedMediaType
from ..fhir.http import fhir_response, link, version_headers
from ..fhir.write.searchset import search_entry, searchset
from ..fhir.write.subset import subset
from ..store import Store, Stored
from ..store.records import Page
from ..store.search import parse_reference
from ..web.negotiate import wants_html
from .surface import MAX_COUNT, RESOURCES, Cursor, Param, query_schema

bp = Blueprint("results", __name__, url_prefix="/fhir")

#: parameters every FHIR route accepts (read by service.fhir.http).
_GENERAL = frozenset({"_format", "_pretty"})


class FhirIdConverter(BaseConverter):
    """A FHIR ``id`` path segment; anything else (``$localize-root``) is left to other routes."""

    regex = r"[A-Za-z0-9\-.]{1,64}"


@bp.record_once
def _add_converter(state: t.Any) -> None:
    state.app.url_map.converters.setdefault("fhirid", FhirIdConverter)


def require_store() -> Store:
    store: Store | None = current_app.extensions.get("store")
    if store is None:
        raise NotFound(
            "storage is off on this server (NEUROROOT_STORE_ENABLED=false): results "
            "are not kept, so they cannot be read or searched"
        )
    return store


def _lenient() -> bool:
    prefer = request.headers.get("Prefer", "")
    return any(
        part.strip().lower().replace(" ", "") == "handling=lenient"
        for part in prefer.replace(";", ",").split(",")
    )


def _values() -> MultiDict[str, str]:
    """The query parameters, and for ``POST [type]/_search`` the form body's too.

    :raise UnsupportedMediaType: a POST body that is not a form (naming ``http.Content-Type``).
    """
    if request.method != "POST":
        return request.args
    has_body = bool(request.content_length or request.headers.get("Transfer-Encoding"))
    if has_body and request.mimetype != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType(
            "POST [type]/_search takes application/x-www-form-urlencoded parameters",
            "http.Content-Type",
        )
    values: MultiDict[str, str] = MultiDict(request.args)
    for name, items in request.form.lists():
        for item in items:
            values.add(name, item)
    return values


def _query(params: t.Sequence[Param], values: MultiDict[str, str]) -> dict[str, t.Any]:
    """*values* checked and parsed by the declared *params*, or a 400 naming every bad one."""
    declared = {param.name: param for param in params}
    unknown = sorted(set(values) - set(declared) - _GENERAL)
    issues = []
    if unknown and not _lenient():
        issues += [
            Issue(
                f"unknown search parameter {name!r} (send Prefer: handling=lenient to ignore it)",
                (f"http.{name}",),
                "not-supported",
            )
            for name in unknown
        ]
    raw: dict[str, t.Any] = {}
    for name in declared.keys() & set(values):
        items = values.getlist(name)
        if declared[name].repeatable:
            raw[name] = items
        elif len(items) > 1:
            issues.append(
                Issue(f"search parameter {name!r} may be given only once", (f"http.{name}",))
            )
        else:
            raw[name] = items[0]
    try:
        loaded: dict[str, t.Any] = query_schema(params).load(raw)
    except ValidationError as exc:
        for name, problems in sorted(t.cast(dict[str, t.Any], exc.messages).items()):
            issues.append(Issue(f"{name}: {_flatten(problems)}", (f"http.{name}",), "invalid"))
        loaded = {}
    if issues:
        raise InvalidRequest.many(issues)
    return loaded


def _flatten(problems: t.Any) -> str:
    if isinstance(problems, dict):
        return "; ".join(_flatten(value) for value in problems.values())
    if isinstance(problems, list):
        return "; ".join(map(_flatten, problems))
    return str(problems)


def _invalid(name: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{name}: {message}", f"http.{name}")


def _subject_of(resource: t.Mapping[str, t.Any]) -> list[str]:
    reference = (resource.get("subject") or {}).get("reference")
    return [reference] if isinstance(reference, str) else []


def _audit_stored(stored: Stored, *, provenance: bool = False) -> None:
    """Tell the audit trail which patient and resources a stored result exposes."""
    resources = [f"ClinicalImpression/{stored.id}"]
    if provenance:
        resources.append(f"Provenance/{stored.provenance['id']}")
    concerns(patients=_subject_of(stored.impression), resources=resources)


def read_response(
    kind: str,
    resource: dict[str, t.Any],
    page: t.Callable[[dict[str, t.Any]], Response] | None = None,
) -> Response:
    """200 with the resource (cut down by ``_summary``/``_elements``), ETag and Last-Modified;
    304 when If-None-Match has its version or, without If-None-Match, when it was not modified
    since If-Modified-Since.

    With *page* (HTML was asked for: :func:`service.web.negotiate.wants_html`) the 200 is
    ``page(resource)`` instead, with the same validators: the page always shows the whole result
    (``_summary``/``_elements`` are still checked, 400 for a bad value, but cut only JSON), and
    the conditional headers answer 304 as for JSON (a 304 has no body, so no format)."""
    args = _query(RESOURCES[kind].read_params(), request.args)
    meta = resource["meta"]
    last_updated = datetime.fromisoformat(meta["lastUpdated"])
    headers = version_headers(meta["versionId"], last_updated)
    if request.if_none_match:
        if request.if_none_match.contains_weak(meta["versionId"]):
            return Response(status=304, headers=headers)  # no body, so not fhir_response
    elif (
        request.if_modified_since is not None
        and last_updated.replace(microsecond=0) <= request.if_modified_since
    ):
        return Response(status=304, headers=headers)
    if page is not None:
        response = page(resource)
        response.headers.extend(headers)
        return response
    return fhir_response(
        subset(resource, args.get("_summary"), args.get("_elements")), 200, headers
    )


@bp.get("/ClinicalImpression/<fhirid:id>")
def read_impression(id: str) -> Response:  # noqa: A002
    """One stored ClinicalImpression; as a page for ``Accept: text/html`` or ``_format=html``."""
    stored = require_store().get(id)
    if stored is None:
        raise NotFound(f"no ClinicalImpression with id {id!r}")
    _audit_stored(stored)
    page: t.Callable[[dict[str, t.Any]], Response] | None = None
    if wants_html():
        from ..web.pages import impression_page

        page = impression_page
    response = read_response("ClinicalImpression", stored.impression, page)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/ClinicalImpression/<fhirid:id>/_history/<fhirid:vid>")
def vread_impression(id: str, vid: str) -> Response:  # noqa: A002
    """One version of a stored ClinicalImpression: 1 as stored, 2 once retracted."""
    version = require_store().get_version(id, vid)
    if version is None:
        raise NotFound(f"no ClinicalImpression with id {id!r} and version {vid!r}")
    concerns(patients=_subject_of(version), resources=[f"ClinicalImpression/{id}"])
    return read_response("ClinicalImpression", version)


@bp.get("/Provenance/<fhirid:id>")
def read_provenance(id: str) -> Response:  # noqa: A002
    """One stored Provenance (of a result, or of an ISNCSCI classification)."""
    store = require_store()
    stored = store.get_provenance(id)
    if stored is None:
        other = store.classifications.provenance(id)
        if other is None:
            raise NotFound(f"no Provenance with id {id!r}")
        _audit_classification(other)
        return read_response("Provenance", other)
    _audit_stored(stored, provenance=True)
    return read_response("Provenance", stored.provenance)


def _audit_classification(provenance: dict[str, t.Any]) -> None:
    """The audit trail of a classification's Provenance: its panel Observation and the patient."""
    targets = [target["reference"].split("/_history/")[0] for target in provenance["target"]]
    found = (
        require_store().classifications.observation(targets[0].split("/", 1)[1])
        if targets
        else None
    )
    concerns(
        patients=[found.subject] if found is not None else [],
        resources=[f"Provenance/{provenance['id']}", *targets[:1]],
    )


def entry(endpoint: str, resource: dict[str, t.Any], mode: str) -> dict[str, t.Any]:
    """A search entry of *resource*, its ``fullUrl`` the URL of *endpoint* for its id."""
    return search_entry(
        link(url_for(endpoint, id=resource["id"])[len(request.script_root) :]), resource, mode
    )


def check_offset(offset: int) -> None:
    """400 naming ``_offset`` when it is past ``SEARCH_MAX_OFFSET``.

    Skipping rows costs the database as much as reading them (PostgreSQL sorts every match up
    to the offset, on disk once past ``work_mem``), so one client paging very deep could slow
    every other; the bound keeps the cost of a request small. A client that needs older
    results narrows the search (subject, patient, date) instead.
    """
    deepest = current_app.config["SEARCH_MAX_OFFSET"]
    if offset > deepest:
        raise InvalidRequest.many(
            [
                Issue(
                    f"_offset: {offset} is deeper than this server pages ({deepest} at most); "
                    "narrow "
                    "the search (subject, patient or a date range such as date=lt2026-01-01) "
                    "instead of paging further",
                    ("http._offset",),
                    "too-costly",
                )
            ]
        )


_READ_ENDPOINT = {
    "ClinicalImpression": "results.read_impression",
    "Provenance": "results.read_provenance",
}


def _link(
    relation: str, kept: list[tuple[str, str]], position: tuple[str, t.Any] | None, kind: str
) -> dict[str, str]:
    query = urlencode([*kept, *([position] if position else [])])
    return {"relation": relation, "url": link(f"/fhir/{kind}") + (f"?{query}" if query else "")}


#: ``(where, sort=, descending=, count=, offset=, after=, before=, total=) -> Page``
Searcher = t.Callable[..., Page[t.Any]]
#: ``(page, parsed arguments) -> Bundle entries`` (the matches, then any includes)
Entries = t.Callable[[Page[t.Any], dict[str, t.Any]], list[dict[str, t.Any]]]


def search_response(kind: str, run: Searcher, entries_of: Entries) -> Response:
    """A search of *kind* as its declaration says: the query checked and parsed, the filters
    handed to *run* by name with the sort and the keyset bounds, the page's links (cursors),
    and the entries *entries_of* makes of the page, as a ``searchset`` Bundle."""
    declared = RESOURCES[kind]
    values = _values()
    params = declared.search_params()
    args = _query(params, values)
    where = [
        (param.filter, args[param.name])
        for param in declared.params
        if param.name in args and param.filter
    ]
    summary = args.get("_summary")
    count = 0 if summary == "count" else min(args.get("_count", 20), MAX_COUNT)
    default = ("-" if declared.newest_first else "") + declared.sorts[0]
    sort = args.get("_sort", default)
    cursor: Cursor | None = args.get("_cursor")
    if cursor is not None and cursor.sort != sort:
        raise _invalid(
            "_cursor",
            "this cursor belongs to a search with another _sort; follow "
            "the Bundle's links as they are",
        )
    offset = 0 if cursor is not None else args.get("_offset", 0)
    check_offset(offset)
    method = args.get("_total") or {"count": "accurate"}.get(
        args.get("_totalMethod", ""), args.get("_totalMethod")
    )
    key = None if cursor is None else (cursor.value, cursor.id)
    page = run(
        where,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        count=count,
        offset=offset,
        after=key if cursor is not None and cursor.after else None,
        before=key if cursor is not None and not cursor.after else None,
        total=method != "none",
    )
    known = {param.name for param in params} | _GENERAL
    kept = [
        (name, value)
        for name, value in values.items(multi=True)
        if name in known and name not in ("_cursor", "_offset")
    ]
    here = ("_cursor", cursor.token()) if cursor else ("_offset", offset) if offset else None
    links = [_link("self", kept, here, kind)]
    backwards = cursor is not None and not cursor.after
    if page.keys and (backwards or page.more):
        after = Cursor(sort, *page.keys[-1])
        links.append(_link("next", kept, ("_cursor", after.token()), kind))
    if page.keys and ((backwards and page.more) or (not backwards and (offset or cursor))):
        before = Cursor(sort, *page.keys[0], after=False)
        links.append(_link("previous", kept, ("_cursor", before.token()), kind))
    for name in ("subject", "patient"):
        if name in args:
            concerns(patients=[args[name]])
    return fhir_response(searchset(entries_of(page, args), page.total, links))


def _search(kind: str) -> Response:
    """A search of stored results (ClinicalImpression or Provenance), with includes."""

    def entries_of(page: Page[Stored], args: dict[str, t.Any]) -> list[dict[str, t.Any]]:
        summary, elements = args.get("_summary"), args.get("_elements")
        including = "_revinclude" in args or "_include" in args
        for found in page.results:
            _audit_stored(found, provenance=True if kind == "Provenance" else including)
        own, other = (
            ("impression", "provenance")
            if kind == "ClinicalImpression"
            else ("provenance", "impression")
        )
        entries = [
            entry(_READ_ENDPOINT[kind], subset(getattr(s, own), summary, elements), "match")
            for s in page.results
        ]
        if including:
            other_kind = "Provenance" if kind == "ClinicalImpression" else "ClinicalImpression"
            entries += [
                entry(_READ_ENDPOINT[other_kind], getattr(s, other), "include")
                for s in page.results
            ]
        return entries

    store = require_store()
    return search_response(kind, lambda where, **kw: store.search(kind, where, **kw), entries_of)


@bp.get("/ClinicalImpression")
@bp.post("/ClinicalImpression/_search")
def search_impressions() -> Response:
    """Stored ClinicalImpressions by id, subject or patient, date and _lastUpdated, paged."""
    return _search("ClinicalImpression")


@bp.get("/Provenance")
@bp.post("/Provenance/_search")
def search_provenance() -> Response:
    """The Provenance of stored results: by ``target=ClinicalImpression/{id}``, id, _lastUpdated;
    ``target=Observation/{id}`` alone finds an ISNCSCI classification's Provenance."""
    targets = _values().getlist("target")
    if len(targets) == 1 and targets[0].startswith("Observation/"):
        return _classification_provenance(targets[0])
    return _search("Provenance")


def _classification_provenance(target: str) -> Response:
    """``Provenance?target=Observation/{id}[/_history/{vid}]``: the Provenance of the stored
    classification that Observation belongs to (one match or none). Classifications keep their
    Provenance with them, not in the results' table, so this search takes no other parameter
    than ``target`` (and ``_format``/``_pretty``); see docs/isncsci.md."""
    values = _values()
    other = sorted(set(values) - {"target"} - _GENERAL)
    if other:
        raise InvalidRequest.many(
            [
                Issue(
                    f"{name}: with target=Observation/..., Provenance search takes target only",
                    (f"http.{name}",),
                    "not-supported",
                )
                for name in other
            ]
        )
    try:
        _, id_, version = parse_reference(target, "Observation")
    except ValueError as exc:
        raise _invalid("target", str(exc)) from exc
    found = require_store().classifications.provenance_for(id_)
    if found is not None and version not in (None, found["meta"]["versionId"]):
        found = None
    entries = []
    if found is not None:
        _audit_classification(found)
        entries.append(entry("results.read_provenance", found, "match"))
    return fhir_response(
        searchset(entries, len(entries), [_link("self", [("target", target)], None, "Provenance")])
    )
