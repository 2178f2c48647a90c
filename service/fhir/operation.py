"""The $localize-root operation from request document to rendered resources.

Shared by the HTTP view and ``neuroroot localize``, so both give the same ClinicalImpression.
"""

from __future__ import annotations

import hashlib
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime

from ..core import localize
from ..errors import Unprocessable
from .read.request import ParsedRequest, parse_request
from .write.impression import protocol_url, render_impression
from .write.provenance import render_provenance

if t.TYPE_CHECKING:
    from terminology import Table

    from ..core.model import Assessment

__all__ = ["Outcome", "check_exam", "run_operation"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the operation produced, before storage."""

    impression: dict[str, t.Any]
    provenance: dict[str, t.Any]
    parsed: ParsedRequest
    subject: str
    date: datetime
    identifier_key: str | None
    content_key: str
    #: the engine's result the resources were rendered from (the CDS Hooks cards read it).
    assessment: Assessment | None = None


def check_exam(document: t.Any, table: Table, *, max_entries: int) -> ParsedRequest:
    """Read *document* as the operation would, without localizing: what ``$validate`` checks.

    :raise InvalidRequest: malformed input (400).
    :raise PayloadTooLarge: too many entries (413).
    :raise Unprocessable: well-formed but unusable input (422), including no subject reference.
    """
    parsed = parse_request(document, table, max_entries=max_entries)
    if not (parsed.subject or {}).get("reference"):
        raise Unprocessable(
            "no Observation names its subject by reference: a ClinicalImpression "
            "needs one subject (Patient or Group)",
            "Observation.subject",
        )
    return parsed


def run_operation(
    document: t.Any, table: Table, *, max_entries: int, now: datetime | None = None
) -> Outcome:
    """Parse *document*, localize, and render the ClinicalImpression and its Provenance.

    :raise InvalidRequest: malformed input (400).
    :raise Unprocessable: well-formed but unusable input (422).
    """
    parsed = check_exam(document, table, max_entries=max_entries)
    subject = t.cast(str, (parsed.subject or {})["reference"])
    moment = now or datetime.now(UTC)
    assessment = localize(parsed.findings, table)
    impression = render_impression(assessment, parsed, table, moment)
    provenance = render_provenance(parsed, assessment.used, table, moment)
    protocol = protocol_url(table)
    content_key = hashlib.sha256(f"{protocol}\n{parsed.content_key}".encode()).hexdigest()
    identifier_key = "|".join(parsed.identifier) if parsed.identifier else None
    return Outcome(
        impression, provenance, parsed, subject, moment, identifier_key, content_key, assessment
    )
