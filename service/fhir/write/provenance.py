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

__all__ = ["render_provenance"]


def render_provenance(
    parsed: ParsedRequest, used: t.Sequence[str], table: Table, now: datetime
) -> dict[str, t.Any]:
    """The Provenance of a result, without ``target`` (the caller adds the stored reference)."""
    return {
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
        "policy": [protocol_url(table)],
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
        "entity": [{"role": "source", "what": parsed.references[r]} for r in used],
    }
