"""Structure checks of a request, before any of it is read (all of them answer 400).

:func:`check_structure` validates the resource with fhir.resources R4B and adds the R4 rules
R4B does not enforce (required bindings, time zones, strict JSON primitive types on the elements
the service reads). Every problem becomes one :class:`~service.errors.Issue` with a
FHIRPath-like ``expression``; all of them are raised together in one
:class:`~service.errors.InvalidRequest`.

R4B validation is slow (pydantic builds a model per element, about 40 times the cost of
parsing the JSON), so a request is first checked by :func:`~.schema_check.fast_valid`: the official
R4 JSON schema tightened to accept only what R4B accepts. When that and this module's own rules
pass, the request is well-formed and R4B is not run. Otherwise R4B runs as it always did, and
its issues (with this module's) are the answer: the fast check never decides a 400 by itself.

R4B validation is done resource by resource: each resource slot (``Bundle.entry.resource``,
``Parameters.parameter.resource``, ``contained``) is taken out of its parent and validated on
its own. That keeps the error paths clean and lets an unknown ``resourceType`` be reported
instead of crashing the validator. A slot the fast check accepts is not given to R4B.
"""

from __future__ import annotations

import re
import typing as t

from ...errors import InvalidRequest, Issue
from .dates import lacks_zone
from .schema_check import FAST_TYPES, fast_valid
from .validation_issues import validation_issues

if t.TYPE_CHECKING:
    from fhir.resources.R4B.resource import Resource

__all__ = [
    "BUNDLE_TYPES",
    "OBSERVATION_STATUSES",
    "check_structure",
    "entry_resources",
    "parameter_resources",
    "resource_slots",
]

#: Required binding of Bundle.type (R4 4.0.1).
BUNDLE_TYPES = frozenset(
    {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    }
)
#: Required binding of Observation.status (R4 4.0.1).
OBSERVATION_STATUSES = frozenset(
    {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    }
)

_TIMED_ELEMENTS = ("effectiveDateTime", "effectiveInstant", "issued")


# -- resource slots ---------------------------------------------------------------------------


def resource_slots(
    resource: dict[str, t.Any], path: str
) -> tuple[dict[str, t.Any], list[tuple[t.Any, str]]]:
    """Split *resource* into a shell without its nested resources, and those resources.

    :return: (a shallow copy whose ``entry.resource``, ``parameter.resource`` / ``part`` and
        ``contained`` resources are taken out, [(nested resource, its path), ...]).
    """
    shell = dict(resource)
    nested: list[tuple[t.Any, str]] = []
    contained = shell.get("contained")
    if isinstance(contained, list):
        nested.extend((item, f"{path}.contained[{i}]") for i, item in enumerate(contained))
        del shell["contained"]
    kind = shell.get("resourceType")
    if kind == "Bundle" and isinstance(shell.get("entry"), list):
        entries = []
        for i, entry in enumerate(shell["entry"]):
            if isinstance(entry, dict) and entry.get("resource") is not None:
                nested.append((entry["resource"], f"{path}.entry[{i}].resource"))
                entry = {k: v for k, v in entry.items() if k != "resource"}
            entries.append(entry)
        shell["entry"] = entries
    elif kind == "Parameters" and isinstance(shell.get("parameter"), list):
        shell["parameter"] = _strip_parameters(shell["parameter"], f"{path}.parameter", nested)
    return shell, nested


def _strip_parameters(
    parameters: list[t.Any], path: str, nested: list[tuple[t.Any, str]]
) -> list[t.Any]:
    out = []
    for i, parameter in enumerate(parameters):
        if isinstance(parameter, dict):
            parameter = dict(parameter)
            if parameter.get("resource") is not None:
                nested.append((parameter.pop("resource"), f"{path}[{i}].resource"))
            if isinstance(parameter.get("part"), list):
                parameter["part"] = _strip_parameters(
                    parameter["part"], f"{path}[{i}].part", nested
                )
        out.append(parameter)
    return out


# -- R4B validation ---------------------------------------------------------------------------


def _model_issues(resource: t.Any, path: str) -> list[Issue]:
    """R4B issues of *resource* (at *path*) and of every resource nested in it."""
    if not isinstance(resource, dict):
        return [Issue(f"{path} must be a resource (a JSON object)", (path,), "structure")]
    kind = resource.get("resourceType")
    if kind is None:
        return [Issue(f"{path} has no resourceType", (f"{path}.resourceType",), "required")]
    model = _resource_model(kind)
    if model is None:
        return [
            Issue(
                f"{path}.resourceType is not a FHIR R4 resource type",
                (f"{path}.resourceType",),
                "value",
            )
        ]
    import pydantic

    shell, nested = resource_slots(resource, path)
    issues: list[Issue] = []
    try:
        if kind not in FAST_TYPES or not fast_valid(shell):
            model.model_validate(shell)
    except pydantic.ValidationError as error:
        issues.extend(validation_issues(error, path))
    except (KeyError, ValueError, TypeError, AttributeError) as error:  # fhir_core, odd shapes
        issues.append(
            Issue(
                f"{path} is not a valid {kind} resource ({type(error).__name__})",
                (path,),
                "structure",
            )
        )
    for item, item_path in nested:
        issues.extend(_model_issues(item, item_path))
    return issues


def _resource_model(kind: t.Any) -> type[Resource] | None:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    if not isinstance(kind, str) or not kind[:1].isupper():
        return None
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError, ImportError):
        return None
    return model if issubclass(model, Resource) else None


# -- rules R4B does not enforce ---------------------------------------------------------------


def _bundles(document: dict[str, t.Any], root: str) -> list[tuple[dict[str, t.Any], str]]:
    """The request's Bundle: the document itself, or a Parameters' ``bundle`` parameter."""
    if root == "Bundle":
        return [(document, root)]
    return [
        (r, path)
        for r, path in parameter_resources(document, root)
        if r.get("resourceType") == "Bundle"
    ]


def _rule_issues(document: dict[str, t.Any], root: str) -> list[Issue]:
    """Required bindings, time zones and strict primitive types, on the elements the service
    reads: the Bundle(s) and the Observations it takes findings from."""
    issues: list[Issue] = []
    bundles = [(document, root)] if root == "Bundle" else []
    observations = []
    if root == "Parameters":
        for resource, path in parameter_resources(document, root):
            if resource.get("resourceType") == "Bundle":
                bundles.append((resource, path))
            elif resource.get("resourceType") == "Observation":
                observations.append((resource, path))
    for bundle, path in bundles:
        value = bundle.get("type")
        if isinstance(value, str) and value not in BUNDLE_TYPES:
            issues.append(
                Issue(
                    f"{path}.type is not a Bundle type of FHIR R4 (required binding: "
                    f"{', '.join(sorted(BUNDLE_TYPES))})",
                    (f"{path}.type",),
                    "code-invalid",
                )
            )
        issues.extend(_timezone_issue(bundle.get("timestamp"), f"{path}.timestamp"))
        observations.extend(
            (resource, item_path)
            for resource, item_path in entry_resources(bundle, path)
            if resource.get("resourceType") == "Observation"
        )
    for observation, path in observations:
        issues.extend(_observation_rule_issues(observation, path))
    return issues


#: Bundle types whose entries carry ``request`` (bdl-3) and may carry ``response`` (bdl-4).
_REQUEST_TYPES = frozenset({"batch", "transaction", "history"})
_RESPONSE_TYPES = frozenset({"batch-response", "transaction-response", "history"})


def bundle_invariant_issues(bundle: dict[str, t.Any], path: str) -> list[Issue]:
    """The R4 Bundle invariants that R4B and the JSON schema leave unchecked.

    bdl-1 (``total`` only in a searchset or history), bdl-2 (``entry.search`` only in a
    searchset), bdl-3 (``entry.request`` in, and only in, batch, transaction and history),
    bdl-4 (``entry.response`` only in responses and history), bdl-5 (an entry has a resource, a
    request or a response) and bdl-7 (``fullUrl`` unique, unless the versions differ). bdl-8 is
    left out: as written in R4 it fails entries without a fullUrl (fixed in R5).
    """
    kind = bundle.get("type")
    if not isinstance(kind, str) or kind not in BUNDLE_TYPES:
        return []  # reported as a binding issue
    issues = []

    def invariant(key: str, message: str, entry: int | None, element: str = "") -> None:
        """An issue at ``Bundle{element}``, or at ``Bundle.entry[entry]{element}``."""
        where = path if entry is None else f"{path}.entry[{entry}]"
        issues.append(Issue(f"{key}: {message}", (where + element,), "invariant"))

    if "total" in bundle and kind not in ("searchset", "history"):
        invariant(
            "bdl-1", f"Bundle.total is only for a searchset or history, not {kind}", None, ".total"
        )
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        entries = []
    seen: dict[tuple[str, t.Any], int] = {}
    needs_request = kind in _REQUEST_TYPES
    for i, entry in enumerate(entries):
        if type(entry) is not dict:
            continue  # reported by the structure check
        if "search" in entry and kind != "searchset":
            invariant("bdl-2", f"entry.search is only for a searchset, not {kind}", i, ".search")
        if needs_request and "request" not in entry:
            invariant("bdl-3", f"a {kind} Bundle needs entry.request", i, ".request")
        if not needs_request and "request" in entry:
            invariant("bdl-3", f"entry.request is not allowed in a {kind} Bundle", i, ".request")
        if "response" in entry and kind not in _RESPONSE_TYPES:
            invariant("bdl-4", f"entry.response is not allowed in a {kind} Bundle", i, ".response")
        if "resource" not in entry and "request" not in entry and "response" not in entry:
            invariant("bdl-5", "an entry needs a resource, a request or a response", i)
        full_url = entry.get("fullUrl")
        if type(full_url) is str and kind != "history":
            resource = entry.get("resource")
            meta = resource.get("meta") if type(resource) is dict else None
            key = (full_url, meta.get("versionId") if type(meta) is dict else None)
            if key in seen:
                invariant("bdl-7", f"fullUrl repeats that of entry[{seen[key]}]", i, ".fullUrl")
            else:
                seen[key] = i
    return issues


def entry_resources(bundle: dict[str, t.Any], path: str) -> list[tuple[dict[str, t.Any], str]]:
    """(resource, path) of each ``entry.resource`` that is a JSON object, in order."""
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return []
    return [
        (entry["resource"], f"{path}.entry[{i}].resource")
        for i, entry in enumerate(entries)
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    ]


def parameter_resources(
    parameters: dict[str, t.Any], path: str
) -> list[tuple[dict[str, t.Any], str]]:
    """(resource, path) of each top-level ``parameter.resource`` that is a JSON object, in order."""
    items = parameters.get("parameter")
    if not isinstance(items, list):
        return []
    return [
        (item["resource"], f"{path}.parameter[{i}].resource")
        for i, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get("resource"), dict)
    ]


def _observation_rule_issues(observation: dict[str, t.Any], path: str) -> list[Issue]:
    issues: list[Issue] = []
    status = observation.get("status")
    if type(status) is str and status not in OBSERVATION_STATUSES:
        issues.append(
            Issue(
                f"{path}.status is not an Observation status of FHIR R4 (required binding: "
                f"{', '.join(sorted(OBSERVATION_STATUSES))})",
                (f"{path}.status",),
                "code-invalid",
            )
        )
    for name in _TIMED_ELEMENTS:
        value = observation.get(name)
        if type(value) is str and lacks_zone(value):
            issues.append(_zone_issue(f"{path}.{name}"))
    period = observation.get("effectivePeriod")
    if type(period) is dict:
        for name in ("start", "end"):
            issues.extend(_timezone_issue(period.get(name), f"{path}.effectivePeriod.{name}"))
    issues.extend(_primitive_issues(observation, path))
    components = observation.get("component")
    if type(components) is list:
        for i, component in enumerate(components):
            if type(component) is dict:
                issues.extend(_primitive_issues(component, f"{path}.component[{i}]"))
    return issues


def _timezone_issue(value: t.Any, expression: str) -> list[Issue]:
    return [_zone_issue(expression)] if isinstance(value, str) and lacks_zone(value) else []


def _zone_issue(expression: str) -> Issue:
    return Issue(
        f"{expression} has a time but no time zone (FHIR R4: if hours and minutes are "
        "specified, a time zone SHALL be populated)",
        (expression,),
        "value",
    )


_ABSENT = object()
_PRIMITIVE_CHECKS = (
    ("valueBoolean", bool, "a JSON boolean (true or false)"),
    ("valueInteger", int, "a JSON integer"),
    ("valueString", str, "a JSON string"),
)


def _primitive_issues(element: dict[str, t.Any], path: str) -> list[Issue]:
    """JSON types of the value[x] the service reads: R4B's lax mode would take ``"3"`` or ``1``."""
    issues = []
    for name, expected, wording in _PRIMITIVE_CHECKS:
        value = element.get(name, _ABSENT)
        if value is _ABSENT or type(value) is expected:
            continue
        wrong = not isinstance(value, expected) or (expected is int and isinstance(value, bool))
        if wrong:
            issues.append(Issue(f"{path}.{name} must be {wording}", (f"{path}.{name}",), "value"))
    return issues


def check_structure(document: dict[str, t.Any], root: str, extra: t.Sequence[Issue] = ()) -> None:
    """Validate *document* (a Bundle or Parameters named *root*) against R4 structure rules.

    :param extra: issues the caller found already (e.g. unknown parameter names), raised together.
    :raise InvalidRequest: with every issue found, R4B's and this module's together; where both
        report the same element, this module's (clearer) issue is kept.
    """
    ours = list(extra) + _rule_issues(document, root)
    invariants = [
        i
        for bundle, path in _bundles(document, root)
        for i in bundle_invariant_issues(bundle, path)
    ]
    if not ours and not invariants and fast_valid(document):
        return  # R4B would accept it too (validate.py); no need to ask
    theirs = _model_issues(document, root)
    taken = {issue.expression for issue in ours}
    # Invariants are judged on a structurally valid Bundle only (as validators do): an entry
    # whose resource is malformed is reported for that, not also as "no resource" (bdl-5).
    issues = [issue for issue in theirs if issue.expression not in taken] + ours or invariants
    if issues:
        issues.sort(key=lambda issue: _path_key(issue.expression[0] if issue.expression else ""))
        raise InvalidRequest.many(issues)


def _path_key(expression: str) -> tuple[t.Any, ...]:
    """Sort key for document order of entries (``entry[10]`` after ``entry[9]``)."""
    return tuple(
        int(part) if part.isdigit() else part for part in re.split(r"\[(\d+)\]", expression)
    )
