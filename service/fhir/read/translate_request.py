"""The ``$translate`` request body: a Parameters resource read into name -> (value, expression).

No Flask: the view hands over the body bytes. GET query parameters and POST body parameters
then share one marshmallow schema in :mod:`service.api.terminology`, so which combination is
required ("exactly one of ``coding`` or ``code`` with ``system``") is decided in one place.
"""

from __future__ import annotations

import typing as t

import orjson
from pydantic import ValidationError

from ...errors import InvalidRequest
from .validation_issues import validation_issues

__all__ = [
    "TRANSLATE_PARAMETERS",
    "check_no_nulls",
    "read_translate_body",
    "read_translate_parameters",
]

#: The ``$translate`` inputs this server reads -> the Parameters value[x] each must use.
TRANSLATE_PARAMETERS = {
    "system": "valueUri",
    "code": "valueCode",
    "coding": "valueCoding",
    "url": "valueUri",
    "targetsystem": "valueUri",
}


def read_translate_body(data: bytes) -> t.Any:
    """The decoded JSON of a ``$translate`` POST body.

    :raise InvalidRequest: when it is empty or not JSON (the message never quotes the body).
    """
    if not data.strip():
        raise InvalidRequest("the body is empty: send a Parameters resource", "Parameters")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(
            f"the body is not valid JSON (line {exc.lineno}, column {exc.colno})", "Parameters"
        ) from None


def check_no_nulls(value: object, where: str) -> None:
    """400 naming the element whose value is JSON ``null``: FHIR JSON has no nulls (an absent
    element is left out), and R4B would silently read one as absent."""
    if value is None:
        raise InvalidRequest(f"{where} is null: FHIR JSON leaves an absent element out", where)
    if isinstance(value, dict):
        for key, item in value.items():
            check_no_nulls(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_no_nulls(item, f"{where}[{index}]")


def _check_resource_types(parameters: object, where: str) -> None:
    """400 naming ``...resource.resourceType`` for a parameter resource of no R4B type.

    fhir.resources raises a KeyError (not a ValidationError) for an unknown ``resourceType``
    inside a Parameters, so this is checked first, in parameters and their parts alike.
    """
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    if not isinstance(parameters, list):
        return  # the wrong shape is the model's to report
    for index, param in enumerate(parameters):
        if not isinstance(param, dict):
            continue
        here = f"{where}[{index}]"
        resource = param.get("resource")
        if isinstance(resource, dict):
            kind = resource.get("resourceType")
            try:
                known = isinstance(kind, str) and issubclass(get_fhir_model_class(kind), Resource)
            except (KeyError, ValueError):
                known = False
            if not known:
                raise InvalidRequest(
                    f"{here}.resource: {str(kind)[:64]!r} is not a FHIR R4 resource type",
                    f"{here}.resource.resourceType",
                )
        _check_resource_types(param.get("part"), f"{here}.part")


def read_translate_parameters(body: object) -> dict[str, tuple[t.Any, str]]:
    """Check a ``$translate`` Parameters body; return parameter name -> (value, expression).

    The structure is validated with fhir.resources R4B; then every parameter must be one this
    server reads (:data:`TRANSLATE_PARAMETERS`), given once, with its value[x] type. ``coding``
    stays a Coding dict. Which combination is required is the caller's rule, shared with GET.

    :raise InvalidRequest: naming the offending element.
    """
    from fhir.resources.R4B.parameters import Parameters  # slow first import: only when used

    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object: a Parameters resource", "Parameters")
    if (kind := body.get("resourceType")) != "Parameters":
        where = kind if isinstance(kind, str) and kind.isalpha() else "resourceType"
        raise InvalidRequest(
            f"the body must be a Parameters resource, not {str(kind)[:64]!r}", where
        )
    check_no_nulls(body, "Parameters")
    _check_resource_types(body.get("parameter"), "Parameters.parameter")
    try:
        Parameters.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest.many(validation_issues(exc, "Parameters", limit=20)) from exc
    found: dict[str, tuple[t.Any, str]] = {}
    for index, param in enumerate(body.get("parameter") or []):
        where, name = f"Parameters.parameter[{index}]", param["name"]
        if (expected := TRANSLATE_PARAMETERS.get(name)) is None:
            raise InvalidRequest(
                f"unknown parameter {name[:64]!r}: $translate here reads "
                f"{', '.join(TRANSLATE_PARAMETERS)}",
                f"{where}.name",
            )
        if name in found:
            raise InvalidRequest(f"parameter {name!r} is given more than once", where)
        if (values := [key for key in param if key.startswith("value")]) != [expected]:
            raise InvalidRequest(
                f"parameter {name!r} needs a {expected}", f"{where}.{(values or [expected])[0]}"
            )
        found[name] = (param[expected], where)
    return found
