"""One translator from a pydantic ``ValidationError`` to :class:`~service.errors.Issue` objects.

fhir.resources R4B reports each problem with a pydantic error type and a location; the
OperationOutcome wants an IssueType and a FHIRPath-like ``expression``. Every place that
validates a request with the R4B models (the structure check of ``$localize-root``, the
``$translate`` Parameters body) answers through :func:`validation_issues`, so the same mistake
gets the same issue everywhere: one issue per error, the type mapped by table (after
fhirstarter: ``missing`` -> ``required``, ``extra_forbidden`` -> ``structure``, ``*_type`` ->
``value``, otherwise ``invalid``), the location turned into ``Parameters.parameter[0].name``.
No Flask; the request's values are never quoted (``include_input=False``): they are patient data.
"""

from __future__ import annotations

import functools
import re
import typing as t

from ...errors import Issue

if t.TYPE_CHECKING:
    import pydantic

__all__ = ["validation_issues"]

_CHOICE = re.compile(r"'([a-z]+)[A-Z]")


def validation_issues(
    error: pydantic.ValidationError, path: str, *, limit: int | None = None
) -> list[Issue]:
    """One issue per error of *error*, each ``expression`` starting at *path* (the resource's
    own location, ``Parameters`` or ``Bundle.entry[3].resource``).

    :param limit: keep at most this many issues (None: all).
    """
    errors = error.errors(include_url=False, include_input=False)
    return [_pydantic_issue(err, path) for err in errors[:limit]]


#: pydantic error type -> FHIR IssueType, for the types not covered by the suffix rules.
_ERROR_CODES = {
    "missing": "required",
    "model_field_validation.missing": "required",
    "extra_forbidden": "structure",
    "json_invalid": "structure",
    "model_validation_format": "structure",
}


def _pydantic_issue(error: t.Mapping[str, t.Any], path: str) -> Issue:
    kind = str(error.get("type", ""))
    expression = path + _loc_path(error.get("loc", ()))
    if kind in _ERROR_CODES:
        code = _ERROR_CODES[kind]
    elif kind.endswith(("_type", "_parsing")) or kind in {
        "int_from_float",
        "less_than_equal",
        "greater_than_equal",
    }:
        code = "value"
    elif kind == "value_error" and "regex" in str(error.get("msg", "")):
        code = "value"  # a primitive whose lexical form is wrong (a date, a code with spaces...)
    else:
        code = "invalid"
    choice = (
        _CHOICE.search(str(error.get("msg", "")))
        if "but got multiple" in str(error.get("msg", ""))
        else None
    )
    if choice:
        code, message = (
            "structure",
            f"{expression} has more than one {choice.group(1)}[x] element; FHIR allows one",
        )
    elif code == "required":
        message = f"{expression} is required but missing"
    elif code == "structure" and kind == "extra_forbidden":
        message = f"{expression} is not an element of FHIR R4 (unknown element)"
    elif kind in {"json_invalid", "model_validation_format"}:
        message = f"{expression} must be a JSON object of the right FHIR type"
    else:
        message = f"{expression}: {error.get('msg', 'invalid value')}"
    return Issue(message, (expression,), code)


def _loc_path(loc: t.Iterable[t.Any]) -> str:
    """``('entry', 3, 'resource', 'status')`` -> ``.entry[3].resource.status``.

    Segments that are not FHIR element names are dropped: resource-type names that pydantic
    puts in the location of a nested resource, fhir_core's ``root`` and pydantic's validator
    tags. A capitalised segment that is not a resource type stays: it is an unknown element
    (``Status`` from a PascalCase serializer) and the issue must name it.
    """
    out = []
    for part in loc:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif (
            isinstance(part, str)
            and part
            and part != "root"
            and not _is_resource_type(part)
            and not any(ch in part for ch in "[(<,")
        ):
            out.append(f".{part}")
    return "".join(out)


@functools.cache
def _is_resource_type(name: str) -> bool:
    """Whether *name* is an R4B resource type (``Observation``), as in a pydantic location."""
    if not name[0].isupper():
        return False
    from fhir.resources.R4B import get_fhir_model_class

    try:
        get_fhir_model_class(name)
    except (KeyError, ValueError, LookupError):
        return False
    return True
