"""CORS: off (no header at all) by default; preflights and exposed headers when configured."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from service import create_app
from service.config import ConfigError
from service.cors import parse_origins
from tests.api.test_auth import AUDIENCE, ISSUER, Keys
from tests.conftest import FHIR_HEADERS

APP_ORIGIN = "https://app.example.org"
OPERATION = "/fhir/ClinicalImpression/$localize-root"
PREFLIGHT = {
    "Origin": APP_ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def make(tmp_path: Path, origins: str, **more: t.Any) -> t.Any:
    return create_app(
        {
            "TESTING": True,
            "SQLITE_PATH": str(tmp_path / "cors.sqlite3"),
            "CORS_ORIGINS": origins,
            **more,
        }
    ).test_client()


def cors_headers(response: t.Any) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def test_no_cors_headers_at_all_by_default(client: t.Any) -> None:
    for response in (
        client.get("/fhir/metadata", headers={"Origin": APP_ORIGIN}),
        client.options(OPERATION, headers=PREFLIGHT),
        client.get("/fhir/nowhere", headers={"Origin": APP_ORIGIN}),
    ):
        assert cors_headers(response) == {}
    assert client.get("/fhir/metadata").get_json()["rest"][0]["security"]["cors"] is False


def test_preflight_from_an_allowed_origin(tmp_path: Path) -> None:
    client = make(tmp_path, f"{APP_ORIGIN}, http://localhost:3000")
    response = client.options(OPERATION, headers={**PREFLIGHT, "Accept": "text/html"})
    assert response.status_code == 204 and response.get_data() == b""
    headers = cors_headers(response)
    assert headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert {"GET", "POST"} <= {
        m.strip() for m in headers["Access-Control-Allow-Methods"].split(",")
    }
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"authorization", "content-type"}  # what was asked for, if allowed
    wanted = "authorization, content-type, x-request-id, prefer, if-none-match, if-match, x-secret"
    response = client.options(
        OPERATION, headers={**PREFLIGHT, "Access-Control-Request-Headers": wanted}
    )
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert allowed == set(wanted.split(", ")) - {"x-secret"}
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in headers


def test_preflight_from_another_origin_gets_no_permission(tmp_path: Path) -> None:
    client = make(tmp_path, APP_ORIGIN)
    for origin in ("https://evil.example.org", "null", "http://app.example.org"):
        response = client.options(OPERATION, headers={**PREFLIGHT, "Origin": origin})
        assert response.status_code == 204
        assert cors_headers(response) == {}, origin


def test_answers_to_an_allowed_origin_expose_the_fhir_headers(tmp_path: Path) -> None:
    client = make(tmp_path, APP_ORIGIN)
    data = (Path(__file__).parent.parent / "data" / "samples" / "l5-left.json").read_bytes()
    posted = client.post(OPERATION, data=data, headers={**FHIR_HEADERS, "Origin": APP_ORIGIN})
    assert posted.status_code == 200
    assert posted.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    exposed = {h.strip() for h in posted.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Location", "Content-Location", "X-Request-ID"} <= exposed
    assert "Origin" in posted.headers["Vary"]
    error = client.get("/fhir/nowhere", headers={"Origin": APP_ORIGIN})
    assert error.status_code == 404
    assert error.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    other = client.get("/fhir/metadata", headers={"Origin": "https://evil.example.org"})
    assert cors_headers(other) == {}
    assert "Origin" in other.headers["Vary"]
    assert client.get("/fhir/metadata").get_json()["rest"][0]["security"]["cors"] is True


def test_star_allows_any_origin(tmp_path: Path) -> None:
    client = make(tmp_path, "*")
    preflight = client.options(
        "/fhir/CodeSystem", headers={**PREFLIGHT, "Origin": "https://x.test"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    response = client.get("/healthz", headers={"Origin": "https://y.test"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_needs_no_token_and_401s_are_readable_cross_origin(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(Keys().jwks()))
    client = make(
        tmp_path,
        APP_ORIGIN,
        AUTH_ENABLED=True,
        AUTH_JWKS=str(jwks),
        AUTH_ISSUER=ISSUER,
        AUTH_AUDIENCE=AUDIENCE,
    )
    preflight = client.options(OPERATION, headers=PREFLIGHT)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    refused = client.post(OPERATION, data=b"{}", headers={**FHIR_HEADERS, "Origin": APP_ORIGIN})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == APP_ORIGIN


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example.org/",
        "https://app.example.org/path",
        "ftp://files.example.org",
        "app.example.org",
        "*, https://a.test",
        "https://a.test:99999",
    ],
)
def test_a_malformed_origin_refuses_to_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="NEUROROOT_CORS_ORIGINS"):
        make(tmp_path, value)


def test_origins_are_normalised() -> None:
    assert parse_origins(" HTTPS://App.Example.org:443 , http://localhost:3000,") == {
        "https://app.example.org",
        "http://localhost:3000",
    }
    assert parse_origins("") == parse_origins(" , ") == frozenset()
    assert parse_origins("*") == {"*"}
