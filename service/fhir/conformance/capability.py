"""The CapabilityStatement and the OperationDefinitions ($localize-root, $classify-isncsci,
Bundle $validate).

One description of what the server does: ``rest.resource`` comes from the REST surface's
declaration (``service/api/surface.py``); tests check it against the Flask routes and openapi.yaml,
so they cannot drift apart.
"""

from __future__ import annotations

import typing as t

from terminology import CANONICAL_BASE

from ...cors import cors_enabled
from ...version import __version__
from ..http import FHIR_VERSION

__all__ = [
    "ISNCSCI_OPERATION_URL",
    "OPERATION_DEFINITIONS",
    "OPERATION_URL",
    "VALIDATE_URL",
    "capability_statement",
    "isncsci_operation_definition",
    "operation_definition",
    "validate_definition",
]

OPERATION_URL = f"{CANONICAL_BASE}/OperationDefinition/localize-root"
ISNCSCI_OPERATION_URL = f"{CANONICAL_BASE}/OperationDefinition/classify-isncsci"
VALIDATE_URL = f"{CANONICAL_BASE}/OperationDefinition/Bundle-validate"
RESOURCE_VALIDATE = "http://hl7.org/fhir/OperationDefinition/Resource-validate"
TRANSLATE_URL = "http://hl7.org/fhir/OperationDefinition/ConceptMap-translate"
SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"
RELEASE_DATE = "2026-11-21"

#: the largest search page (service.api.surface.MAX_COUNT; a test keeps them equal)
MAX_PAGE = 100

_TEXT = '<div xmlns="http://www.w3.org/1999/xhtml"><p>{}</p></div>'


#: the inputs both operations take: the exam as one Bundle, or its Observations one by one.
EXAM_INPUTS: tuple[dict[str, t.Any], ...] = (
    {
        "name": "bundle",
        "use": "in",
        "min": 0,
        "max": "1",
        "type": "Bundle",
        "documentation": "The exam Observations as a Bundle of any type (use this or "
        "`observation`).",
    },
    {
        "name": "observation",
        "use": "in",
        "min": 0,
        "max": "*",
        "type": "Observation",
        "documentation": "One exam Observation per parameter (use this or `bundle`).",
    },
)


def operation_definition() -> dict[str, t.Any]:
    """The OperationDefinition of ``POST /fhir/ClinicalImpression/$localize-root``."""
    description = (
        "Localizes the most likely spinal nerve root(s) and side from neurological exam "
        "Observations (sensation at body sites, deep tendon reflexes, muscle strength) and answers "
        "with a ClinicalImpression: ranked root hypotheses, non-root patterns (polyneuropathy, "
        "cauda equina, myelopathy, peripheral-nerve mimics) and the evidence for and against each. "
        "Non-root patterns are detected first and the findings they explain stop supporting "
        "roots: cord syndromes (a sensory level with upper-motor-neuron signs named 'at or above' "
        "its level, Brown-Sequard, hemiparesis), polyradiculoneuropathy, polyradiculopathy, "
        "bilateral radiculopathy (possible cauda equina, URGENT only on the SBNS/BASS and GIRFT "
        "triggers), and radial, axillary, suprascapular, tibial and sciatic nerve and "
        "lumbosacral plexus mimics. "
        "A single root inside a picture of several roots' weakness on one side (plexus or "
        "several roots, which only EMG/NCS tell apart) is at most possible unless it has "
        "evidence of its own. "
        "The "
        "body is a Bundle of any type (only entry.resource is read; the single-resource-input "
        "form), a Parameters resource with one `bundle` or repeated `observation` parameters, or "
        "one bare Observation. The result and its Provenance are stored unless the server runs "
        "stateless; posting the same input again returns the stored result. Retries are keyed by "
        "Bundle.identifier (and by content), per client: the same identifier with the same "
        "content answers the stored result, with different content (other Observations, "
        "another patient) 409, never the stored answer; another client's identifiers never "
        "match (the bearer token's client_id, else azp, else sub; one anonymous client "
        "without authentication)."
    )
    return {
        "resourceType": "OperationDefinition",
        "id": "localize-root",
        "text": {
            "status": "generated",
            "div": _TEXT.format("$localize-root: exam Observations in, ClinicalImpression out."),
        },
        "url": OPERATION_URL,
        "version": __version__,
        "name": "LocalizeRoot",
        "title": "Localize nerve root from neurological exam findings",
        "status": "active",
        "kind": "operation",
        "date": RELEASE_DATE,
        "publisher": "neuroroot",
        "description": description,
        "affectsState": True,
        "code": "localize-root",
        "resource": ["ClinicalImpression"],
        "system": False,
        "type": True,
        "instance": False,
        "parameter": [
            *EXAM_INPUTS,
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "type": "ClinicalImpression",
                "documentation": "The assessment: ranked findings, their basis, summary, notes.",
            },
        ],
    }


def isncsci_operation_definition() -> dict[str, t.Any]:
    """The OperationDefinition of ``POST /fhir/Observation/$classify-isncsci``."""
    description = (
        "Classifies an ISNCSCI exam (International Standards for Neurological Classification of "
        "Spinal Cord Injury, 2019 revision) exactly like the reference classifier (praxis "
        "isncsci 2.0.6): sensory and motor levels, neurological level of injury, complete or "
        "incomplete, ASIA Impairment Scale, zones of partial preservation and the 14 totals. "
        "Input: a Bundle of any type or a Parameters resource (`bundle` or `observation` "
        "parameters) of exam Observations: neuro-exam light-touch / pin-prick with the key point "
        "in bodySite (a spinal-segment code C2...S4-5 or a SNOMED CT key-point site) and the "
        "side as a SNOMED laterality extension, valueInteger 0-2; the ten key-muscle movement "
        "codes with the side, valueInteger 0-5; voluntary-anal-contraction and "
        "deep-anal-pressure (valueBoolean); lowest-non-key-muscle-with-motor-function "
        "(valueCodeableConcept, a segment code); dataAbsentReason for not testable; the "
        "extension http://neuroroot.org/fhir/StructureDefinition/isncsci-non-sci-impairment "
        "(consider-not-normal or consider-normal) on abnormal or not-testable items. Missing "
        "items count as not testable and are named in the notes. Output: a collection Bundle, "
        "the panel Observation (code classification, hasMember, derivedFrom, note = the "
        "reasoning) first, then one Observation per element (valueCodeableConcept.text in the "
        "reference's notation, coding when one value is possible, possible-value components "
        "otherwise) and per total (valueInteger, or dataAbsentReason unknown for ND). Stored "
        "with a Provenance unless the server runs stateless; retries are idempotent per client "
        "as for $localize-root."
    )
    return {
        "resourceType": "OperationDefinition",
        "id": "classify-isncsci",
        "text": {
            "status": "generated",
            "div": _TEXT.format("$classify-isncsci: an ISNCSCI exam in, its classification out."),
        },
        "url": ISNCSCI_OPERATION_URL,
        "version": __version__,
        "name": "ClassifyIsncsci",
        "title": "Classify an ISNCSCI spinal cord injury exam",
        "status": "active",
        "kind": "operation",
        "date": RELEASE_DATE,
        "publisher": "neuroroot",
        "description": description,
        "affectsState": True,
        "code": "classify-isncsci",
        "resource": ["Observation"],
        "system": False,
        "type": True,
        "instance": False,
        "parameter": [
            *EXAM_INPUTS,
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "type": "Bundle",
                "documentation": "A collection Bundle: the panel Observation, then one "
                "Observation per element and total.",
            },
        ],
    }


def validate_definition() -> dict[str, t.Any]:
    """The OperationDefinition of ``POST /fhir/Bundle/$validate`` (FHIR's $validate, narrowed)."""
    description = (
        "FHIR's $validate (based on Resource-validate) at the type of the $localize-root input: "
        "checks an exam against the input profile the way $localize-root reads it, without "
        "localizing or storing anything. The body is the Bundle itself or a Parameters resource "
        "with a `resource` parameter (and optionally `mode` = create); the other input forms "
        "of $localize-root (Parameters with `bundle` or `observation`, one bare Observation) "
        "are accepted as well. The answer is always 200 with an OperationOutcome: one "
        "`information` issue per Observation that would be used, one `warning` per resource "
        "skipped (with the reason) and per reading warning, and the `error` issues (with "
        "expression) of the 400, 413 or 422 the operation would answer. The retry check of "
        "Bundle.identifier (409) needs the store and is not made."
    )
    return {
        "resourceType": "OperationDefinition",
        "id": "Bundle-validate",
        "text": {
            "status": "generated",
            "div": _TEXT.format("$validate: an exam in, what $localize-root would make of it out."),
        },
        "url": VALIDATE_URL,
        "version": __version__,
        "name": "ValidateExam",
        "title": "Validate a $localize-root input (used, skipped, refused)",
        "status": "active",
        "kind": "operation",
        "date": RELEASE_DATE,
        "publisher": "neuroroot",
        "description": description,
        "affectsState": False,
        "code": "validate",
        "base": RESOURCE_VALIDATE,
        "resource": ["Bundle"],
        "system": False,
        "type": True,
        "instance": False,
        "parameter": [
            {
                "name": "resource",
                "use": "in",
                "min": 0,
                "max": "1",
                "type": "Resource",
                "documentation": "The exam to check (a Bundle); or send it as the body.",
            },
            {
                "name": "mode",
                "use": "in",
                "min": 0,
                "max": "1",
                "type": "code",
                "documentation": "Only `create` (the default): validated as an exam to post.",
            },
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "type": "OperationOutcome",
                "documentation": "Each input used (information), skipped (warning) or the "
                "refusal (error), with expressions.",
            },
        ],
    }


#: id -> builder of every OperationDefinition served at ``/fhir/OperationDefinition/{id}``.
OPERATION_DEFINITIONS: dict[str, t.Callable[[], dict[str, t.Any]]] = {
    "localize-root": operation_definition,
    "classify-isncsci": isncsci_operation_definition,
    "Bundle-validate": validate_definition,
}


def capability_statement(
    config: t.Mapping[str, t.Any], base_url: str, resources: t.Sequence[t.Mapping[str, t.Any]]
) -> dict[str, t.Any]:
    """The server's CapabilityStatement (kind instance), with the limits in force.

    :param resources: ``rest.resource``, generated from the REST surface's declaration
        (:func:`service.api.surface.capability_resources`).
    """
    limits = (
        f"Limits: request bodies up to {config['MAX_BODY_BYTES']} bytes and "
        f"{config['MAX_ENTRIES']} entries (413 beyond), JSON nesting up to "
        f"{config['MAX_JSON_DEPTH']} levels (400 beyond); a request is stopped after "
        f"{config['REQUEST_TIMEOUT']} s (under gunicorn); search pages of up to "
        f"{MAX_PAGE} entries (a larger _count is clamped), _offset up to "
        f"{config['SEARCH_MAX_OFFSET']} (400 beyond: follow the next links, which are keyset "
        "cursors, or narrow the search). "
        "JSON (application/fhir+json, application/json) and XML (application/fhir+xml) in and "
        "out; fhirVersion 4.0."
    )
    stored = bool(config.get("STORE_ENABLED"))
    security: dict[str, t.Any] = {"cors": cors_enabled(config)}
    if config.get("AUTH_ENABLED"):
        smart = {"system": SECURITY_SERVICE, "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"}
        security["service"] = [{"coding": [smart], "text": "OAuth2 bearer JWT, SMART scopes"}]
        security["description"] = (
            "Bearer JWT (RS256 or ES256) with SMART v2 system scopes (v1 read/write accepted): "
            "system/ClinicalImpression.c for $localize-root and Bundle $validate, "
            "system/Observation.c for $classify-isncsci, system/ClinicalImpression.u to retract "
            "(PATCH), system/[type].r to read and .s to search ClinicalImpression, Observation, "
            "Provenance, CodeSystem, ConceptMap (.r for $translate) "
            "and OperationDefinition; wildcards such as system/*.rs. GET /fhir/metadata is public."
        )
    else:
        security["description"] = "No access control (local use)."
    return {
        "resourceType": "CapabilityStatement",
        "id": "neuroroot",
        "text": {
            "status": "generated",
            "div": _TEXT.format(
                f"neuroroot {__version__}: FHIR R4 nerve-root localization server."
            ),
        },
        "url": f"{CANONICAL_BASE}/CapabilityStatement/neuroroot",
        "version": __version__,
        "name": "Neuroroot",
        "title": "neuroroot nerve-root localization server",
        "status": "active",
        "date": RELEASE_DATE,
        "publisher": "neuroroot",
        "description": "Structured neurological findings in, nerve-root localization out. "
        + limits
        + ("" if stored else " Storage is off: results are not kept."),
        "kind": "instance",
        "software": {"name": "neuroroot", "version": __version__},
        "implementation": {"description": "neuroroot FHIR endpoint", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", "application/fhir+json", "xml", "application/fhir+xml"],
        "rest": [
            {
                "mode": "server",
                "documentation": limits,
                "security": security,
                "resource": list(resources),
            }
        ],
    }
