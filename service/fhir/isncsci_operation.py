"""The ``$classify-isncsci`` operation from request document to rendered resources.

Shared by the HTTP view and ``neuroroot isncsci``, so both give the same Bundle.
"""

from __future__ import annotations

import hashlib
import typing as t
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from ..core.isncsci import Classification, classify
from ..errors import Unprocessable
from .read.isncsci import IsncsciRequest, parse_isncsci
from .write.isncsci import (
    OBSERVATION_COUNT,
    classification_observations,
    isncsci_protocol_url,
    render_isncsci_provenance,
)

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = ["Classified", "classify_isncsci"]


@dataclass(frozen=True, slots=True)
class Classified:
    """What the operation produced, before storage."""

    result: Classification
    request: IsncsciRequest
    observations: list[dict[str, t.Any]]  #: the panel first
    provenance: dict[str, t.Any]
    subject: str
    date: datetime
    identifier_key: str | None
    content_key: str


def classify_isncsci(
    document: t.Any,
    table: Table,
    *,
    max_entries: int,
    reference: t.Callable[[str], str] = lambda rid: f"Observation/{rid}",
    now: datetime | None = None,
) -> Classified:
    """Parse *document*, classify the exam, render the Observations and their Provenance.

    :param reference: id -> the reference string of an Observation in the answer.
    :raise InvalidRequest: malformed input (400).
    :raise Unprocessable: well-formed but unusable input (422).
    """
    request = parse_isncsci(document, table, max_entries=max_entries)
    subject = (request.subject or {}).get("reference")
    if not subject:
        raise Unprocessable(
            "no Observation names its subject by reference: a classification needs one subject "
            "(Patient/<id>)",
            "Observation.subject",
        )
    moment = now or datetime.now(UTC)
    result = classify(request.exam)
    ids = [str(uuid.uuid4()) for _ in range(OBSERVATION_COUNT)]
    observations = classification_observations(result, request, ids, moment, reference)
    provenance = render_isncsci_provenance(request, moment)
    content_key = hashlib.sha256(
        f"{isncsci_protocol_url()}\n{request.content_key}".encode()
    ).hexdigest()
    identifier_key = "|".join(request.identifier) if request.identifier else None
    date = moment
    return Classified(
        result, request, observations, provenance, subject, date, identifier_key, content_key
    )
