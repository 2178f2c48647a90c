"""The Provenance of a result (DESIGN 5): this service, as a contained Device, made it from the
input Observations under the protocol of the rules and table version.

``target`` is left to the caller, which knows the stored reference. Software is never put in
``ClinicalImpression.assessor`` (R4 allows only people there): it is this resource's agent.
"""

from __future__ import annotations

import typing as t

from ...version import __version__
from .impression import instant, protocol_url

if t.TYPE_CHECKING:
    from datetime import datetime

    from terminology import Table

    from ..read.request import ParsedRequest

__all__ = ["CLIENT_SYSTEM", "creation_provenance", "render_provenance", "render_retraction"]

#: the identifier system of an OAuth client named as a Provenance agent.
CLIENT_SYSTEM = "http://neuroroot.org/fhir/sid/oauth-client"


def render_provenance(
    parsed: ParsedRequest, used: t.Sequence[str], table: Table, now: datetime
) -> dict[str, t.Any]:
    """The Provenance of a result, without ``target`` (the caller adds the stored reference)."""
    return creation_provenance(protocol_url(table), [parsed.references[r] for r in used], now)


def creation_provenance(
    policy: str, sources: t.Sequence[dict[str, t.Any]], now: datetime
) -> dict[str, t.Any]:
    """The Provenance of anything this service made (a root result, an ISNCSCI classification):
    this service as a contained Device, activity CREATE under *policy* (the protocol URL), each
    input Observation reference of *sources* an entity with role ``source``; no ``target``."""
    provenance: dict[str, t.Any] = {
        "resourceType": "Provenance",
        "contained": [
            {
                "resourceType": "Device",
                "id": "neuroroot",
                "deviceName": [{"name": "neuroroot", "type": "model-name"}],
                "version": [{"value": __version__}],
            }
        ],
        "recorded": instant(now),
        "policy": [policy],
        "activity": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                    "code": "CREATE",
                    "display": "create",
                }
            ]
        },
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "code": "author",
                            "display": "Author",
                        }
                    ]
                },
                "who": {"reference": "#neuroroot", "display": f"neuroroot {__version__}"},
            }
        ],
    }
    if sources:  # FHIR JSON has no empty arrays
        provenance["entity"] = [{"role": "source", "what": what} for what in sources]
    return provenance


def render_retraction(previous: str, client: str | None, now: datetime) -> dict[str, t.Any]:
    """The Provenance of a retraction (without ``target``: the store names the new version).

    :param previous: the version retracted (``ClinicalImpression/{id}/_history/1``), the entity
        revised.
    :param client: the bearer token's client (``client_id:...``), the agent who retracted it;
        None without authentication, when the agent is this service (as a contained Device).
    """
    participant = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
    resource: dict[str, t.Any] = {"resourceType": "Provenance"}
    if client:
        who: dict[str, t.Any] = {
            "type": "Device",
            "identifier": {"system": CLIENT_SYSTEM, "value": client},
            "display": "the API client that retracted the result",
        }
    else:
        resource["contained"] = [
            {
                "resourceType": "Device",
                "id": "neuroroot",
                "deviceName": [{"name": "neuroroot", "type": "model-name"}],
                "version": [{"value": __version__}],
            }
        ]
        who = {"reference": "#neuroroot", "display": f"neuroroot {__version__} (no access control)"}
    resource |= {
        "recorded": instant(now),
        "activity": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                    "code": "NULLIFY",
                    "display": "nullify",
                }
            ],
            "text": "retracted as entered in error",
        },
        "agent": [
            {
                "type": {
                    "coding": [{"system": participant, "code": "author", "display": "Author"}]
                },
                "who": who,
            }
        ],
        "entity": [{"role": "revision", "what": {"reference": previous}}],
    }
    return resource
