"""JWK Set URLs (bounded fetches, cooldown, stale keys, https), token lifetime and type, and the
SMART discovery document.

The key host is a real HTTP server on 127.0.0.1 started here, in a thread, whose behaviour each
test sets: the good key set, a slow drip, a huge body, a non-JSON answer, an outage. Loopback is
the one host allowed over plain http, which is what lets these tests run without TLS.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import typing as t
from pathlib import Path

import pytest

from service import create_app
from service.auth import jwks
from service.config import ConfigError
from tests.api.test_auth import AUDIENCE, ISSUER, Keys, assert_refused, bearer, mint, settings
from tests.validation import assert_valid_r4


class KeyHost:
    """A loopback HTTP server answering GET /jwks.json as ``self.mode`` says."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.mode = "good"
        self.hits = 0
        self.stop = threading.Event()
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: t.Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                host.hits += 1
                host.answer(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def send(self, handler: t.Any, status: int, body: bytes, length: int | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body) if length is None else length))
        handler.end_headers()
        handler.wfile.write(body)

    def answer(self, handler: t.Any) -> None:
        if self.mode == "good":
            self.send(handler, 200, json.dumps(self.keys.jwks()).encode())
        elif self.mode == "html":
            self.send(handler, 200, b"<html><body>Service Unavailable</body></html>")
        elif self.mode == "down":
            self.send(handler, 502, b"bad gateway")
        elif self.mode == "drip":  # headers, then a byte every 0.3 s: never a read time-out
            body = json.dumps(self.keys.jwks()).encode()
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            for byte in body:
                if self.stop.wait(0.3):
                    return
                try:
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
                except OSError:
                    return
        elif self.mode in ("huge", "huge-chunked"):  # 200 MB announced (or not), sent lazily
            handler.send_response(200)
            if self.mode == "huge":
                handler.send_header("Content-Length", str(200 * 1024 * 1024))
            handler.end_headers()
            block = b" " * 65536
            try:
                for _ in range(200 * 16):
                    if self.stop.is_set():
                        return
                    handler.wfile.write(block)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def host(keys: Keys) -> t.Iterator[KeyHost]:
    server = KeyHost(keys)
    yield server
    server.close()


def app_for(url: str, tmp_path: Path, **more: t.Any) -> t.Any:
    return create_app(settings(url, SQLITE_PATH=str(tmp_path / "keys.sqlite3"), **more))


def get(client: t.Any, token: str) -> t.Any:
    return client.get("/fhir/CodeSystem", headers=bearer(token))


def assert_unavailable(response: t.Any) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    outcome = response.get_json()
    assert_valid_r4(outcome)
    assert outcome["issue"][0]["code"] == "transient"


# --- the fetch --------------------------------------------------------------------------------


def test_a_jwks_url_is_fetched_on_first_use_and_cached(
    host: KeyHost, keys: Keys, tmp_path: Path
) -> None:
    client = app_for(host.url, tmp_path).test_client()
    assert host.hits == 0, "nothing is fetched at start"
    assert get(client, mint(keys)).status_code == 200
    assert get(client, mint(keys, key="ec")).status_code == 200
    assert host.hits == 1


def test_a_non_json_key_set_answers_503_not_500(host: KeyHost, keys: Keys, tmp_path: Path) -> None:
    host.mode = "html"
    assert_unavailable(get(app_for(host.url, tmp_path).test_client(), mint(keys)))


def test_an_http_error_from_the_key_host_answers_503(
    host: KeyHost, keys: Keys, tmp_path: Path
) -> None:
    host.mode = "down"
    assert_unavailable(get(app_for(host.url, tmp_path).test_client(), mint(keys)))


def test_a_dripping_key_host_is_cut_at_the_total_deadline(
    host: KeyHost, keys: Keys, tmp_path: Path
) -> None:
    host.mode = "drip"  # a byte every 0.3 s would never trip a 1 s per-read time-out
    client = app_for(host.url, tmp_path, AUTH_JWKS_TIMEOUT=1.0).test_client()
    started = time.monotonic()
    response = get(client, mint(keys))
    elapsed = time.monotonic() - started
    assert_unavailable(response)
    assert elapsed < 2.5, f"the fetch took {elapsed:.1f} s despite a 1 s deadline"


@pytest.mark.parametrize("mode", ["huge", "huge-chunked"])
def test_a_huge_key_set_is_refused_without_reading_it_all(
    host: KeyHost, keys: Keys, tmp_path: Path, mode: str
) -> None:
    host.mode = mode
    client = app_for(host.url, tmp_path, AUTH_JWKS_MAX_BYTES=64 * 1024).test_client()
    started = time.monotonic()
    assert_unavailable(get(client, mint(keys)))
    assert time.monotonic() - started < 3


def test_after_a_failure_no_request_refetches_within_the_cooldown(
    host: KeyHost, keys: Keys, tmp_path: Path
) -> None:
    host.mode = "down"
    client = app_for(host.url, tmp_path, AUTH_JWKS_COOLDOWN=60).test_client()
    for _ in range(5):
        assert_unavailable(get(client, mint(keys)))
    assert host.hits == 1, "each request during the cooldown must not fetch again"


def test_a_failed_refresh_serves_the_keys_fetched_before(
    host: KeyHost, keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_for(host.url, tmp_path, AUTH_JWKS_COOLDOWN=0)
    client = app.test_client()
    assert get(client, mint(keys)).status_code == 200
    host.mode = "down"
    monkeypatch.setattr(jwks, "CACHE_SECONDS", 0)  # the cached keys are due for a refresh
    assert get(client, mint(keys)).status_code == 200, "stale keys must be served on error"
    assert host.hits == 2, "the refresh was tried"
    monkeypatch.setattr(jwks, "MAX_STALE_SECONDS", 0)  # ... but not for ever
    assert_unavailable(get(client, mint(keys)))


def test_unknown_kids_refresh_the_keys_at_most_once_per_cooldown(
    host: KeyHost, keys: Keys, tmp_path: Path
) -> None:
    client = app_for(host.url, tmp_path, AUTH_JWKS_COOLDOWN=60).test_client()
    assert get(client, mint(keys)).status_code == 200
    for n in range(10):
        assert_refused(get(client, mint(keys, kid=f"forged-{n}")), 401)
    assert host.hits == 1, "the keys were fetched just now: no refresh until the cooldown ends"
    assert get(client, mint(keys, key="ec")).status_code == 200


def test_unknown_kids_refresh_again_once_the_cooldown_is_over(
    host: KeyHost, keys: Keys, tmp_path: Path
) -> None:
    client = app_for(host.url, tmp_path, AUTH_JWKS_COOLDOWN=0.2).test_client()
    assert get(client, mint(keys)).status_code == 200
    assert_refused(get(client, mint(keys, kid="rotated")), 401)
    assert host.hits == 1
    time.sleep(0.3)
    assert_refused(get(client, mint(keys, kid="rotated")), 401)
    assert host.hits == 2, "an unknown kid after the cooldown refreshes the keys"


@pytest.mark.parametrize(
    "url",
    [
        "http://issuer.example.org/jwks.json",
        "http://10.0.0.5/jwks.json",
        "HTTP://issuer.example.org/jwks.json",
    ],
)
def test_a_plain_http_key_url_refuses_to_start(url: str) -> None:
    with pytest.raises(ConfigError, match="NEUROROOT_AUTH_JWKS: .*https"):
        create_app(settings(url))


@pytest.mark.parametrize(
    "url",
    [
        "https://issuer.example.org/jwks.json",
        "http://127.0.0.1:9/jwks.json",
        "http://localhost:9/jwks.json",
        "http://[::1]:9/jwks.json",
    ],
)
def test_https_and_loopback_key_urls_are_accepted(url: str, tmp_path: Path) -> None:
    app_for(url, tmp_path)


def test_the_fetch_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, host: KeyHost, keys: Keys, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEUROROOT_AUTH_JWKS_MAX_BYTES", "nope")
    with pytest.raises(ConfigError, match="NEUROROOT_AUTH_JWKS_MAX_BYTES"):
        app_for(host.url, tmp_path)
    monkeypatch.setenv("NEUROROOT_AUTH_JWKS_MAX_BYTES", "1024")
    host.mode = "huge-chunked"
    assert_unavailable(get(app_for(host.url, tmp_path).test_client(), mint(keys)))
    monkeypatch.setenv("NEUROROOT_AUTH_MAX_TOKEN_LIFETIME", "600")
    host.mode = "good"
    client = app_for(host.url, tmp_path).test_client()
    now = int(time.time())
    assert get(client, mint(keys, iat=now, exp=now + 600)).status_code == 200
    assert_refused(get(client, mint(keys, iat=now, exp=now + 900)), 401)


# --- the token --------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path, keys: Keys) -> t.Any:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks()))
    return create_app(
        settings(str(path), SQLITE_PATH=str(tmp_path / "t.sqlite3"), AUTH_MAX_TOKEN_LIFETIME=3600)
    ).test_client()


def test_tokens_living_longer_than_the_maximum_are_401(client: t.Any, keys: Keys) -> None:
    now = int(time.time())
    assert get(client, mint(keys, iat=now, exp=now + 3600)).status_code == 200
    for token in (
        mint(keys, iat=now, exp=now + 3601),  # exp - iat too long
        mint(keys, iat=now - 86_000, exp=now + 400),  # issued a day ago, still "valid"
        jwt_without_iat(keys, exp=now + 7 * 86_400),  # no iat: exp - now is capped too
    ):
        assert_refused(get(client, token), 401)


def jwt_without_iat(keys: Keys, **claims: t.Any) -> str:
    import jwt as pyjwt

    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "ehr-1", "scope": "system/*.*", **claims}
    return pyjwt.encode(body, keys.rsa, algorithm="RS256", headers={"kid": "rsa-1"})


@pytest.mark.parametrize(
    ("typ", "accepted"),
    [
        (None, True),
        ("JWT", True),
        ("jwt", True),
        ("at+jwt", True),
        ("application/at+jwt", True),
        ("dpop+jwt", False),
        ("logout+jwt", False),
        ("secevent+jwt", False),
        ("JWE", False),
        (7, False),
    ],
)
def test_the_token_type_must_be_jwt_or_at_jwt(
    client: t.Any, keys: Keys, typ: t.Any, accepted: bool
) -> None:
    import jwt as pyjwt

    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "ehr-1",
        "scope": "system/*.*",
        "iat": now,
        "exp": now + 300,
    }
    headers: dict[str, t.Any] = {"kid": "rsa-1", "typ": typ}
    token = pyjwt.encode(body, keys.rsa, algorithm="RS256", headers=headers)
    if typ is None:  # PyJWT writes typ JWT unless told not to
        token = pyjwt.encode(
            body, keys.rsa, algorithm="RS256", headers={"kid": "rsa-1", "typ": None}
        )
        assert "typ" not in pyjwt.get_unverified_header(token)
    response = get(client, token)
    if accepted:
        assert response.status_code == 200, typ
    else:
        assert_refused(response, 401)


# --- SMART discovery --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"]
)
def test_the_smart_configuration_is_public(tmp_path: Path, host: KeyHost, path: str) -> None:
    app = create_app(
        settings(
            "https://issuer.example.org/jwks.json",
            SQLITE_PATH=str(tmp_path / "s.sqlite3"),
            AUTH_TOKEN_ENDPOINT="https://issuer.example.org/token",
        )
    )
    response = app.test_client().get(path)  # no token
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["token_endpoint"] == "https://issuer.example.org/token"
    assert document["issuer"] == ISSUER
    assert document["jwks_uri"] == "https://issuer.example.org/jwks.json"
    assert document["grant_types_supported"] == ["client_credentials"]
    assert "permission-v2" in document["capabilities"]
    assert "client-confidential-asymmetric" in document["capabilities"]
    assert "system/ClinicalImpression.crus" in document["scopes_supported"]
    assert "system/Provenance.rs" in document["scopes_supported"]


def test_the_smart_configuration_without_a_token_endpoint_and_with_auth_off(
    tmp_path: Path, keys: Keys
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks()))
    secured = create_app(settings(str(path), SQLITE_PATH=str(tmp_path / "a.sqlite3")))
    document = secured.test_client().get("/.well-known/smart-configuration").get_json()
    assert "token_endpoint" not in document and "jwks_uri" not in document  # a file, not a URL
    open_app = create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "b.sqlite3")})
    response = open_app.test_client().get("/fhir/.well-known/smart-configuration")
    assert response.status_code == 404
    assert_valid_r4(response.get_json())
    assert "NEUROROOT_AUTH_ENABLED" in response.get_json()["issue"][0]["diagnostics"]
