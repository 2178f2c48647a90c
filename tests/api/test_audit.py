"""The audit trail: one valid R4 AuditEvent per /fhir request, with who, which patient, which
resources, the outcome, the address and the request id; refusals included; never a body."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import typing as t
from pathlib import Path

import pytest

from service import create_app
from service.audit import REQUEST_ID_SYSTEM
from service.config import ConfigError
from tests.api.test_auth import OPERATION, SAMPLE, Keys, bearer, mint, settings
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

PATIENT = json.loads(SAMPLE.read_text())["entry"][0]["resource"]["subject"]["reference"]


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def events(path: Path) -> list[dict[str, t.Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    return tmp_path / "trail" / "audit.ndjson"


@pytest.fixture
def open_app(tmp_path: Path, trail: Path) -> t.Any:
    trail.parent.mkdir()
    return create_app(
        {"TESTING": True, "SQLITE_PATH": str(tmp_path / "a.sqlite3"), "AUDIT_LOG": str(trail)}
    )


@pytest.fixture
def secured(tmp_path: Path, trail: Path, keys: Keys) -> t.Any:
    trail.parent.mkdir()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks()))
    return create_app(
        settings(str(path), SQLITE_PATH=str(tmp_path / "s.sqlite3"), AUDIT_LOG=str(trail))
    )


def entity(event: dict[str, t.Any], role: str) -> list[dict[str, t.Any]]:
    return [e for e in event["entity"] if e.get("role", {}).get("code") == role]


def patients(event: dict[str, t.Any]) -> list[str]:
    return [e["what"]["reference"] for e in entity(event, "1")]


def resources(event: dict[str, t.Any]) -> list[str]:
    return [e["what"]["reference"] for e in entity(event, "4")]


def request_id(event: dict[str, t.Any]) -> str:
    (found,) = [
        e
        for e in event["entity"]
        if e.get("what", {}).get("identifier", {}).get("system") == REQUEST_ID_SYSTEM
    ]
    return str(found["what"]["identifier"]["value"])


def test_create_read_and_search_are_audited_with_patient_and_ids(
    secured: t.Any, trail: Path, keys: Keys
) -> None:
    client = secured.test_client()
    token = bearer(mint(keys, "system/*.cruds", sub="ehr-7", client_id="ehr-app"))
    posted = client.post(
        OPERATION,
        data=SAMPLE.read_bytes(),
        headers={**FHIR_HEADERS, **token, "X-Request-ID": "req-create-1"},
    )
    result = posted.get_json()["id"]
    client.get(f"/fhir/ClinicalImpression/{result}", headers=token)
    client.get(f"/fhir/ClinicalImpression?patient={PATIENT}", headers=token)
    client.get(f"/fhir/Provenance?target=ClinicalImpression/{result}", headers=token)
    create, read, search, provenance = events(trail)
    for event in (create, read, search, provenance):
        assert_valid_r4(event)
        assert event["outcome"] == "0" and event["outcomeDesc"] == "HTTP 200"
        agent = event["agent"][0]
        assert agent["who"]["identifier"] == {
            "system": "https://issuer.example.org",
            "value": "ehr-7",
        }
        assert agent["altId"] == "ehr-app" and agent["requestor"] is True
        assert agent["network"]["address"] == "127.0.0.1"
        assert patients(event) == [PATIENT]
        assert f"ClinicalImpression/{result}" in resources(event)
    assert (create["action"], create["subtype"][0]["code"]) == ("C", "operation")
    assert request_id(create) == "req-create-1"
    assert (read["action"], read["subtype"][0]["code"]) == ("R", "read")
    assert (search["action"], search["subtype"][0]["code"]) == ("E", "search-type")
    (query,) = entity(search, "24")
    assert base64.b64decode(query["query"]).decode() == f"patient={PATIENT}"
    assert any(r.startswith("Provenance/") for r in resources(provenance))


def test_refused_requests_are_audited_too(secured: t.Any, trail: Path, keys: Keys) -> None:
    client = secured.test_client()
    client.get("/fhir/ClinicalImpression/abc")  # no token
    client.get("/fhir/ClinicalImpression/abc", headers=bearer("a.b.c"))  # bad token
    client.get(
        "/fhir/ClinicalImpression/abc",
        headers=bearer(mint(keys, "system/CodeSystem.r", sub="nosy")),
    )  # wrong scope
    client.get("/fhir/ClinicalImpression/abc", headers=bearer(mint(keys)))  # unknown id
    missing, bad, forbidden, unknown = events(trail)
    for event, status in ((missing, 401), (bad, 401), (forbidden, 403), (unknown, 404)):
        assert_valid_r4(event)
        assert event["outcome"] == "4" and event["outcomeDesc"] == f"HTTP {status}"
        assert event["agent"][0]["network"]["address"] == "127.0.0.1"
        assert request_id(event)
    assert missing["agent"][0]["name"] == "anonymous" and "who" not in missing["agent"][0]
    assert bad["agent"][0]["name"] == "anonymous"
    assert forbidden["agent"][0]["who"]["identifier"]["value"] == "nosy"
    assert forbidden["entity"][-1]["detail"][1]["valueString"] == "/fhir/ClinicalImpression/abc"


def test_the_body_and_the_token_never_reach_the_trail(
    secured: t.Any, trail: Path, keys: Keys
) -> None:
    token = mint(keys)
    body = SAMPLE.read_bytes()
    secured.test_client().post(OPERATION, data=body, headers={**FHIR_HEADERS, **bearer(token)})
    text = trail.read_text()
    assert token not in text and token.split(".")[1] not in text
    sample = json.loads(body)
    for entry in sample["entry"]:
        observation = entry["resource"]
        assert json.dumps(observation["code"]) not in text
        assert observation.get("id", "\0") not in text


def test_the_trail_never_goes_to_the_application_logs(
    open_app: t.Any, trail: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = open_app.test_client()
    result = client.post(OPERATION, data=SAMPLE.read_bytes(), headers=FHIR_HEADERS).get_json()
    client.get(f"/fhir/ClinicalImpression?patient={PATIENT}")
    assert len(events(trail)) == 2
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert PATIENT not in logged and result["id"] not in logged.replace("ClinicalImpression/", "")


def test_public_documents_and_preflights_are_not_audited_but_terminology_is(
    open_app: t.Any, trail: Path
) -> None:
    client = open_app.test_client()
    client.get("/fhir/metadata")
    client.options("/fhir/CodeSystem")
    client.get("/healthz")
    client.get("/fhir/CodeSystem/spinal-segment")
    (event,) = events(trail)
    assert_valid_r4(event)
    assert (
        event["action"] == "R" and "CodeSystem" in event["entity"][-1]["detail"][1]["valueString"]
    )
    assert event["agent"][0]["name"] == "anonymous"


def test_the_trail_file_is_private_and_appended(open_app: t.Any, trail: Path) -> None:
    client = open_app.test_client()
    client.get("/fhir/CodeSystem")
    client.get("/fhir/CodeSystem")
    assert stat.S_IMODE(os.stat(trail).st_mode) == 0o600
    assert len(events(trail)) == 2


def test_a_failing_audit_write_does_not_fail_the_request(
    open_app: t.Any, trail: Path, caplog: pytest.LogCaptureFixture
) -> None:
    trail.unlink()
    trail.mkdir()  # now a directory: every append fails
    response = open_app.test_client().post(
        OPERATION, data=SAMPLE.read_bytes(), headers=FHIR_HEADERS
    )
    assert response.status_code == 200
    assert open_app.extensions["audit"].failures == 1
    assert any("audit record not written" in r.getMessage() for r in caplog.records)


def test_an_unwritable_audit_path_stops_the_service(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEUROROOT_AUDIT_LOG"):
        create_app(
            {
                "TESTING": True,
                "SQLITE_PATH": str(tmp_path / "x.sqlite3"),
                "AUDIT_LOG": str(tmp_path / "no" / "such" / "dir" / "audit.ndjson"),
            }
        )


def test_audit_to_standard_output_and_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(
        {"TESTING": True, "SQLITE_PATH": str(tmp_path / "o.sqlite3"), "AUDIT_LOG": "-"}
    )
    app.test_client().get("/fhir/CodeSystem")
    (line,) = [x for x in capsys.readouterr().out.splitlines() if '"AuditEvent"' in x]
    assert_valid_r4(json.loads(line))
    off = create_app(
        {"TESTING": True, "SQLITE_PATH": str(tmp_path / "f.sqlite3"), "AUDIT_LOG": "off"}
    )
    assert off.extensions["audit"] is None
    off.test_client().get("/fhir/CodeSystem")
    assert '"AuditEvent"' not in capsys.readouterr().out


def test_a_server_error_is_audited_as_a_serious_failure(open_app: t.Any, trail: Path) -> None:
    def boom() -> t.NoReturn:
        raise RuntimeError("Patient/secret in a message")

    open_app.testing = False
    open_app.config["PROPAGATE_EXCEPTIONS"] = False
    open_app.add_url_rule("/fhir/Boom", "boom", boom)
    assert open_app.test_client().get("/fhir/Boom").status_code == 500
    (event,) = events(trail)
    assert_valid_r4(event)
    assert event["outcome"] == "8" and "Patient/secret" not in trail.read_text()
