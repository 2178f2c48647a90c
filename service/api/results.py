"""Stored results: read and search ClinicalImpressions and their Provenance (FHIR REST).

``GET /fhir/ClinicalImpression/{id}`` and ``GET /fhir/Provenance/{id}`` answer the resource
with a weak ETag ``W/"<versionId>"`` and Last-Modified, or 304 for a matching If-None-Match.
``GET /fhir/ClinicalImpression?subject|patient|date|_count|_offset|_sort|_revinclude`` and
``GET /fhir/Provenance?target=…`` answer ``searchset`` Bundles, newest first by default, paged
with absolute ``self``/``next``/``previous`` links. Query parameters are checked by marshmallow
schemas; an unknown one is a 400 naming it, unless ``Prefer: handling=lenient`` asks to ignore it.

Stateless mode (``STORE_ENABLED`` false): every route here answers 404 with an OperationOutcome
saying that storage is off, rather than an empty searchset, which would claim "no results"
when the server simply keeps none. A database that does not answer is a 503 (raised by the store).
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.routing import BaseConverter

from ..audit import concerns
from ..errors import InvalidRequest, Issue, NotFound
from ..fhir.http import fhir_response, link, version_headers
from ..fhir.write.searchset import search_entry, searchset
from ..store import Store, Stored
from ..store.search import DateBounds, date_bounds, parse_reference

bp = Blueprint("results", __name__, url_prefix="/fhir")

#: parameters every FHIR route accepts (read by service.fhir.http).
_GENERAL = frozenset({"_format", "_pretty"})


class FhirIdConverter(BaseConverter):
    """A FHIR ``id`` path segment; anything else (``$localize-root``) is left to other routes."""

    regex = r"[A-Za-z0-9\-.]{1,64}"


@bp.record_once
def _add_converter(state: t.Any) -> None:
    state.app.url_map.converters.setdefault("fhirid", FhirIdConverter)


class ImpressionSearch(Schema):
    """Query parameters of ``GET /fhir/ClinicalImpression``."""

    subject = fields.String(validate=validate.Length(min=1))
    patient = fields.String(validate=validate.Length(min=1))
    date = fields.List(fields.String(), validate=validate.Length(min=1))
    count = fields.Integer(data_key="_count", load_default=20,
                           validate=validate.Range(0, 100))
    offset = fields.Integer(data_key="_offset", load_default=0,
                            validate=validate.Range(min=0))  # the maximum: _check_offset
    sort = fields.String(data_key="_sort", load_default="-date",
                         validate=validate.OneOf(["-date", "date"]))
    revinclude = fields.String(data_key="_revinclude",
                               validate=validate.OneOf(["Provenance:target"]))
    status = fields.String(validate=validate.Regexp(
        r"^(in-progress|completed|entered-in-error)(,(in-progress|completed|entered-in-error))*$",
        error="a comma-separated list of in-progress, completed, entered-in-error"))


class ProvenanceSearch(Schema):
    """Query parameters of ``GET /fhir/Provenance``."""

    target = fields.String(required=True, validate=validate.Length(min=1))


_REPEATABLE = {"date"}


def _store() -> Store:
    store: Store | None = current_app.extensions.get("store")
    if store is None:
        raise NotFound("storage is off on this server (NEUROROOT_STORE_ENABLED=false): results "
                       "are not kept, so they cannot be read or searched")
    return store


def _lenient() -> bool:
    prefer = request.headers.get("Prefer", "")
    return any(part.strip().lower().replace(" ", "") == "handling=lenient"
               for part in prefer.replace(";", ",").split(","))


def _query(schema: Schema) -> dict[str, t.Any]:
    """The request's query parameters loaded by *schema*, or a 400 naming every bad one."""
    known = {field.data_key or name for name, field in schema.fields.items()}
    unknown = sorted(set(request.args) - known - _GENERAL)
    issues = []
    if unknown and not _lenient():
        issues += [Issue(f"unknown search parameter {name!r} (send Prefer: handling=lenient to "
                         f"ignore it)", (f"http.{name}",), "not-supported") for name in unknown]
    raw: dict[str, t.Any] = {}
    for name in known & set(request.args):
        values = request.args.getlist(name)
        if name in _REPEATABLE:
            raw[name] = values
        elif len(values) > 1:
            issues.append(Issue(f"search parameter {name!r} may be given only once",
                                (f"http.{name}",)))
        else:
            raw[name] = values[0]
    try:
        loaded: dict[str, t.Any] = schema.load(raw)
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


def _resource(resource: dict[str, t.Any]) -> Response:
    """200 with the resource, ETag and Last-Modified; 304 when If-None-Match has its version."""
    meta = resource["meta"]
    headers = version_headers(meta["versionId"], datetime.fromisoformat(meta["lastUpdated"]))
    if request.if_none_match.contains_weak(meta["versionId"]):
        return Response(status=304, headers=headers)  # no body, so not fhir_response
    return fhir_response(resource, 200, headers)


@bp.get("/ClinicalImpression/<fhirid:id>")
def read_impression(id: str) -> Response:  # noqa: A002
    """One stored ClinicalImpression."""
    stored = _store().get(id)
    if stored is None:
        raise NotFound(f"no ClinicalImpression with id {id!r}")
    _audit_stored(stored)
    return _resource(stored.impression)


@bp.get("/ClinicalImpression/<fhirid:id>/_history/<fhirid:vid>")
def vread_impression(id: str, vid: str) -> Response:  # noqa: A002
    """One version of a stored ClinicalImpression: 1 as stored, 2 once retracted."""
    store = _store()
    version = store.get_version(id, vid)
    if version is None:
        raise NotFound(f"no ClinicalImpression with id {id!r} and version {vid!r}")
    concerns(patients=_subject_of(version), resources=[f"ClinicalImpression/{id}"])
    return _resource(version)


@bp.get("/Provenance/<fhirid:id>")
def read_provenance(id: str) -> Response:  # noqa: A002
    """One stored Provenance."""
    stored = _store().get_provenance(id)
    if stored is None:
        raise NotFound(f"no Provenance with id {id!r}")
    _audit_stored(stored, provenance=True)
    return _resource(stored.provenance)


def _subject(params: dict[str, t.Any]) -> tuple[str | None, bool]:
    """The subject reference both ``subject`` and ``patient`` ask for; False if they disagree."""
    wanted = set()
    for name in ("subject", "patient"):
        if name in params:
            try:
                kind, id_, version = parse_reference(params[name], "Patient")
            except ValueError as exc:
                raise _invalid(name, str(exc)) from exc
            if version is not None or (name == "patient" and kind != "Patient"):
                raise _invalid(name, "not a Patient reference (Patient/id or id)")
            wanted.add(f"{kind}/{id_}")
    if len(wanted) > 1:
        return None, False
    return next(iter(wanted), None), True


def _bounds(values: list[str]) -> DateBounds:
    bounds = DateBounds()
    for value in values:
        try:
            bounds = bounds.narrow(date_bounds(value))
        except ValueError as exc:
            raise _invalid("date", str(exc)) from exc
    return bounds


def _page_link(relation: str, params: list[tuple[str, t.Any]], offset: int) -> dict[str, str]:
    query = urlencode([*params, ("_offset", offset)])
    return {"relation": relation, "url": f"{link(request.path)}?{query}"}


def _searchset(entries: list[dict[str, t.Any]], total: int,
               links: list[dict[str, str]]) -> Response:
    return fhir_response(searchset(entries, total, links))


def _entry(endpoint: str, resource: dict[str, t.Any], mode: str) -> dict[str, t.Any]:
    return search_entry(link(url_for(endpoint, id=resource["id"])[len(request.script_root):]),
                        resource, mode)


def _check_offset(offset: int) -> None:
    """400 naming ``_offset`` when it is past ``SEARCH_MAX_OFFSET``.

    Skipping rows costs the database as much as reading them (PostgreSQL sorts every match up
    to the offset, on disk once past ``work_mem``), so one client paging very deep could slow
    every other; the bound keeps the cost of a request small. A client that needs older
    results narrows the search (subject, patient, date) instead.
    """
    deepest = current_app.config["SEARCH_MAX_OFFSET"]
    if offset > deepest:
        raise InvalidRequest.many([Issue(
            f"_offset: {offset} is deeper than this server pages ({deepest} at most); narrow "
            "the search (subject, patient or a date range such as date=lt2026-01-01) "
            "instead of paging further",
            ("http._offset",), "too-costly")])


@bp.get("/ClinicalImpression")
def search_impressions() -> Response:
    """Stored ClinicalImpressions by subject or patient and date, newest first, paged."""
    params = _query(ImpressionSearch())
    subject, satisfiable = _subject(params)
    bounds = _bounds(params.get("date", []))
    count, offset = params["count"], params["offset"]
    _check_offset(offset)
    store = _store()
    page: list[Stored] = []
    total = 0
    if satisfiable and not bounds.empty:
        statuses = set(params["status"].split(",")) if "status" in params else None
        page, total = store.search(subject=subject, date_ge=bounds.ge, date_le=bounds.le,
                                   date_excluded=bounds.excluded, count=count, offset=offset,
                                   newest_first=params["sort"] == "-date", statuses=statuses)
    kept: list[tuple[str, t.Any]] = [(name, params[name])
                                     for name in ("subject", "patient", "status") if name in params]
    kept += [("date", value) for value in params.get("date", [])]
    kept += [("_count", count), ("_sort", params["sort"])]
    if "revinclude" in params:
        kept.append(("_revinclude", params["revinclude"]))
    links = [_page_link("self", kept, offset)]
    if count and offset + count < total and offset + count <= current_app.config[
            "SEARCH_MAX_OFFSET"]:  # no link to a page the server would refuse
        links.append(_page_link("next", kept, offset + count))
    if count and offset > 0:
        links.append(_page_link("previous", kept, max(offset - count, 0)))
    if subject is not None:
        concerns(patients=[subject])
    for found in page:
        _audit_stored(found, provenance="revinclude" in params)
    entries = [_entry("results.read_impression", s.impression, "match") for s in page]
    if "revinclude" in params:
        entries += [_entry("results.read_provenance", s.provenance, "include") for s in page]
    return _searchset(entries, total, links)


@bp.get("/Provenance")
def search_provenance() -> Response:
    """The Provenance of one stored result: ``target=ClinicalImpression/{id}[/_history/{v}]``."""
    params = _query(ProvenanceSearch())
    try:
        kind, id_, version = parse_reference(params["target"], "ClinicalImpression")
    except ValueError as exc:
        raise _invalid("target", str(exc)) from exc
    store = _store()
    stored = store.provenance_for(id_) if kind == "ClinicalImpression" else None
    found: list[dict[str, t.Any]] = []
    if stored is not None:
        # the creation's Provenance targets version 1, a retraction's the version it made
        retraction = store.retraction_for(id_)
        found = [p for p in (stored.provenance, retraction) if p is not None and (
            version is None or p["target"][0]["reference"].endswith(f"/_history/{version}"))]
        concerns(patients=_subject_of(stored.impression),
                 resources=[f"ClinicalImpression/{id_}", *(f"Provenance/{p['id']}" for p in found)])
    entries = [_entry("results.read_provenance", p, "match") for p in found]
    self_link = {"relation": "self", "url": f"{link(request.path)}?{urlencode(params)}"}
    return _searchset(entries, len(entries), [self_link])
