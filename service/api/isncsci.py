"""ISNCSCI classification (DESIGN section 9): ``POST /fhir/Observation/$classify-isncsci``, and
the stored Observations: ``GET /fhir/Observation/{id}``, ``GET /fhir/Observation?subject|patient|
code|_count|_offset``.

The operation answers a ``collection`` Bundle (the panel first). With storage on, the
classification and its Provenance are stored (a replay of the same exam by the same client
answers the stored Bundle), every ``fullUrl`` is the Observation's URL on this server, and the
Provenance is read at ``/fhir/Provenance/{id}`` or ``/fhir/Provenance?target=Observation/{id}``.
Stateless, the Observations are ``urn:uuid:`` entries. Search is newest first; ``code`` takes
``isncsci`` codes (``asia-impairment-scale``, ``system|code`` or a comma-separated list).
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, request
from marshmallow import Schema, fields, validate

from ..audit import concerns
from ..errors import InvalidRequest, NotFound
from ..fhir.http import check_content_type, fhir_response, link, public_base, version_headers
from ..fhir.isncsci_operation import classify_isncsci
from ..fhir.read.body import read_body
from ..fhir.read.json_body import read_json
from ..fhir.write.isncsci import ISNCSCI, classification_bundle
from ..fhir.write.searchset import search_entry, searchset
from ..store.records import NewClassification
from .results import _check_offset, _query, _resource, _store, _subject

bp = Blueprint("isncsci", __name__, url_prefix="/fhir")


@bp.post("/Observation/$classify-isncsci")
def classify() -> Response:
    """Classify an ISNCSCI exam (Bundle or Parameters of exam Observations)."""
    check_content_type()
    config = current_app.config
    store = current_app.extensions.get("store")
    if store is not None:
        public_base()  # a Host that links may not use is refused before any work
    body = read_body(request.environ, config["MAX_BODY_BYTES"])
    document = read_json(body, max_depth=config["MAX_JSON_DEPTH"])
    table = current_app.extensions["terminology"]
    if store is None:
        done = classify_isncsci(document, table, max_entries=config["MAX_ENTRIES"],
                                reference=lambda rid: f"urn:uuid:{rid}")
        concerns(patients=[done.subject])
        return fhir_response(classification_bundle(done.observations,
                                                   lambda rid: f"urn:uuid:{rid}"))
    done = classify_isncsci(document, table, max_entries=config["MAX_ENTRIES"])
    stored = store.classifications.save(NewClassification(
        observations=done.observations, provenance=done.provenance, subject=done.subject,
        date=done.date, identifier_key=done.identifier_key, content_key=done.content_key,
        client=g.get("auth_client")))
    concerns(patients=[done.subject],
             resources=[f"Observation/{o['id']}" for o in stored.observations[:1]]
             + [f"Provenance/{stored.provenance['id']}"])
    bundle = classification_bundle(stored.observations,
                                   lambda rid: link(f"/fhir/Observation/{rid}"))
    headers = {
        **version_headers(stored.version_id, stored.last_updated),
        "Content-Location": link(f"/fhir/Observation/{stored.id}/_history/{stored.version_id}"),
    }
    return fhir_response(bundle, 200, headers)


@bp.get("/Observation/<fhirid:id>")
def read_observation(id: str) -> Response:  # noqa: A002
    """One stored Observation of a classification (the panel or a member)."""
    found = _store().classifications.observation(id)
    if found is None:
        raise NotFound(f"no Observation with id {id!r}")
    concerns(patients=[found.subject], resources=[f"Observation/{id}"])
    return _resource(found.resource)


class ObservationSearch(Schema):
    """Query parameters of ``GET /fhir/Observation``."""

    subject = fields.String(validate=validate.Length(min=1))
    patient = fields.String(validate=validate.Length(min=1))
    code = fields.String(validate=validate.Length(min=1))
    count = fields.Integer(data_key="_count", load_default=20, validate=validate.Range(0, 100))
    offset = fields.Integer(data_key="_offset", load_default=0, validate=validate.Range(min=0))


def _codes(value: str) -> set[str]:
    """The ``code`` token list: ``code``, ``system|code`` (system isncsci) or ``|code``."""
    codes = set()
    for token in value.split(","):
        system, bar, code = token.rpartition("|")
        if bar and system not in ("", ISNCSCI):
            raise InvalidRequest(f"code: this server stores Observations coded in {ISNCSCI} only",
                                 "http.code")
        if not code:
            raise InvalidRequest("code: an empty code", "http.code")
        codes.add(code)
    return codes


@bp.get("/Observation")
def search_observations() -> Response:
    """Stored classification Observations by subject/patient and code, newest first, paged."""
    params = _query(ObservationSearch())
    subject, satisfiable = _subject(params)
    codes = _codes(params["code"]) if "code" in params else None
    count, offset = params["count"], params["offset"]
    _check_offset(offset)
    store = _store()
    found: list[dict[str, t.Any]] = []
    total = 0
    if satisfiable:
        found, total = store.classifications.search(subject=subject, codes=codes, count=count,
                                                    offset=offset)
    kept: list[tuple[str, t.Any]] = [(n, params[n]) for n in ("subject", "patient", "code")
                                     if n in params]
    kept.append(("_count", count))

    def page(relation: str, at: int) -> dict[str, str]:
        return {"relation": relation,
                "url": f"{link(request.path)}?{urlencode([*kept, ('_offset', at)])}"}

    links = [page("self", offset)]
    if count and offset + count < total and offset + count <= current_app.config[
            "SEARCH_MAX_OFFSET"]:
        links.append(page("next", offset + count))
    if count and offset > 0:
        links.append(page("previous", max(offset - count, 0)))
    if subject is not None:
        concerns(patients=[subject])
    for resource in found:
        concerns(patients=[resource["subject"]["reference"]],
                 resources=[f"Observation/{resource['id']}"])
    entries = [search_entry(link(f"/fhir/Observation/{r['id']}"), r) for r in found]
    return fhir_response(searchset(entries, total, links))

