"""``_summary`` and ``_elements``: a resource cut down to some of its elements (no Flask).

Which elements are "summary" and which are mandatory is read from fhir.resources' R4B models
(``summary_element_property``, required fields), not listed by hand. A cut-down resource keeps
``resourceType``, ``id``, ``meta`` and its mandatory elements, so it stays valid R4, and carries
the ``SUBSETTED`` tag (http://terminology.hl7.org/CodeSystem/v3-ObservationValue) in
``meta.tag``, as FHIR requires of a subset.

``_summary`` modes: ``true`` (summary elements), ``text`` (``text``, ``id``, ``meta`` and the
mandatory elements), ``data`` (everything but ``text``), ``false`` (everything, no tag) and
``count`` (a search answers its total only; on a read it means ``false``).
"""

from __future__ import annotations

import functools
import importlib
import typing as t

__all__ = ["SUBSETTED", "SUMMARY_MODES", "element_names", "subset"]

SUMMARY_MODES = ("true", "false", "text", "data", "count")
SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}
_ALWAYS = frozenset({"resourceType", "id", "meta"})


@functools.cache
def _model(resource_type: str) -> t.Any:
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


@functools.cache
def element_names(resource_type: str) -> frozenset[str]:
    """The JSON names of the top-level elements of *resource_type* (choice types expanded)."""
    return frozenset(
        name
        for name, info in _model(resource_type).model_fields.items()
        if (info.json_schema_extra or {}).get("element_property")
    )


@functools.cache
def _mandatory(resource_type: str) -> frozenset[str]:
    fields = _model(resource_type).model_fields
    return _ALWAYS | {
        name
        for name, info in fields.items()
        if info.is_required() or (info.json_schema_extra or {}).get("element_required")
    }


@functools.cache
def _summary(resource_type: str) -> frozenset[str]:
    return _mandatory(resource_type) | {
        name
        for name, info in _model(resource_type).model_fields.items()
        if (info.json_schema_extra or {}).get("summary_element_property")
    }


def subset(
    resource: dict[str, t.Any], summary: str | None = None, elements: t.Iterable[str] | None = None
) -> dict[str, t.Any]:
    """*resource* as ``_summary``/``_elements`` ask (``_elements`` wins when both are given);
    the resource itself when nothing is left out."""
    kind = resource["resourceType"]
    if elements is not None:
        keep = _mandatory(kind) | set(elements)
        keep |= {f"_{name}" for name in keep}  # a primitive's extensions go with it
    elif summary == "true":
        keep = _summary(kind) | {f"_{name}" for name in _summary(kind)}
    elif summary == "text":
        keep = _mandatory(kind) | {"text"}
        keep |= {f"_{name}" for name in keep}
    elif summary == "data":
        keep = frozenset(resource) - {"text"}
    else:
        return resource
    cut = {key: value for key, value in resource.items() if key in keep}
    if len(cut) == len(resource):
        return resource
    meta = dict(cut.get("meta", {}))
    tags = [tag for tag in meta.get("tag", []) if tag.get("code") != "SUBSETTED"]
    meta["tag"] = [*tags, SUBSETTED]
    cut["meta"] = meta
    return {"resourceType": kind, **{k: v for k, v in cut.items() if k != "resourceType"}}
