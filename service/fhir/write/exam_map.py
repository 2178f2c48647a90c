"""The exam map as a ClinicalImpression extension, and back (docs/output-profile.md, "exam map").

The stored ClinicalImpression names the Observations it used, not what each one found at which
site; a body map needs exactly that. So the answer carries, in the extension
``http://neuroroot.org/fhir/StructureDefinition/exam-map``, the per-dermatome sensory states and
the reflex and muscle markers computed from the exam at localization time
(:func:`service.core.exam_map.exam_map`)::

    {"url": ".../exam-map", "extension": [
      {"url": "dermatome", "extension": [{"url": "segment", "valueCode": "L5"},
                                         {"url": "side", "valueCode": "left"},
                                         {"url": "state", "valueCode": "abnormal"}]},
      {"url": "reflex", "extension": [{"url": "target", "valueCode": "reflex-achilles"},
                                      segment, side, state]},
      {"url": "motor", ...},
      {"url": "unsided", "valueInteger": 0}]}

Only tested dermatome sides are listed (a missing one is ``untested``); ``unsided`` (always
present) counts the sensory findings whose side was unknown. The result page
(:mod:`service.web`) reads it back with :func:`parse_exam_map`; a result stored before the
extension existed has none, and the page says so instead of drawing a map.
"""

from __future__ import annotations

import typing as t

from terminology import CANONICAL_BASE

from ...core.exam_map import DermatomeState, ExamMap, Marker

__all__ = ["EXT_EXAM_MAP", "parse_exam_map", "render_exam_map"]

EXT_EXAM_MAP = f"{CANONICAL_BASE}/StructureDefinition/exam-map"


def render_exam_map(found: ExamMap) -> dict[str, t.Any]:
    """The ``exam-map`` extension of *found*.

    On the request path of ``$localize-root``: written as literals (no keyword-argument helper),
    which about halves its cost on the 132-Observation exam (benchmarks/RESULTS.md).
    """
    parts: list[dict[str, t.Any]] = [
        {
            "url": "dermatome",
            "extension": [
                {"url": "segment", "valueCode": segment},
                {"url": "side", "valueCode": side},
                {"url": "state", "valueCode": state},
            ],
        }
        for segment, side, state in found.dermatomes
    ]
    parts += [
        {
            "url": kind,
            "extension": [
                {"url": "target", "valueCode": target},
                {"url": "segment", "valueCode": segment},
                {"url": "side", "valueCode": side},
                {"url": "state", "valueCode": state},
            ],
        }
        for kind, target, segment, side, state in found.markers
    ]
    parts.append({"url": "unsided", "valueInteger": found.unsided})
    return {"url": EXT_EXAM_MAP, "extension": parts}


def parse_exam_map(resource: t.Mapping[str, t.Any]) -> ExamMap | None:
    """The exam map a stored ClinicalImpression carries, or None when it has none."""
    for extension in resource.get("extension") or ():
        if extension.get("url") != EXT_EXAM_MAP:
            continue
        dermatomes, markers, unsided = [], [], 0
        for part in extension.get("extension") or ():
            values = {sub.get("url"): sub.get("valueCode") for sub in part.get("extension") or ()}
            kind = part.get("url")
            if kind == "dermatome":
                dermatomes.append(
                    DermatomeState(values["segment"], values["side"], values["state"])
                )
            elif kind in {"reflex", "motor"}:
                markers.append(
                    Marker(
                        kind, values["target"], values["segment"], values["side"], values["state"]
                    )
                )
            elif kind == "unsided":
                unsided = int(part.get("valueInteger") or 0)
        return ExamMap(tuple(dermatomes), tuple(markers), unsided)
    return None
