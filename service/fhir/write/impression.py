"""Render the engine's assessment as an R4 ClinicalImpression (DESIGN 5; Provenance: provenance.py).

Plain dicts, serialised by orjson at the edge; the tests validate every one with fhir.resources
R4B and the official R4 JSON schema. Only R4 element names are used (``assessor``, never
``performer``; ``finding.itemCodeableConcept``, never ``finding.item``).
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from html import escape

from terminology import CANONICAL_BASE, NEURO_PATTERN, SNOMED, SPINAL_SEGMENT

from ...core import Assessment, Evidence, Hypothesis
from ...core.exam_map import exam_map
from ...version import __version__
from ..read.request import ParsedRequest
from .exam_map import render_exam_map

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = [
    "EXT_CONFIDENCE",
    "EXT_SCORE",
    "EXT_SIDE",
    "protocol_url",
    "render_impression",
]

EXT_SIDE = f"{CANONICAL_BASE}/StructureDefinition/finding-laterality"
EXT_SCORE = f"{CANONICAL_BASE}/StructureDefinition/finding-score"
EXT_CONFIDENCE = f"{CANONICAL_BASE}/StructureDefinition/finding-confidence"

_EXAM = {"system": SNOMED, "code": "271336007", "display": "Examination / signs"}


def protocol_url(table: Table) -> str:
    """The canonical URL of the rules and table version that produce an answer."""
    return f"{CANONICAL_BASE}/protocol/localize-root/rules-{__version__}/table-{table.version}"


def instant(moment: datetime) -> str:
    """A timezone-aware FHIR instant with milliseconds."""
    return moment.isoformat(timespec="milliseconds")


def _codings(h: Hypothesis, table: Table) -> list[dict[str, str]]:
    codings = [
        {"system": SPINAL_SEGMENT, "code": seg, "display": f"{seg} spinal segment"}
        for seg in h.segments
    ]
    # the diagnosis by the region of the first root (terminology/data/diagnoses.csv), else the
    # pattern's own SNOMED CT code (terminology/data/patterns.csv)
    diagnosis = table.diagnosis(h.pattern, h.segments[0]) if h.segments else None
    if diagnosis is not None:
        codings.append({"system": SNOMED, "code": diagnosis.code, "display": diagnosis.display})
    else:
        pattern = table.pattern(h.pattern)
        cervical_only = h.pattern == "myelopathy" and not h.text.startswith("Cervical")
        if pattern is not None and pattern.snomed and not cervical_only:
            codings.append(
                # t.cast: the loader requires snomed and snomed_display both or neither
                {
                    "system": SNOMED,
                    "code": pattern.snomed,
                    "display": t.cast(str, pattern.snomed_display),
                }
            )
    pattern = table.pattern(h.pattern)
    codings.append(
        {
            "system": NEURO_PATTERN,
            "code": h.pattern,
            "display": pattern.display if pattern else h.pattern,
        }
    )
    return codings


def _name(ref: str, parsed: ParsedRequest) -> str:
    reference = parsed.references.get(ref, {})
    return reference.get("reference") or reference.get("display") or ref


def _evidence_lines(items: t.Sequence[Evidence], parsed: ParsedRequest) -> list[str]:
    sign = {True: "+", False: "-"}
    return [
        f"{_name(e.ref, parsed)}: {e.description} [{sign[e.supports]}{e.weight:.2f}]" for e in items
    ]


def _basis(h: Hypothesis, parsed: ParsedRequest) -> str:
    parts = []
    if h.support:
        parts.append("For: " + "; ".join(_evidence_lines(h.support, parsed)) + ".")
    parts.append(
        "Against: "
        + ("; ".join(_evidence_lines(h.against, parsed)) if h.against else "nothing")
        + "."
    )
    parts.append("Reasoning: " + " ".join(h.reasons))
    return " ".join(parts)


def _finding(h: Hypothesis, parsed: ParsedRequest, table: Table) -> dict[str, t.Any]:
    extension: list[dict[str, t.Any]] = []
    if h.side is not None:
        laterality = table.laterality_for(h.side.value)
        code, display = laterality.code, laterality.display
        extension.append(
            {
                "url": EXT_SIDE,
                "valueCodeableConcept": {
                    "coding": [{"system": SNOMED, "code": code, "display": display}]
                },
            }
        )
    extension.append({"url": EXT_SCORE, "valueDecimal": h.score})
    extension.append({"url": EXT_CONFIDENCE, "valueCode": h.confidence})
    return {
        "extension": extension,
        "itemCodeableConcept": {"coding": _codings(h, table), "text": h.text},
        "basis": _basis(h, parsed),
    }


def _effective(parsed: ParsedRequest) -> dict[str, t.Any]:
    if parsed.effective_start is None:
        return {}
    if parsed.effective_start == parsed.effective_end or parsed.effective_end is None:
        return {"effectiveDateTime": parsed.effective_start}
    return {"effectivePeriod": {"start": parsed.effective_start, "end": parsed.effective_end}}


def _narrative(a: Assessment, parsed: ParsedRequest, notes: list[str]) -> str:
    rows = []
    for rank, h in enumerate(a.hypotheses, 1):
        top = "; ".join(
            f"{escape(_name(e.ref, parsed))}: {escape(e.description)}" for e in h.support[:4]
        )
        against = "; ".join(escape(e.description) for e in h.against[:3]) or "none"
        rows.append(
            f"<tr><td>{rank}</td><td>{escape(h.text)}</td><td>{h.score:.2f}</td>"
            f"<td>{escape(h.confidence)}</td><td>{top}</td><td>{against}</td></tr>"
        )
    table = (
        (
            "<table><thead><tr><th>#</th><th>Hypothesis</th><th>Score</th><th>Confidence</th>"
            "<th>Evidence for</th><th>Evidence against</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
        if rows
        else ""
    )
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return (
        f'<div xmlns="http://www.w3.org/1999/xhtml"><p><b>{escape(a.summary)}</b></p>{table}'
        + (f"<ul>{items}</ul>" if items else "")
        + "</div>"
    )


def _notes(a: Assessment, parsed: ParsedRequest) -> list[str]:
    notes = list(a.caveats) + sorted(parsed.warnings)
    for s in sorted(parsed.skipped, key=lambda s: (_name(s.ref, parsed), s.reason)):
        notes.append(f"Not used: {_name(s.ref, parsed)}: {s.reason}.")
    notes.append(
        "Scores summarise weighted exam evidence in [0, 1]; they are not probabilities. "
        "This is decision support: a clinician makes the diagnosis."
    )
    return notes


def render_impression(
    a: Assessment, parsed: ParsedRequest, table: Table, now: datetime
) -> dict[str, t.Any]:
    """The ClinicalImpression for *a* (no id or meta: the store assigns those)."""
    notes = _notes(a, parsed)
    impression: dict[str, t.Any] = {
        "resourceType": "ClinicalImpression",
        "text": {"status": "generated", "div": _narrative(a, parsed, notes)},
        "extension": [render_exam_map(exam_map(parsed.findings, table))],
        "status": "completed",
        "code": {"text": "Nerve root localization from a neurological examination"},
        "description": f"Computed by neuroroot {__version__} from {len(a.used)} exam "
        "observation(s).",
    }
    if parsed.subject is not None:
        impression["subject"] = parsed.subject
    impression.update(_effective(parsed))
    impression["date"] = instant(now)
    impression["investigation"] = [
        {
            "code": {"coding": [_EXAM], "text": "Neurological examination"},
            "item": [parsed.references[r] for r in a.used],
        }
    ]
    impression["protocol"] = [protocol_url(table)]
    impression["summary"] = a.summary
    if a.hypotheses:
        impression["finding"] = [_finding(h, parsed, table) for h in a.hypotheses]
    impression["note"] = [{"text": n} for n in notes]
    return impression
