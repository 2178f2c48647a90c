"""The cards: the engine's assessment as CDS Hooks 2.0 cards (no Flask, no FHIR parsing).

One localization card per call, built from the :class:`~service.core.model.Assessment` the
operation rendered the stored ClinicalImpression from:

- ``indicator``: ``critical`` when a hypothesis is an urgent suspected cauda equina;
  ``warning`` when a hypothesis is a cord picture (:data:`CORD_PATTERNS`) or a
  polyradiculoneuropathy; ``info`` otherwise;
- ``summary``: one sentence under 140 characters naming the card's lead hypothesis (the cauda
  equina one on a critical card, the first ranked one otherwise), ``URGENT:`` first when it is
  urgent; an exam that does not localize says so and names no root;
- ``detail``: GitHub-flavoured Markdown: the top hypotheses with score and confidence, the
  evidence for and against each, and the caveats;
- ``source``: label ``neuroroot``, url the service's public base;
- ``links``: the stored result's page, when the result was stored;
- one suggestion (``create`` the stored ClinicalImpression), ``selectionBehavior``
  ``at-most-one``, and ``overrideReasons`` for the feedback;
- uuids on the card and its suggestion.

An ISNCSCI exam adds a classification card (:func:`classification_card`): ``info``, the AIS
grade and the neurological level of injury in the summary.
"""

from __future__ import annotations

import typing as t
import uuid

if t.TYPE_CHECKING:
    from ..core.isncsci import Classification
    from ..core.model import Assessment, Evidence, Hypothesis

__all__ = [
    "CORD_PATTERNS",
    "OVERRIDE_REASONS",
    "WARNING_PATTERNS",
    "classification_card",
    "indicator_of",
    "localization_card",
]

CORD_PATTERNS = frozenset({"myelopathy", "transverse-myelopathy", "brown-sequard", "hemiparesis"})
WARNING_PATTERNS = CORD_PATTERNS | {"polyradiculoneuropathy"}
MAX_SUMMARY = 139
TOP = 3
EVIDENCE = 6

OVERRIDE_SYSTEM = "http://neuroroot.org/fhir/CodeSystem/cds-override-reason"
OVERRIDE_REASONS = (
    {
        "system": OVERRIDE_SYSTEM,
        "code": "not-consistent",
        "display": "Not consistent with the clinical picture",
    },
    {
        "system": OVERRIDE_SYSTEM,
        "code": "exam-incomplete",
        "display": "Exam incomplete or recorded wrongly",
    },
    {"system": OVERRIDE_SYSTEM, "code": "already-known", "display": "Already known and managed"},
)


def indicator_of(assessment: Assessment) -> tuple[str, Hypothesis | None]:
    """The card's indicator and its lead hypothesis (None when nothing localized)."""
    hypotheses = assessment.hypotheses if assessment.localized else ()
    for hypothesis in hypotheses:
        if hypothesis.pattern == "cauda-equina" and hypothesis.urgent:
            return "critical", hypothesis
    if any(h.pattern in WARNING_PATTERNS for h in hypotheses):
        return "warning", hypotheses[0]
    return "info", hypotheses[0] if hypotheses else None


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1].rstrip() + "…"


def _md(text: str) -> str:
    """Plain text safe inside Markdown (no emphasis, tables or links by accident)."""
    for char in "\\`*_[]<>|#":
        text = text.replace(char, f"\\{char}")
    return text


def _evidence(items: t.Sequence[Evidence], word: str) -> list[str]:
    ranked = sorted(items, key=lambda e: -e.weight)[:EVIDENCE]
    lines = [f"  - {word}: {_md(e.description)}" for e in ranked]
    if len(items) > EVIDENCE:
        lines.append(f"  - … {len(items) - EVIDENCE} more {word} (see the result page)")
    return lines


def _detail(assessment: Assessment) -> str:
    lines = [_md(assessment.summary), ""]
    hypotheses = assessment.hypotheses[:TOP] if assessment.localized else ()
    if hypotheses:
        lines += ["| # | Hypothesis | Score | Confidence |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {i} | {_md(h.text)}{' (urgent)' if h.urgent else ''} | {h.score:.2f} | "
            f"{h.confidence} |"
            for i, h in enumerate(hypotheses, 1)
        ]
        lines.append("")
        for hypothesis in hypotheses:
            lines.append(
                f"**{_md(hypothesis.text)}** (score {hypothesis.score:.2f}, "
                f"{hypothesis.confidence})"
            )
            lines += [f"- {_md(reason)}" for reason in hypothesis.reasons[:3]]
            lines += _evidence(hypothesis.support, "for")
            lines += _evidence(hypothesis.against, "against")
            lines.append("")
    if assessment.caveats:
        lines.append("Notes:")
        lines += [f"- {_md(caveat)}" for caveat in assessment.caveats]
    return "\n".join(lines).strip()


def _summary(lead: Hypothesis | None) -> str:
    if lead is None:
        return "The exam did not localize to a nerve root or a pattern."
    urgent = "URGENT: " if lead.urgent else ""
    return _clip(f"{urgent}{lead.text} ({lead.confidence}, score {lead.score:.2f})")


def localization_card(
    assessment: Assessment, *, base_url: str, impression: dict[str, t.Any], page_url: str | None
) -> dict[str, t.Any]:
    """The localization card (see the module doc).

    :param impression: the ClinicalImpression the suggestion creates (the stored one).
    :param page_url: the stored result's page, or None when nothing was stored.
    """
    indicator, lead = indicator_of(assessment)
    card: dict[str, t.Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(lead),
        "indicator": indicator,
        "detail": _detail(assessment),
        "source": {"label": "neuroroot", "url": base_url},
        "suggestions": [
            {
                "label": "Add the neuroroot localization to the record",
                "uuid": str(uuid.uuid4()),
                "isRecommended": True,
                "actions": [
                    {
                        "type": "create",
                        "description": "Create the ClinicalImpression with the localization "
                        "and its "
                        "reasoning",
                        "resource": impression,
                    }
                ],
            }
        ],
        "selectionBehavior": "at-most-one",
        "overrideReasons": [dict(reason) for reason in OVERRIDE_REASONS],
    }
    if page_url:
        card["links"] = [
            {"label": "Open the neuroroot result", "url": page_url, "type": "absolute"}
        ]
    return card


def classification_card(
    classification: Classification, *, base_url: str, page_url: str | None = None
) -> dict[str, t.Any]:
    """The ISNCSCI classification card: ``info``, AIS and NLI in the summary."""
    ais = classification.asia_impairment_scale.text
    nli = classification.neurological_level_of_injury.text
    complete = classification.injury_complete.text
    rows = [
        ("Neurological level of injury (NLI)", nli),
        ("AIS grade", ais),
        ("Complete (C) or incomplete (I)", complete),
        (
            "Sensory level right / left",
            f"{classification.sensory_level_right.text} / {classification.sensory_level_left.text}",
        ),
        (
            "Motor level right / left",
            f"{classification.motor_level_right.text} / {classification.motor_level_left.text}",
        ),
    ]
    detail = ["| Element | Value |", "| --- | --- |"]
    detail += [f"| {name} | {_md(value)} |" for name, value in rows]
    card: dict[str, t.Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _clip(f"ISNCSCI classification: AIS {ais}, NLI {nli}"),
        "indicator": "info",
        "detail": "\n".join(detail),
        "source": {"label": "neuroroot", "url": base_url},
    }
    if page_url:
        card["links"] = [
            {"label": "Open the ISNCSCI worksheet", "url": page_url, "type": "absolute"}
        ]
    return card
