"""openapi.yaml, /fhir/metadata and the Flask routes describe the same API; errors are FHIR."""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path

import pytest
import yaml

from service import create_app
from service.api.surface import RESOURCES
from service.errors import InvalidRequest, ServiceError
from service.fhir.outcome import ERROR_TABLE
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

ROOT = Path(__file__).parent.parent.parent
SAMPLE = ROOT / "tests" / "data" / "samples" / "l5-left.json"
OPERATION = "/fhir/ClinicalImpression/$localize-root"


def routes(app: t.Any) -> set[tuple[str, str]]:
    """(path in OpenAPI form, method) of every rule the app serves."""
    found = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        path = re.sub(r"\{(?!vid\})[a-z_]+\}", "{id}", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def documented() -> set[tuple[str, str]]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "delete", "patch"}
    }


def test_openapi_documents_exactly_the_routes_the_app_serves(app: t.Any) -> None:
    assert routes(app) == documented()


def test_served_openapi_is_the_top_level_file(client: t.Any) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == (ROOT / "openapi.yaml").read_text()


def test_capability_statement_lists_every_fhir_route_and_nothing_else(
    app: t.Any, client: t.Any
) -> None:
    statement = client.get("/fhir/metadata").get_json()
    assert_valid_r4(statement)
    claimed = set()
    for resource in statement["rest"][0]["resource"]:
        kind = resource["type"]
        for interaction in resource.get("interaction", []):
            path = {
                "read": f"/fhir/{kind}/{{id}}",
                "vread": f"/fhir/{kind}/{{id}}/_history/{{vid}}",
                "search-type": f"/fhir/{kind}",
                "patch": f"/fhir/{kind}/{{id}}",
            }[interaction["code"]]
            claimed.add((path, "patch" if interaction["code"] == "patch" else "get"))
            if interaction["code"] == "search-type" and RESOURCES[kind].post_search:
                claimed.add((f"/fhir/{kind}/_search", "post"))
        for operation in resource.get("operation", []):
            methods = {
                "localize-root": ["post"],
                "classify-isncsci": ["post"],
                "translate": ["get", "post"],
                "validate": ["post"],
            }[operation["name"]]
            claimed |= {(f"/fhir/{kind}/${operation['name']}", m) for m in methods}
    served = {
        r
        for r in routes(app)
        if r[0].startswith("/fhir/")
        and r[0] not in {"/fhir/metadata", "/fhir/.well-known/smart-configuration"}
    }
    assert claimed == served


def test_capability_statement_is_an_r4_instance_statement_with_limits(client: t.Any) -> None:
    response = client.get("/fhir/metadata")
    statement = response.get_json()
    assert statement["kind"] == "instance" and statement["fhirVersion"] == "4.0.1"
    assert "json" in statement["format"]
    assert response.headers["ETag"].startswith('W/"')
    assert "5000 entries" in statement["rest"][0]["documentation"]


@pytest.mark.parametrize("mode", ["full", "normative", "terminology"])
def test_metadata_answers_every_fhir_mode(client: t.Any, mode: str) -> None:
    response = client.get(f"/fhir/metadata?mode={mode}")
    assert response.status_code == 200
    assert response.get_json()["resourceType"] == "CapabilityStatement"


@pytest.mark.parametrize("query", ["mode=AAA", "mode=", "mode=FULL", "mode=full&mode=full"])
def test_metadata_refuses_an_unknown_or_repeated_mode_naming_it(client: t.Any, query: str) -> None:
    response = client.get(f"/fhir/metadata?{query}")
    assert response.status_code == 400
    outcome = response.get_json()
    assert_valid_r4(outcome)
    assert outcome["issue"][0]["code"] == "value"
    assert outcome["issue"][0]["expression"] == ["http.mode"]


def test_operation_definition_is_served_and_valid(client: t.Any) -> None:
    response = client.get("/fhir/OperationDefinition/localize-root")
    assert response.status_code == 200
    definition = response.get_json()
    assert_valid_r4(definition)
    assert definition["code"] == "localize-root" and definition["type"] is True
    assert {p["name"] for p in definition["parameter"]} == {"bundle", "observation", "return"}
    statement = client.get("/fhir/metadata").get_json()
    impression = next(
        r for r in statement["rest"][0]["resource"] if r["type"] == "ClinicalImpression"
    )
    assert impression["operation"][0]["definition"] == definition["url"]


def test_operation_definition_says_what_issue_11_added(client: t.Any) -> None:
    """The OperationDefinition names the issue-11 reasoning a client may see in the answer."""
    text = client.get("/fhir/OperationDefinition/localize-root").get_json()["description"]
    for phrase in (
        "stop supporting roots",
        "Brown-Sequard",
        "polyradiculoneuropathy",
        "URGENT only on the SBNS/BASS and GIRFT triggers",
        "tibial and sciatic",
        "at most possible",
        "EMG/NCS",
    ):
        assert phrase in text, phrase


def _error_classes() -> list[type]:
    """Every ServiceError subclass defined anywhere in the service (every module imported)."""
    import importlib
    import pkgutil

    import service

    for module in pkgutil.walk_packages(service.__path__, "service."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)

    def subclasses(cls: type) -> list[type]:
        return [s for sub in cls.__subclasses__() for s in (sub, *subclasses(sub))]

    return [cls for cls in subclasses(ServiceError) if cls.__module__.startswith("service")]


def test_every_service_error_is_mapped_explicitly_not_by_the_base_class() -> None:
    from service.fhir.outcome import mapped_class

    assert ServiceError not in ERROR_TABLE  # else every subclass would match it
    classes = _error_classes()
    assert len(classes) >= 15
    unmapped = [cls.__name__ for cls in classes if mapped_class(cls) is None]
    assert unmapped == []


def test_an_unmapped_error_class_is_detected_and_answers_a_logged_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from service.fhir.outcome import mapped_class, status_for

    class Forgotten(ServiceError):
        pass

    class Deliberate(InvalidRequest):  # mapped by a deliberate parent
        pass

    assert mapped_class(Forgotten) is None
    assert mapped_class(Deliberate) is InvalidRequest
    assert status_for(Forgotten("x")) == (500, "exception")
    assert "Forgotten" in caplog.text


def sample() -> bytes:
    return SAMPLE.read_bytes()


ERRORS = [
    ("GET on the operation", "get", OPERATION, {}, b"", 405, "not-supported", None),
    ("unknown path", "get", "/fhir/Nothing/here", {}, b"", 404, "not-found", None),
    (
        "unknown operation definition",
        "get",
        "/fhir/OperationDefinition/other",
        {},
        b"",
        404,
        "not-found",
        None,
    ),
    (
        "HTML accepted only",
        "get",
        "/fhir/metadata",
        {"Accept": "text/html"},
        b"",
        406,
        "not-supported",
        "http.Accept",
    ),
    (
        "_format turtle",
        "get",
        "/fhir/metadata?_format=ttl",
        {},
        b"",
        406,
        "not-supported",
        "http._format",
    ),
    (
        "another FHIR version",
        "get",
        "/fhir/metadata",
        {"Accept": "application/fhir+json; fhirVersion=5.0"},
        b"",
        406,
        "not-supported",
        "http.Accept",
    ),
    (
        "plain text body",
        "post",
        OPERATION,
        {"Content-Type": "text/plain"},
        b"<Bundle/>",
        415,
        "not-supported",
        "http.Content-Type",
    ),
    (
        "XML body outside the FHIR namespace",
        "post",
        OPERATION,
        {"Content-Type": "application/fhir+xml"},
        b"<Bundle/>",
        400,
        "structure",
        "http.body",
    ),
    (
        "no content type",
        "post",
        OPERATION,
        {"Content-Type": ""},
        b"{}",
        415,
        "not-supported",
        "http.Content-Type",
    ),
    (
        "body for R5",
        "post",
        OPERATION,
        {"Content-Type": "application/fhir+json; fhirVersion=5.0"},
        b"{}",
        415,
        "not-supported",
        "http.Content-Type",
    ),
    ("not JSON", "post", OPERATION, FHIR_HEADERS, b"{not json", 400, "structure", None),
    ("a Patient", "post", OPERATION, FHIR_HEADERS, b'{"resourceType": "Patient"}', 400, None, None),
    (
        "nothing neurological",
        "post",
        OPERATION,
        FHIR_HEADERS,
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Patient", "id": "p"}}],
            }
        ).encode(),
        422,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "code", "expression"),
    [e[1:] for e in ERRORS],
    ids=[e[0] for e in ERRORS],
)
def test_bad_requests_answer_an_operation_outcome(
    client: t.Any,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str | None,
    expression: str | None,
) -> None:
    response = getattr(client, method)(path, data=body, headers=headers)
    assert response.status_code == status
    assert response.content_type.startswith("application/fhir+json")
    outcome = response.get_json()
    assert_valid_r4(outcome)
    issue = outcome["issue"][0]
    assert issue["severity"] == "error" and issue["diagnostics"]
    if code:
        assert issue["code"] == code
    if expression:
        assert expression in issue["expression"]
    if status == 405:
        assert response.headers["Allow"] == "POST"


def test_oversized_body_is_refused_before_parsing(tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "MAX_BODY_BYTES": 1000, "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    )
    response = app.test_client().post(OPERATION, data=sample(), headers=FHIR_HEADERS)
    assert response.status_code == 413
    assert response.get_json()["issue"][0]["code"] == "too-costly"


def test_too_many_entries_answer_413(tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "MAX_ENTRIES": 3, "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    )
    response = app.test_client().post(OPERATION, data=sample(), headers=FHIR_HEADERS)
    assert response.status_code == 413
    assert "Bundle.entry" in response.get_json()["issue"][0]["expression"]


def test_an_unexpected_error_is_a_500_outcome_without_internals(
    app: t.Any, monkeypatch: t.Any
) -> None:
    def boom(*args: t.Any, **kwargs: t.Any) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("service.api.localize.run_operation", boom)
    response = app.test_client().post(OPERATION, data=sample(), headers=FHIR_HEADERS)
    assert response.status_code == 500
    outcome = response.get_json()
    assert_valid_r4(outcome)
    assert "secret" not in json.dumps(outcome)
    assert outcome["issue"][0]["code"] == "exception"


def test_pretty_and_format_parameters_are_honoured(client: t.Any) -> None:
    pretty = client.get("/fhir/metadata?_pretty=true&_format=json")
    assert pretty.status_code == 200 and b"\n  " in pretty.data
    plain = client.get("/fhir/metadata", headers={"Accept": "application/json"})
    assert plain.content_type.startswith("application/json")


def test_observations_without_a_subject_answer_422(client: t.Any) -> None:
    document = json.loads(sample())
    for entry in document["entry"]:
        entry["resource"].pop("subject", None)
    response = client.post(OPERATION, data=json.dumps(document), headers=FHIR_HEADERS)
    assert response.status_code == 422
    assert "Observation.subject" in response.get_json()["issue"][0]["expression"]
