"""Small valid results to store, for the store and API tests (the real operation lands later)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime

from service.store import NewResult

_SEQUENCE = itertools.count()
PROTOCOL = "https://neuroroot.example/fhir/rules/2026.1"


def make_result(
    *,
    subject: str = "Patient/p1",
    date: datetime | None = None,
    identifier_key: str | None = None,
    content_key: str | None = None,
    summary: str = "Left L5 radiculopathy is likely (score 0.82) – réflexes ≥ normal.",
    client: str | None = None,
) -> NewResult:
    """A ClinicalImpression + Provenance pair valid in R4, with unique keys unless given."""
    date = date or datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    if content_key is None:
        content_key = hashlib.sha256(f"result-{next(_SEQUENCE)}".encode()).hexdigest()
    when = date.isoformat()
    impression = {
        "resourceType": "ClinicalImpression",
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>Left L5</p></div>',
        },
        "status": "completed",
        "subject": {"reference": subject},
        "effectiveDateTime": when,
        "date": when,
        "protocol": [PROTOCOL],
        "summary": summary,
        "investigation": [
            {
                "code": {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "271336007",
                            "display": "Examination / signs",
                        }
                    ]
                },
                "item": [{"reference": "Observation/o1"}],
            }
        ],
        "finding": [
            {
                "itemCodeableConcept": {"text": "Left L5 radiculopathy"},
                "basis": "decreased sensation at the dorsum of the left foot (Observation/o1)",
            }
        ],
    }
    provenance = {
        "resourceType": "Provenance",
        "recorded": when,
        "policy": [PROTOCOL],
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "code": "author",
                        }
                    ]
                },
                "who": {"display": "neuroroot 0.1.0"},
            }
        ],
        "entity": [{"role": "source", "what": {"reference": "Observation/o1"}}],
    }
    return NewResult(
        impression=impression,
        provenance=provenance,
        subject=subject,
        date=date,
        identifier_key=identifier_key,
        content_key=content_key,
        client=client,
    )
