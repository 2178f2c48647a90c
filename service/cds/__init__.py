"""CDS Hooks 2.0 services: the localization inside the EHR's workflow (docs/cds-hooks.md).

``GET /cds-services`` (discovery), ``POST /cds-services/{id}`` (a hook call, answered with
``{"cards": [...]}``) and ``POST /cds-services/{id}/feedback``. The views only translate: the
request shapes are :mod:`.shapes`, the FHIR content goes through ``service.fhir`` (the same
:func:`~service.fhir.operation.run_operation` as ``$localize-root``), the result is stored with
its Provenance like ``$localize-root``'s (idempotent), the cards are :mod:`.cards`, the client
JWT :mod:`.security`, the fallback fetch :mod:`.fetch`. Errors are OperationOutcomes.

Operators read the feedback with ``neuroroot cds feedback`` (NDJSON, one line per feedback
with its card): the feedback names cards, not patients, but the CDS JWT of an EHR grants no
operator rights, so no HTTP route exposes it.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, g, request

from ..audit import concerns
from ..errors import InvalidRequest, NotFound, NothingToLocalize, PreconditionFailed, Unprocessable
from ..fhir.http import check_content_type, link, public_base
from ..fhir.operation import run_operation
from ..fhir.read.body import read_body
from ..fhir.read.cds_exam import as_bundle, bundle_resources, latest_exam
from ..fhir.read.json_body import read_json
from ..fhir.read.translate_request import check_no_nulls
from ..store import NewResult
from ..store.cds import CdsRecords, IssuedCard
from . import isncsci
from .cards import classification_card, localization_card
from .fetch import fetch_exams, parse_allow_list
from .security import load_cds_verifier
from .services import PATIENT_VIEW, SERVICES
from .shapes import HookCall, read_feedback, read_hook_call

__all__ = ["bp", "init_app"]

bp = Blueprint("cds", __name__, url_prefix="/cds-services")


def init_app(app: Flask) -> None:
    """Load the CDS JWT settings and the fetch allow-list, and register the blueprint.

    :raise ConfigError: when ``NEUROROOT_CDS_JWT_ISSUERS`` is unusable.
    """
    app.extensions["cds_verifier"] = load_cds_verifier(app.config)
    app.extensions["cds_fhir_servers"] = parse_allow_list(app.config.get("CDS_FHIR_SERVERS"))
    app.extensions.setdefault("cds_isncsci", isncsci.classify_exam)
    app.register_blueprint(bp)


def _records() -> CdsRecords | None:
    store = current_app.extensions.get("store")
    return None if store is None else CdsRecords(store)


def _json(document: t.Any, status: int = 200) -> Response:
    return current_app.response_class(
        current_app.json.dumps(document), status=status, mimetype="application/json"
    )


@bp.before_request
def _authenticate() -> None:
    """The CDS client's JWT, on every call when ``NEUROROOT_CDS_JWT_ISSUERS`` is set."""
    if request.method == "OPTIONS":
        return
    verifier = current_app.extensions.get("cds_verifier")
    if verifier is None:
        return
    audience = link(request.path)
    claims = verifier.claims(request.headers.get("Authorization"), audience, _records())
    issuer = claims["iss"]
    # for the audit trail: the CDS client is the issuer (its JWT rarely has a sub)
    g.auth_claims = {"iss": issuer, "sub": claims.get("sub") or issuer, "client_id": issuer}
    g.cds_client = issuer


@bp.get("")
def discovery() -> Response:
    """CDS Hooks 2.0 discovery: the services, their hooks and prefetch templates."""
    return _json({"services": list(SERVICES.values())})


def _service(service_id: str) -> dict[str, t.Any]:
    service = SERVICES.get(service_id)
    if service is None:
        raise NotFound(f"no CDS service {service_id[:64]!r}; GET /cds-services lists them")
    return service


def _body() -> t.Any:
    check_content_type()
    config = current_app.config
    body = read_body(request.environ, config["MAX_BODY_BYTES"])
    return read_json(body, max_depth=config["MAX_JSON_DEPTH"])


def _exam_document(call: HookCall) -> t.Any | None:
    """The exam to localize as a FHIR document, or None when there is no data (no cards)."""
    if call.hook != "patient-view":
        check_no_nulls(call.context["exam"], "context.exam")
        return call.context["exam"]
    prefetch = call.prefetch or {}
    if "exams" in prefetch and prefetch["exams"] is None:
        return None  # the client has no data for the template
    exams = prefetch.get("exams")
    if "exams" in prefetch and not isinstance(exams, dict):
        raise InvalidRequest(
            "prefetch.exams must be a Bundle, an OperationOutcome or null", "prefetch.exams"
        )
    if isinstance(exams, dict) and exams.get("resourceType") != "OperationOutcome":
        entries = bundle_resources(exams, "prefetch.exams")
    else:  # missing, or the client's prefetch failed (an OperationOutcome): fetch it ourselves
        if not call.fhir_server:
            raise PreconditionFailed(
                "the prefetch 'exams' is missing and no fhirServer was given to fetch it from",
                "prefetch.exams",
            )
        config = current_app.config
        entries = fetch_exams(
            call.fhir_server,
            call.context["patientId"],
            call.access_token,
            allow_list=current_app.extensions["cds_fhir_servers"],
            timeout=float(config["CDS_FETCH_TIMEOUT"]),
            max_bytes=int(config["CDS_FETCH_MAX_BYTES"]),
        )
    exam = latest_exam(entries)
    if not any(e["resource"].get("resourceType") == "Observation" for e in exam):
        return None
    return as_bundle(exam)


def _same_patient(subject: str, patient_id: str) -> bool:
    reference = subject.split("/_history/")[0]
    return reference == f"Patient/{patient_id}" or reference.endswith(f"/Patient/{patient_id}")


@bp.post("/<service_id>")
def call(service_id: str) -> Response:
    """A hook call: localize the exam, store the result, answer the cards."""
    service = _service(service_id)
    store = current_app.extensions.get("store")
    base = public_base()  # a Host that links may not use is refused before any work
    hook_call = read_hook_call(_body(), service["hook"])
    document = _exam_document(hook_call)
    if document is None:
        return _json({"cards": []})
    config = current_app.config
    table = current_app.extensions["terminology"]
    try:
        outcome = run_operation(document, table, max_entries=config["MAX_ENTRIES"])
    except NothingToLocalize:
        if service_id == PATIENT_VIEW:
            return _json({"cards": []})  # opening a chart with no neuro exam: nothing to say
        raise
    if not _same_patient(outcome.subject, hook_call.context["patientId"]):
        raise Unprocessable(
            "the exam's Observations are about another patient than context.patientId",
            "context.patientId",
        )
    impression, page = outcome.impression, None
    if store is not None:
        stored = store.save(
            NewResult(
                impression=outcome.impression,
                provenance=outcome.provenance,
                subject=outcome.subject,
                date=outcome.date,
                identifier_key=outcome.identifier_key,
                content_key=outcome.content_key,
                client=g.get("auth_client"),
            )
        )
        impression = stored.impression
        page = link(f"/fhir/ClinicalImpression/{stored.id}?_format=html")
        concerns(patients=[outcome.subject], resources=[f"ClinicalImpression/{stored.id}"])
    else:
        concerns(patients=[outcome.subject])
    assert outcome.assessment is not None
    cards = [
        localization_card(outcome.assessment, base_url=base, impression=impression, page_url=page)
    ]
    observations = [
        e["resource"]
        for e in (document.get("entry") or [])
        if isinstance(e, dict)
        and isinstance(e.get("resource"), dict)
        and e["resource"].get("resourceType") == "Observation"
    ]
    classification = current_app.extensions["cds_isncsci"](observations)
    if classification is not None:
        cards.append(classification_card(classification, base_url=base))
    records = _records()
    if records is not None:
        now = datetime.now(UTC)
        records.save_cards(
            [
                IssuedCard(
                    uuid=card["uuid"],
                    service_id=service_id,
                    hook_instance=hook_call.hook_instance,
                    impression_id=impression.get("id"),
                    indicator=card["indicator"],
                    summary=card["summary"],
                    issued_at=now,
                    card=_without_resources(card),
                )
                for card in cards
            ]
        )
    return _json({"cards": cards})


def _without_resources(card: dict[str, t.Any]) -> dict[str, t.Any]:
    """The card as kept: each action's resource replaced by its reference (no patient data)."""
    kept = dict(card)
    if "suggestions" in card:
        kept["suggestions"] = [
            {
                **s,
                "actions": [
                    {k: v for k, v in a.items() if k != "resource"}
                    | (
                        {"resourceId": f"{a['resource']['resourceType']}/{a['resource']['id']}"}
                        if isinstance(a.get("resource"), dict) and a["resource"].get("id")
                        else {}
                    )
                    for a in s.get("actions", ())
                ],
            }
            for s in card["suggestions"]
        ]
    return kept


@bp.post("/<service_id>/feedback")
def feedback(service_id: str) -> Response:
    """Feedback on cards this service issued: stored with each card (200), 404 if unknown."""
    _service(service_id)
    items = read_feedback(_body())
    records = _records()
    stored = (
        None if records is None else records.add_feedback(service_id, items, g.get("cds_client"))
    )
    if stored is None:
        known = set()
        if records is not None:
            known = {i.card for i in items if records.card(service_id, i.card) is not None}
        index = next(i for i, item in enumerate(items) if item.card not in known)
        raise NotFound(
            f"no card {items[index].card[:64]!r} was issued by {service_id}",
            f"feedback[{index}].card",
        )
    return current_app.response_class(status=200)
