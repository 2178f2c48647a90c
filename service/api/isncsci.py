"""ISNCSCI classification (DESIGN section 9): ``POST /fhir/Observation/$classify-isncsci``, and
the stored Observations: ``GET /fhir/Observation/{id}[/_history/{vid}]`` and ``GET
/fhir/Observation?...`` (or ``POST /fhir/Observation/_search``) with the parameters declared in
:mod:`service.api.surface`.

The operation answers a ``collection`` Bundle (the panel first). With storage on, the
classification and its Provenance are stored (a replay of the same exam by the same client
answers the stored Bundle), every ``fullUrl`` is the Observation's URL on this server, and the
Provenance is read at ``/fhir/Provenance/{id}`` or ``/fhir/Provenance?target=Observation/{id}``.
Stateless, the Observations are ``urn:uuid:`` entries. Search is newest exam first (ties by id),
keyset-paged like every search; ``code`` takes ``isncsci`` codes (``asia-impairment-scale``,
``system|code`` or a comma-separated list).

The panel Observation asked for as HTML (``Accept: text/html`` from a browser, or
``_format=html``) answers the worksheet page (:func:`service.web.worksheet.worksheet_page`): the
grid comes from the panel's ``isncsci-worksheet`` extension, the values and totals from the
stored members. A member Observation asked for as HTML is a 406 OperationOutcome naming its panel
(it has no page of its own; the panel's page shows it); so is a panel stored without the
extension (before it was written), whose JSON is still there.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, Response, current_app, g, request

from ..audit import concerns
from ..errors import NotAcceptable, NotFound
from ..fhir.http import (
    check_content_type,
    fhir_response,
    link,
    public_base,
    read_document,
    version_headers,
)
from ..fhir.isncsci_operation import classify_isncsci
from ..fhir.read.isncsci_worksheet import worksheet_grid
from ..fhir.write.isncsci import classification_bundle
from ..fhir.write.subset import subset
from ..store.records import NewClassification, Page, StoredObservation
from ..web.negotiate import wants_html
from .results import entry, read_response, require_store, search_response

bp = Blueprint("isncsci", __name__, url_prefix="/fhir")


@bp.post("/Observation/$classify-isncsci")
def classify() -> Response:
    """Classify an ISNCSCI exam (Bundle or Parameters of exam Observations), in FHIR JSON or
    FHIR XML like $localize-root."""
    check_content_type(xml=True)
    config = current_app.config
    store = current_app.extensions.get("store")
    if store is not None:
        public_base()  # a Host that links may not use is refused before any work
    document = read_document(config["MAX_BODY_BYTES"], config["MAX_JSON_DEPTH"])
    table = current_app.extensions["terminology"]
    if store is None:
        done = classify_isncsci(
            document,
            table,
            max_entries=config["MAX_ENTRIES"],
            reference=lambda rid: f"urn:uuid:{rid}",
        )
        concerns(patients=[done.subject])
        return fhir_response(
            classification_bundle(done.observations, lambda rid: f"urn:uuid:{rid}")
        )
    done = classify_isncsci(document, table, max_entries=config["MAX_ENTRIES"])
    stored = store.classifications.save(
        NewClassification(
            observations=done.observations,
            provenance=done.provenance,
            subject=done.subject,
            date=done.date,
            identifier_key=done.identifier_key,
            content_key=done.content_key,
            client=g.get("auth_client"),
        )
    )
    concerns(
        patients=[done.subject],
        resources=[f"Observation/{o['id']}" for o in stored.observations[:1]]
        + [f"Provenance/{stored.provenance['id']}"],
    )
    bundle = classification_bundle(
        stored.observations, lambda rid: link(f"/fhir/Observation/{rid}")
    )
    headers = {
        **version_headers(stored.version_id, stored.last_updated),
        "Content-Location": link(f"/fhir/Observation/{stored.id}/_history/{stored.version_id}"),
    }
    return fhir_response(bundle, 200, headers)


@bp.get("/Observation/<fhirid:id>")
def read_observation(id: str) -> Response:  # noqa: A002
    """One stored Observation of a classification (the panel or a member)."""
    found = require_store().classifications.observation(id)
    if found is None:
        raise NotFound(f"no Observation with id {id!r}")
    concerns(patients=[found.subject], resources=[f"Observation/{id}"])
    page: t.Callable[[dict[str, t.Any]], Response] | None = None
    if wants_html():
        page = _worksheet(found)
    response = read_response("Observation", found.resource, page)
    response.headers["Vary"] = "Accept"
    return response


def _worksheet(found: StoredObservation) -> t.Callable[[dict[str, t.Any]], Response]:
    """The worksheet page of a stored panel, or NotAcceptable (module docstring)."""
    expression = "http._format" if "_format" in request.args else "http.Accept"
    panel_id = found.result_id
    if found.resource["id"] != panel_id:
        raise NotAcceptable(
            f"Observation/{found.resource['id']} is one element of the ISNCSCI classification "
            f"Observation/{panel_id}: only that panel Observation has a page (the worksheet); "
            "this one answers application/fhir+json",
            expression,
        )
    grid = worksheet_grid(found.resource)
    if grid is None:
        raise NotAcceptable(
            f"Observation/{panel_id} was stored without its worksheet extension, so it has no "
            "page; it answers application/fhir+json",
            expression,
        )
    from ..web.worksheet import worksheet_page

    observations = require_store().classifications.members(panel_id)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": o} for o in observations],
    }
    return lambda _resource: worksheet_page(bundle, grid)


@bp.get("/Observation/<fhirid:id>/_history/<fhirid:vid>")
def vread_observation(id: str, vid: str) -> Response:  # noqa: A002
    """One version of a stored Observation (classifications never change: version 1; the
    operation's Content-Location)."""
    found = require_store().classifications.observation(id)
    if found is None or found.resource["meta"]["versionId"] != vid:
        raise NotFound(f"no Observation with id {id!r} and version {vid!r}")
    concerns(patients=[found.subject], resources=[f"Observation/{id}"])
    return read_response("Observation", found.resource)


def _entries(page: Page[StoredObservation], args: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    summary, elements = args.get("_summary"), args.get("_elements")
    for found in page.results:
        concerns(patients=[found.subject], resources=[f"Observation/{found.resource['id']}"])
    return [
        entry("isncsci.read_observation", subset(found.resource, summary, elements), "match")
        for found in page.results
    ]


@bp.get("/Observation")
@bp.post("/Observation/_search")
def search_observations() -> Response:
    """Stored classification Observations by id, subject or patient, code and _lastUpdated,
    newest exam first, keyset-paged (the conventions of :mod:`service.api.results`)."""
    classifications = require_store().classifications
    return search_response("Observation", classifications.search, _entries)
