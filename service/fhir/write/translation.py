"""The ``$translate`` answer: an R4 Parameters resource (no Flask).

``result`` and ``message`` first, then one ``match`` per target, each with its ``equivalence``,
the segment ``concept`` when the target has one, and the ``source`` ConceptMap. Which targets
match is decided by :func:`service.fhir.conformance.terminology.translate`.
"""

from __future__ import annotations

import typing as t

__all__ = ["translation", "translation_match"]


def translation(
    result: bool, message: str, matches: t.Sequence[dict[str, t.Any]] = ()
) -> dict[str, t.Any]:
    """The Parameters resource answering ``$translate``."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "result", "valueBoolean": result},
            {"name": "message", "valueString": message},
            *matches,
        ],
    }


def translation_match(
    equivalence: str, concept: dict[str, str] | None, source: str
) -> dict[str, t.Any]:
    """One ``match`` parameter: *concept* (a Coding, or None for an ``unmatched`` target) and
    the canonical URL of the *source* ConceptMap."""
    part: list[dict[str, t.Any]] = [{"name": "equivalence", "valueCode": equivalence}]
    if concept is not None:
        part.append({"name": "concept", "valueCoding": concept})
    part.append({"name": "source", "valueUri": source})
    return {"name": "match", "part": part}
