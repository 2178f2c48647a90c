"""The forms of a ``$localize-root`` request, and the resources it hands over.

A Bundle of any type (only ``entry.resource`` is read), or a Parameters resource with one
``bundle`` parameter (a Bundle) or repeated ``observation`` parameters (Observations). This module
checks the top level (400), the entry count (413, before anything expensive), the Parameters
form (400 issues, raised with the structure issues), and lists the resources to read as
:class:`Slot` objects with the reference the answer uses for each.
"""

from __future__ import annotations

import typing as t

from ...errors import InvalidRequest, Issue, PayloadTooLarge

__all__ = [
    "Slot",
    "bundle_identifier",
    "check_size",
    "parameters_form",
    "request_slots",
    "root_type",
    "slot_reference",
]

_ROOTS = ("Bundle", "Parameters")
#: How a message names a JSON value that is not an object (no Python type names).
_JSON_KINDS = {
    list: "an array",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}
_PARAMETER_NAMES = ("bundle", "observation")


class Slot(t.NamedTuple):
    """One resource the request hands over: where it is and how the answer names it.

    (A named tuple: a request makes one per entry.)

    :param list_path: the list it is an item of, e.g. ``Bundle.entry``; *index* its position.
    """

    resource: dict[str, t.Any]
    list_path: str
    index: int  # type: ignore[assignment]  # a field, shadowing tuple.index on purpose
    full_url: str | None

    @property
    def label(self) -> str:
        """e.g. ``Bundle.entry[3]``"""
        return f"{self.list_path}[{self.index}]"

    @property
    def path(self) -> str:
        """e.g. ``Bundle.entry[3].resource``"""
        return f"{self.list_path}[{self.index}].resource"


def root_type(document: t.Any) -> str:
    if not isinstance(document, dict):
        what = _JSON_KINDS.get(type(document), "another JSON value")
        message = (
            f"request body must be a FHIR Bundle or Parameters resource (or one Observation) as "
            f"a JSON object, not {what}"
        )
        raise InvalidRequest.many([Issue(message, (), "structure")])
    kind = document.get("resourceType")
    if kind is None:
        raise InvalidRequest.many(
            [
                Issue(
                    "request body has no resourceType; expected Bundle or Parameters",
                    ("resourceType",),
                    "required",
                )
            ]
        )
    if kind not in _ROOTS:
        raise InvalidRequest.many(
            [
                Issue(
                    "resourceType must be Bundle or Parameters (or Observation, read as one "
                    "finding) for $localize-root",
                    ("resourceType",),
                    "not-supported",
                )
            ]
        )
    return str(kind)


def check_size(document: dict[str, t.Any], root: str, max_entries: int) -> None:
    """413 before any validation when there are too many entries (cheap: lengths only)."""
    counted = (
        [("Bundle.entry", document.get("entry"))]
        if root == "Bundle"
        else [("Parameters.parameter", document.get("parameter"))]
    )
    if root == "Parameters" and isinstance(document.get("parameter"), list):
        counted += [
            (f"Parameters.parameter[{i}].resource.entry", p["resource"].get("entry"))
            for i, p in enumerate(document["parameter"])
            if isinstance(p, dict) and isinstance(p.get("resource"), dict)
        ]
    for expression, items in counted:
        if isinstance(items, list) and len(items) > max_entries:
            raise PayloadTooLarge(
                f"{expression} has {len(items)} items; the limit is {max_entries} "
                "(NEUROROOT_MAX_ENTRIES)",
                expression,
            )


def parameters_form(
    document: dict[str, t.Any],
) -> tuple[list[Issue], tuple[dict[str, t.Any], str] | None]:
    """Check the Parameters form: one ``bundle`` (a Bundle) or ``observation`` parameters only.

    :return: (issues, the ``bundle`` parameter's Bundle and its path, if that is the form).
    """
    parameters = document.get("parameter")
    if not isinstance(parameters, list):
        parameters = []
    issues: list[Issue] = []
    seen: dict[str, list[int]] = {name: [] for name in _PARAMETER_NAMES}
    unnamed = False
    for i, parameter in enumerate(parameters):
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            unnamed = True  # the structure check reports it
            continue
        name, at = parameter["name"], f"Parameters.parameter[{i}]"
        if name not in seen:
            issues.append(
                Issue(
                    f"{at}.name: $localize-root has no parameter '{name}'; use one 'bundle' "
                    "or repeated 'observation' parameters",
                    (f"{at}.name",),
                    "not-supported",
                )
            )
            continue
        seen[name].append(i)
        wanted = "Bundle" if name == "bundle" else "Observation"
        resource = parameter.get("resource")
        if not isinstance(resource, dict):
            issues.append(
                Issue(
                    f"{at}.resource is required: the '{name}' parameter carries a {wanted}",
                    (f"{at}.resource",),
                    "required",
                )
            )
        elif resource.get("resourceType") != wanted:
            issues.append(
                Issue(
                    f"{at}.resource must be an Observation for the '{name}' parameter"
                    if wanted == "Observation"
                    else f"{at}.resource must be a Bundle for the '{name}' parameter",
                    (f"{at}.resource.resourceType",),
                    "value",
                )
            )
    if seen["bundle"] and seen["observation"]:
        issues.append(
            Issue(
                "Parameters.parameter: give either one 'bundle' parameter or 'observation' "
                "parameters, not both",
                ("Parameters.parameter",),
                "invalid",
            )
        )
    elif len(seen["bundle"]) > 1:
        issues.append(
            Issue(
                "Parameters.parameter: only one 'bundle' parameter is allowed",
                (f"Parameters.parameter[{seen['bundle'][1]}]",),
                "invalid",
            )
        )
    elif not seen["bundle"] and not seen["observation"] and not issues and not unnamed:
        issues.append(
            Issue(
                "Parameters.parameter: give one 'bundle' parameter or 'observation' parameters",
                ("Parameters.parameter",),
                "required",
            )
        )
    if len(seen["bundle"]) == 1 and not seen["observation"]:
        i = seen["bundle"][0]
        resource = parameters[i].get("resource")
        if isinstance(resource, dict):
            return issues, (resource, f"Parameters.parameter[{i}].resource")
    return issues, None


def request_slots(
    document: dict[str, t.Any], bundle: tuple[dict[str, t.Any], str] | None
) -> list[Slot]:
    """The resources to read: the Bundle's entries, or the ``observation`` parameters."""
    if bundle is not None:
        resource, path = bundle
        entries = resource.get("entry")
        out = []
        for i, entry in enumerate(entries if type(entries) is list else ()):
            item = entry.get("resource") if type(entry) is dict else None
            if type(item) is dict:
                full_url = entry.get("fullUrl")
                out.append(
                    Slot(item, f"{path}.entry", i, full_url if type(full_url) is str else None)
                )
        return out
    return [
        Slot(p["resource"], "Parameters.parameter", i, None)
        for i, p in enumerate(document.get("parameter") or ())
        if isinstance(p, dict)
        and p.get("name") == "observation"
        and isinstance(p.get("resource"), dict)
    ]


def bundle_identifier(bundle: dict[str, t.Any]) -> tuple[str, str] | None:
    identifier = bundle.get("identifier")
    if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
        system = identifier.get("system")
        return (system if isinstance(system, str) else "", identifier["value"])
    return None


def slot_reference(slot: Slot) -> tuple[str, dict[str, t.Any]]:
    """The ref string of *slot* and the Reference dict the answer uses for it."""
    kind, rid = slot.resource.get("resourceType"), slot.resource.get("id")
    if isinstance(rid, str) and rid:
        return f"{kind}/{rid}", {"reference": f"{kind}/{rid}"}
    if slot.full_url:
        return slot.full_url, {"reference": slot.full_url}
    return slot.label, {"display": f"{kind} in {slot.label}"}
