"""The stored ClinicalImpression as a page for a clinician (DESIGN section 10).

Everything on the page comes from the stored resource: the summary, the findings (their
``basis`` split back into the evidence for and against, each naming its Observation), the
notes, and the body map from the ``exam-map`` extension (:mod:`service.fhir.write.exam_map`).
The regions of the top-ranked hypothesis carry ``data-top="true"`` when it is a root
(``radiculopathy``): on its side, or on both when it is bilateral or its side is unknown; when a
pattern ranks first, no region does.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass, field

from flask import Response, current_app, render_template

from terminology import NEURO_PATTERN, SPINAL_SEGMENT

from ..core.exam_map import ExamMap
from ..fhir.write.exam_map import parse_exam_map
from ..fhir.write.impression import EXT_CONFIDENCE, EXT_SCORE, EXT_SIDE
from .bodymap import SEGMENT_ORDER, figures

__all__ = ["BodyMap", "body_map", "impression_page", "page_response"]

_SIDE_CODES = {"7771000": "left", "24028007": "right", "51440002": "bilateral"}
_EVIDENCE = re.compile(r"(?P<ref>.+?): (?P<text>.+?) \[(?P<weight>[+-]\d+\.\d+)\](?:; |\.?$)", re.S)
STATE_TEXT = {
    "abnormal": "abnormal",
    "normal": "normal",
    "mixed": "mixed (some sites abnormal)",
    "untested": "not tested",
}


@dataclass
class BodyMap:
    """What the body-map template needs: a state per (segment, side), the top regions, markers."""

    states: dict[tuple[str, str], str]
    top: set[tuple[str, str]] = field(default_factory=set)
    #: (figure, x, y, kind, state, label) of each marker, placed on its segment's region
    markers: list[tuple[str, float, float, str, str, str]] = field(default_factory=list)
    #: (figure, x, y, text) small value labels (the worksheet's key-point grades)
    key_points: list[tuple[str, float, float, str, str]] = field(default_factory=list)
    figures: t.Any = None
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # segment, right, left

    def state(self, segment: str, side: str) -> str:
        return self.states.get((segment, side), "untested")


def body_map(
    states: dict[tuple[str, str], str],
    top: set[tuple[str, str]] | None = None,
    markers: t.Iterable[tuple[str, str, str, str, str]] = (),
) -> BodyMap:
    """A :class:`BodyMap` of *states*, with *markers* ((kind, segment, side, state, label))."""
    front, back = figures()
    result = BodyMap(dict(states), set(top or ()), figures=(front, back))
    where: dict[tuple[str, str], tuple[str, float, float]] = {}
    area: dict[tuple[str, str], float] = {}
    for figure in (front, back):  # a marker goes on the largest part of its dermatome
        for region in figure.regions:
            key = (region.segment, region.side)
            if region.area > area.get(key, 0.0):
                area[key] = region.area
                where[key] = (figure.name, *region.label_at)
    used: dict[tuple[str, str], int] = {}
    for kind, segment, side, state, label in markers:
        if (segment, side) not in where:
            continue
        name, x, y = where[(segment, side)]
        n = used[(segment, side)] = used.get((segment, side), 0) + 1
        result.markers.append((name, x, y + 8.0 + 9.5 * (n - 1), kind, state, label))
    result.rows = [
        (segment, result.state(segment, "right"), result.state(segment, "left"))
        for segment in SEGMENT_ORDER
    ]
    return result


def _extension(element: t.Mapping[str, t.Any], url: str) -> t.Any:
    for extension in element.get("extension") or ():
        if extension.get("url") == url:
            return extension
    return None


def _evidence(text: str) -> list[dict[str, str]]:
    items = [m.groupdict() for m in _EVIDENCE.finditer(text.strip())]
    return (
        items
        if items
        else (
            [{"ref": "", "text": text.strip(), "weight": ""}]
            if text.strip() and text.strip() != "nothing."
            else []
        )
    )


def _split_basis(basis: str) -> tuple[list[dict[str, str]], list[dict[str, str]], str]:
    """(for, against, reasoning) of a finding's ``basis`` as written by write/impression.py."""
    reasoning = ""
    head, sep, tail = basis.partition(" Reasoning: ")
    if sep:
        reasoning = tail
    else:
        head, sep, tail = basis.partition("Reasoning: ")
        reasoning = tail if sep else ""
    support_text, _, against_text = head.partition("Against: ")
    support_text = support_text.removeprefix("For: ").strip()
    return _evidence(support_text), _evidence(against_text.strip()), reasoning


def _hypothesis(rank: int, finding: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    concept = finding.get("itemCodeableConcept") or {}
    codings = concept.get("coding") or []
    pattern = next((c.get("code") for c in codings if c.get("system") == NEURO_PATTERN), "")
    segments = [c["code"] for c in codings if c.get("system") == SPINAL_SEGMENT]
    side_ext = _extension(finding, EXT_SIDE)
    side = None
    if side_ext:
        side = next(
            (
                _SIDE_CODES.get(c.get("code"))
                for c in side_ext["valueCodeableConcept"].get("coding", [])
            ),
            None,
        )
    score = _extension(finding, EXT_SCORE)
    confidence = _extension(finding, EXT_CONFIDENCE)
    support, against, reasoning = _split_basis(finding.get("basis") or "")
    return {
        "rank": rank,
        "text": concept.get("text") or pattern,
        "pattern": pattern,
        "is_root": pattern == "radiculopathy",
        "segments": segments,
        "side": side,
        "score": score.get("valueDecimal") if score else None,
        "confidence": confidence.get("valueCode") if confidence else "",
        "support": support,
        "against": against,
        "reasoning": reasoning,
    }


def _top_regions(first: dict[str, t.Any] | None) -> set[tuple[str, str]]:
    if not first or not first["is_root"]:
        return set()
    sides = [first["side"]] if first["side"] in {"left", "right"} else ["left", "right"]
    return {(segment, side) for segment in first["segments"] for side in sides}


def _marker_label(kind: str, target: str, side: str, state: str) -> str:
    table = current_app.extensions["terminology"]
    row = table.reflex(target) if kind == "reflex" else table.movement(target)
    name = row.display if row is not None else target
    what = "reflex" if kind == "reflex" else "muscle"
    return f"{side.capitalize()} {name} ({what}): {state}"


def impression_map(exam: ExamMap, top: set[tuple[str, str]]) -> BodyMap:
    """The body map of a stored result's exam map."""
    markers = [
        (m.kind, m.segment, m.side, m.state, _marker_label(m.kind, m.target, m.side, m.state))
        for m in exam.markers
    ]
    return body_map({(d.segment, d.side): d.state for d in exam.dermatomes}, top, markers)


def page_response(html: str, status: int = 200) -> Response:
    """An HTML answer (the security headers, CSP included, are added for every answer)."""
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def impression_page(resource: t.Mapping[str, t.Any]) -> Response:
    """The page of a stored ClinicalImpression."""
    hypotheses = [_hypothesis(rank, f) for rank, f in enumerate(resource.get("finding") or (), 1)]
    exam = parse_exam_map(resource)
    top = _top_regions(hypotheses[0] if hypotheses else None)
    summary = resource.get("summary") or ""
    effective = resource.get("effectiveDateTime") or " to ".join(
        v for v in ((resource.get("effectivePeriod") or {}).get(k) for k in ("start", "end")) if v
    )
    html = render_template(
        "result.html",
        resource=resource,
        summary=summary,
        urgent=summary.startswith("URGENT"),
        hypotheses=hypotheses,
        patterns=[h for h in hypotheses if not h["is_root"]],
        notes=[n.get("text", "") for n in resource.get("note") or ()],
        subject=(resource.get("subject") or {}).get("reference", ""),
        subject_display=(resource.get("subject") or {}).get("display", ""),
        effective=effective,
        map=impression_map(exam, top) if exam is not None else None,
        unsided=exam.unsided if exam is not None else 0,
        top=hypotheses[0] if hypotheses and hypotheses[0]["is_root"] else None,
        state_text=STATE_TEXT,
    )
    return page_response(html)
