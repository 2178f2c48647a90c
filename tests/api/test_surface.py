"""The REST surface is declared once (service/api/surface.py); everything else agrees with it."""

from __future__ import annotations

import typing as t
from pathlib import Path

import yaml

from service.api import terminology
from service.api.surface import MAX_COUNT, RESOURCES, route_scopes
from service.auth import PARAMETER_SCOPES, ROUTE_SCOPES
from service.fhir.conformance.capability import MAX_PAGE
from service.store.filters import DEFAULTS, FILTERS, SORTS

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text())
GENERAL = {"_format", "_pretty"}


def _resolve(item: dict[str, t.Any]) -> dict[str, t.Any]:
    if "$ref" in item:
        return SPEC["components"]["parameters"][item["$ref"].rsplit("/", 1)[1]]
    return item


def _query_params(path: str, method: str) -> dict[str, dict[str, t.Any]]:
    operation = SPEC["paths"][path][method]
    return {
        p["name"]: p for p in map(_resolve, operation.get("parameters", [])) if p["in"] == "query"
    }


def _declared(params: t.Iterable[t.Any]) -> dict[str, dict[str, t.Any]]:
    return {p.name: p for p in params}


def test_openapi_query_parameters_are_exactly_the_declared_ones() -> None:
    for kind, resource in RESOURCES.items():
        checks = []
        if resource.search:
            checks.append((f"/fhir/{kind}", resource.search_params()))
        if resource.read and kind != "OperationDefinition":
            checks.append((f"/fhir/{kind}/{{id}}", resource.read_params()))
        if resource.vread:
            checks.append((f"/fhir/{kind}/{{id}}/_history/{{vid}}", resource.read_params()))
        for path, params in checks:
            documented = _query_params(path, "get")
            declared = _declared(params)
            assert set(documented) - GENERAL == set(declared), path
            for name, param in declared.items():
                assert documented[name]["schema"] == param.schema, (path, name)
                assert (documented[name].get("explode") is True) is param.repeatable, (path, name)
        if resource.post_search:
            body = SPEC["paths"][f"/fhir/{kind}/_search"]["post"]["requestBody"]["content"]
            form = body["application/x-www-form-urlencoded"]["schema"]["properties"]
            assert form == {p.name: p.schema for p in resource.search_params()}, kind


def test_every_declared_filter_exists_and_every_filter_is_declared() -> None:
    for kind, resource in RESOURCES.items():
        names = {p.filter for p in resource.params if p.filter}
        registry = (
            FILTERS.get(kind)
            if kind in FILTERS
            else (terminology.FILTERS if resource.search else {})
        )
        assert names == set(registry), kind
        assert set(resource.sorts) <= set(SORTS.get(kind, {})), kind


def test_a_default_condition_belongs_to_a_declared_filter() -> None:
    """A default (retracted results left out) applies when a declared parameter is not given,
    so a client can always ask for what it hides."""
    for kind, defaults in DEFAULTS.items():
        declared = {p.filter for p in RESOURCES[kind].params if p.filter}
        assert set(defaults) <= declared, kind
    assert "status" in DEFAULTS["ClinicalImpression"]


def test_access_rules_are_generated_from_the_declaration() -> None:
    assert route_scopes().items() <= ROUTE_SCOPES.items()
    assert ROUTE_SCOPES[("PATCH", "retract.retract_impression")] == ("ClinicalImpression", "u")
    assert ROUTE_SCOPES[("POST", "validate.validate_bundle")] == ("ClinicalImpression", "c")
    assert PARAMETER_SCOPES[("GET", "results.search_impressions", "_revinclude")] == (
        "Provenance",
        "s",
    )
    assert PARAMETER_SCOPES[("POST", "results.search_provenance", "_include")] == (
        "ClinicalImpression",
        "s",
    )


def test_capability_search_params_are_the_declared_filters(client: t.Any) -> None:
    statement = client.get("/fhir/metadata").get_json()
    for entry in statement["rest"][0]["resource"]:
        resource = RESOURCES[entry["type"]]
        listed = [(p["name"], p["type"]) for p in entry.get("searchParam", [])]
        assert listed == [(p.name, p.type) for p in resource.params if p.filter]
    assert MAX_PAGE == MAX_COUNT
