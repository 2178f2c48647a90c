"""Access control: bearer JWTs (RS256/ES256 from a JWK Set file) and SMART system scopes.

Keys are made here (an RSA and an EC P-256 pair, plus an RSA pair the server does not know),
the JWK Set is written to tmp_path, and tokens are minted with PyJWT; nothing touches the
network (JWK Set URLs are tested against a loopback key host in test_auth_keys.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import typing as t
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from service import auth, create_app
from service.config import ConfigError
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

SAMPLE = Path(__file__).parent.parent / "data" / "samples" / "l5-left.json"
OPERATION = "/fhir/ClinicalImpression/$localize-root"
ISSUER = "https://issuer.example.org"
AUDIENCE = "https://neuroroot.example.org/fhir"
SMART = "http://terminology.hl7.org/CodeSystem/restful-security-service"


class Keys:
    """The signing keys of the tests and the JWK Set of their public halves."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, t.Any]:
        rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key(), as_dict=True)
        ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True)
        return {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "use": "sig", "alg": "RS256"},
                {**ec_jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"},
            ]
        }

    def public_pem(self) -> bytes:
        return self.rsa.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def claims(scope: str | None = "system/*.cruds", **extra: t.Any) -> dict[str, t.Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "ehr-1",
        "iat": now,
        "exp": now + 300,
        "jti": f"jti-{now}",
    }
    if scope is not None:
        base["scope"] = scope
    return {**base, **extra}


def mint(
    keys: Keys,
    scope: str | None = "system/*.cruds",
    *,
    key: str = "rsa",
    kid: str | None = None,
    **extra: t.Any,
) -> str:
    """A token signed with the RSA (default), EC or stranger key."""
    private = {"rsa": keys.rsa, "ec": keys.ec, "stranger": keys.stranger}[key]
    alg = "ES256" if key == "ec" else "RS256"
    headers = {"kid": kid or ("ec-1" if key == "ec" else "rsa-1")}
    return jwt.encode(claims(scope, **extra), private, algorithm=alg, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, t.Any], body: dict[str, t.Any], secret: bytes | None) -> str:
    """A JWT PyJWT refuses to make: HS256 keyed with a public key, or alg none."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(body).encode())}"
    signature = (
        b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def settings(jwks: str, **more: t.Any) -> dict[str, t.Any]:
    return {
        "TESTING": True,
        "AUTH_ENABLED": True,
        "AUTH_JWKS": jwks,
        "AUTH_ISSUER": ISSUER,
        "AUTH_AUDIENCE": AUDIENCE,
        **more,
    }


@pytest.fixture
def jwks_file(tmp_path: Path, keys: Keys) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks()))
    return path


@pytest.fixture
def secured(tmp_path: Path, jwks_file: Path) -> t.Any:
    """An app with access control on."""
    return create_app(settings(str(jwks_file), SQLITE_PATH=str(tmp_path / "auth.sqlite3")))


@pytest.fixture
def client(secured: t.Any) -> t.Any:
    return secured.test_client()


@pytest.fixture
def stored(client: t.Any, keys: Keys) -> str:
    """The id of one stored result, posted with a wildcard token."""
    response = client.post(
        OPERATION, data=SAMPLE.read_bytes(), headers={**FHIR_HEADERS, **bearer(mint(keys))}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def assert_refused(response: t.Any, status: int) -> dict[str, t.Any]:
    """The answer is *status* with a valid OperationOutcome of the matching issue type."""
    assert response.status_code == status, response.get_data(as_text=True)
    outcome = response.get_json()
    assert_valid_r4(outcome)
    assert outcome["issue"][0]["code"] == {401: "login", 403: "forbidden"}[status]
    return outcome


def requests(result_id: str) -> list[tuple[str, str, str, tuple[str, str]]]:
    """(method, path, body kind, (type, letter) needed) for every protected route."""
    ci = f"/fhir/ClinicalImpression/{result_id}"
    return [
        ("POST", OPERATION, "sample", ("ClinicalImpression", "c")),
        ("GET", ci, "", ("ClinicalImpression", "r")),
        ("GET", f"{ci}/_history/1", "", ("ClinicalImpression", "r")),
        ("GET", "/fhir/ClinicalImpression?patient=example", "", ("ClinicalImpression", "s")),
        ("GET", f"/fhir/Provenance?target=ClinicalImpression/{result_id}", "", ("Provenance", "s")),
        ("GET", "/fhir/OperationDefinition/localize-root", "", ("OperationDefinition", "r")),
        ("GET", "/fhir/CodeSystem", "", ("CodeSystem", "s")),
        ("GET", "/fhir/CodeSystem/spinal-segment", "", ("CodeSystem", "r")),
        ("GET", "/fhir/ConceptMap", "", ("ConceptMap", "s")),
        ("GET", "/fhir/ConceptMap/reflex-to-segment", "", ("ConceptMap", "r")),
        (
            "GET",
            "/fhir/ConceptMap/$translate?system=http://neuroroot.org/fhir/CodeSystem/neuro-exam"
            "&code=reflex-patellar",
            "",
            ("ConceptMap", "r"),
        ),
        ("POST", "/fhir/ConceptMap/$translate", "translate", ("ConceptMap", "r")),
    ]


def call(client: t.Any, method: str, path: str, body: str, token: str | None) -> t.Any:
    headers = dict(FHIR_HEADERS) | (bearer(token) if token else {})
    data = None
    if body == "sample":
        data = SAMPLE.read_bytes()
    elif body == "translate":
        data = json.dumps(
            {
                "resourceType": "Parameters",
                "parameter": [
                    {
                        "name": "system",
                        "valueUri": "http://neuroroot.org/fhir/CodeSystem/neuro-exam",
                    },
                    {"name": "code", "valueCode": "reflex-patellar"},
                ],
            }
        )
    return client.open(path, method=method, data=data, headers=headers)


# --- off by default ---------------------------------------------------------------------------


def test_auth_is_off_by_default_and_every_route_answers_without_a_token(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "open.sqlite3")})
    assert app.extensions["auth"] is None
    client = app.test_client()
    result_id = client.post(OPERATION, data=SAMPLE.read_bytes(), headers=FHIR_HEADERS).get_json()[
        "id"
    ]
    for method, path, body, _ in requests(result_id):
        response = call(client, method, path, body, None)
        assert response.status_code == 200, (method, path, response.get_json())
    security = client.get("/fhir/metadata").get_json()["rest"][0]["security"]
    assert "service" not in security


# --- the token --------------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(client: t.Any) -> None:
    response = client.get("/fhir/CodeSystem", headers=FHIR_HEADERS)
    outcome = assert_refused(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="neuroroot"'
    assert "bearer token" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Token abc.def.ghi",
    ],
)
def test_malformed_authorization_header_is_401(client: t.Any, header: str) -> None:
    response = client.get("/fhir/CodeSystem", headers={"Authorization": header})
    assert_refused(response, 401)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="neuroroot", error=')


def bad_tokens(keys: Keys) -> dict[str, str]:
    """One token per way a token can be wrong."""
    now = int(time.time())
    good = claims()
    return {
        "signed by another key": mint(keys, key="stranger"),
        "HS256 keyed with the public key": forge(
            {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, good, keys.public_pem()
        ),
        "alg none": forge({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, good, None),
        "expired beyond the leeway": mint(keys, exp=now - auth.LEEWAY_SECONDS - 60),
        "not yet valid": mint(keys, nbf=now + auth.LEEWAY_SECONDS + 60),
        "without exp": jwt.encode(
            {k: v for k, v in good.items() if k != "exp"},
            keys.rsa,
            algorithm="RS256",
            headers={"kid": "rsa-1"},
        ),
        "wrong issuer": mint(keys, iss="https://evil.example.org"),
        "without issuer": jwt.encode(
            {k: v for k, v in good.items() if k != "iss"},
            keys.rsa,
            algorithm="RS256",
            headers={"kid": "rsa-1"},
        ),
        "wrong audience": mint(keys, aud="https://other.example.org/fhir"),
        "audience list without ours": mint(
            keys, aud=["https://a.example.org", "https://b.example.org"]
        ),
        "unknown kid": mint(keys, kid="rsa-9"),
        "without kid": jwt.encode(good, keys.rsa, algorithm="RS256"),
        "RS256 key claimed as ES256": mint(keys, key="ec", kid="rsa-1"),
        "tampered payload": (
            lambda p: f"{p[0]}.{_b64(json.dumps(claims('system/*.*', sub='x')).encode())}.{p[2]}"
        )(mint(keys, "system/Provenance.r").split(".")),
    }


def test_every_kind_of_bad_token_is_the_same_401(client: t.Any, keys: Keys) -> None:
    bodies = set()
    for reason, token in bad_tokens(keys).items():
        response = client.get("/fhir/CodeSystem", headers=bearer(token))
        outcome = assert_refused(response, 401)
        assert response.headers["WWW-Authenticate"].endswith('error="invalid_token"'), reason
        bodies.add(json.dumps(outcome))
    assert len(bodies) == 1, "the 401 body must not say which check failed"
    assert "invalid or expired bearer token" in bodies.pop()


def test_valid_rs256_and_es256_tokens_are_accepted(client: t.Any, keys: Keys) -> None:
    for token in (mint(keys), mint(keys, key="ec")):
        assert client.get("/fhir/CodeSystem", headers=bearer(token)).status_code == 200


def test_clock_skew_within_the_leeway_and_audience_lists_are_accepted(
    client: t.Any, keys: Keys
) -> None:
    now = int(time.time())
    for token in (
        mint(keys, exp=now - 10),
        mint(keys, nbf=now + 10),
        mint(keys, aud=["https://other.example.org", AUDIENCE]),
    ):
        assert client.get("/fhir/CodeSystem", headers=bearer(token)).status_code == 200


def test_the_token_is_never_logged(
    client: t.Any, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = [mint(keys), *bad_tokens(keys).values()]
    for token in tokens:
        client.get("/fhir/CodeSystem", headers=bearer(token))
    assert any("bearer token rejected" in r.getMessage() for r in caplog.records)
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    for token in tokens:
        assert token not in logged
        assert all(part not in logged for part in token.split(".") if len(part) > 8)


# --- scopes -----------------------------------------------------------------------------------


def others(need: tuple[str, str]) -> str:
    """Every scope letter of the needed type but the needed one, and the needed letter elsewhere."""
    kind, letter = need
    rest = "".join(c for c in "cruds" if c != letter)
    return (
        f"system/{kind}.{rest} system/Patient.{letter} patient/{kind}.{letter} user/{kind}.{letter}"
    )


def test_each_route_needs_exactly_its_scope(client: t.Any, keys: Keys, stored: str) -> None:
    for method, path, body, need in requests(stored):
        scope = f"system/{need[0]}.{need[1]}"
        allowed = call(client, method, path, body, mint(keys, scope))
        assert allowed.status_code == 200, (method, path, scope, allowed.get_json())
        refused = call(client, method, path, body, mint(keys, others(need)))
        outcome = assert_refused(refused, 403)
        assert scope in outcome["issue"][0]["diagnostics"], (method, path)
        assert f'scope="{scope}"' in refused.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("scope", "creates"),
    [
        ("system/*.cruds", True),
        ("system/*.*", True),
        ("openid system/*.*", True),
        ("system/*.rs", False),
        ("system/*.read", False),
        ("system/*.r system/*.s", False),
        ("system/*.write system/*.read", True),
    ],
)
def test_wildcard_scopes_grant_every_type(
    client: t.Any, keys: Keys, stored: str, scope: str, creates: bool
) -> None:
    token = mint(keys, scope)
    for method, path, body, need in requests(stored):
        response = call(client, method, path, body, token)
        expected = 200 if need[1] != "c" or creates else 403
        assert response.status_code == expected, (scope, method, path, response.get_json())


@pytest.mark.parametrize(
    ("scope", "can_post", "can_read", "can_search"),
    [
        ("system/ClinicalImpression.*", True, True, True),
        ("system/ClinicalImpression.read", False, True, True),
        ("system/ClinicalImpression.write", True, False, False),
        ("system/ClinicalImpression.cud", True, False, False),
        ("system/ClinicalImpression.rs", False, True, True),
        ("system/ClinicalImpression.s", False, False, True),
        ("system/ClinicalImpression.sr", False, False, False),  # v2 letters must be in order
        ("system/ClinicalImpression.rr", False, False, False),
        ("system/ClinicalImpression.rs?subject=Patient/1", False, False, False),  # constrained
        ("patient/ClinicalImpression.cruds user/ClinicalImpression.cruds", False, False, False),
        ("system/clinicalimpression.cruds", False, False, False),
        ("", False, False, False),
    ],
)
def test_v1_v2_and_malformed_scopes(
    client: t.Any,
    keys: Keys,
    stored: str,
    scope: str,
    can_post: bool,
    can_read: bool,
    can_search: bool,
) -> None:
    token = mint(keys, scope)
    for (method, path, body), allowed in [
        (("POST", OPERATION, "sample"), can_post),
        (("GET", f"/fhir/ClinicalImpression/{stored}", ""), can_read),
        (("GET", "/fhir/ClinicalImpression", ""), can_search),
    ]:
        response = call(client, method, path, body, token)
        assert response.status_code == (200 if allowed else 403), (scope, method, path)


def test_scp_claim_as_a_list_and_a_token_without_scopes(client: t.Any, keys: Keys) -> None:
    listed = mint(keys, None, scp=["system/CodeSystem.s", "system/ConceptMap.r"])
    assert client.get("/fhir/CodeSystem", headers=bearer(listed)).status_code == 200
    assert client.get("/fhir/ConceptMap", headers=bearer(listed)).status_code == 403
    assert_refused(client.get("/fhir/CodeSystem", headers=bearer(mint(keys, None))), 403)


def test_revinclude_of_provenance_also_needs_provenance_search(
    client: t.Any, keys: Keys, stored: str
) -> None:
    path = "/fhir/ClinicalImpression?_revinclude=Provenance:target"
    outcome = assert_refused(
        client.get(path, headers=bearer(mint(keys, "system/ClinicalImpression.s"))), 403
    )
    assert "system/Provenance.s" in outcome["issue"][0]["diagnostics"]
    both = mint(keys, "system/ClinicalImpression.s system/Provenance.s")
    bundle = client.get(path, headers=bearer(both)).get_json()
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {
        "ClinicalImpression",
        "Provenance",
    }


def test_provenance_read_needs_provenance_r(client: t.Any, keys: Keys, stored: str) -> None:
    found = client.get(
        f"/fhir/Provenance?target=ClinicalImpression/{stored}",
        headers=bearer(mint(keys, "system/Provenance.s")),
    ).get_json()
    path = f"/fhir/Provenance/{found['entry'][0]['resource']['id']}"
    assert client.get(path, headers=bearer(mint(keys, "system/Provenance.r"))).status_code == 200
    assert_refused(
        client.get(
            path, headers=bearer(mint(keys, "system/Provenance.s system/ClinicalImpression.r"))
        ),
        403,
    )


def test_a_create_only_token_can_post_but_not_read_back(client: t.Any, keys: Keys) -> None:
    create_only = bearer(mint(keys, "system/ClinicalImpression.c"))
    posted = client.post(
        OPERATION, data=SAMPLE.read_bytes(), headers={**FHIR_HEADERS, **create_only}
    )
    assert posted.status_code == 200, posted.get_json()
    location = f"/fhir/ClinicalImpression/{posted.get_json()['id']}"
    assert_refused(client.get(location, headers=create_only), 403)
    create_read = bearer(mint(keys, "system/ClinicalImpression.cr"))
    again = client.post(
        OPERATION, data=SAMPLE.read_bytes(), headers={**FHIR_HEADERS, **create_read}
    )
    assert again.status_code == 200
    read = client.get(location, headers=create_read)
    assert read.status_code == 200
    assert read.get_json()["id"] == posted.get_json()["id"]


# --- what stays public ------------------------------------------------------------------------


def test_metadata_health_and_openapi_are_public(client: t.Any) -> None:
    for path in ("/fhir/metadata", "/healthz", "/readyz", "/openapi.yaml"):
        assert client.get(path).status_code == 200, path
        assert client.head(path).status_code == 200, path
    statement = client.get("/fhir/metadata").get_json()
    assert_valid_r4(statement)
    security = statement["rest"][0]["security"]
    assert security["service"][0]["coding"][0] == {
        "system": SMART,
        "code": "SMART-on-FHIR",
        "display": "SMART-on-FHIR",
    }
    assert "system/ClinicalImpression.c" in security["description"]


def test_options_never_needs_a_token(client: t.Any) -> None:
    response = client.options(
        OPERATION,
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code in (200, 204)
    assert client.options("/fhir/CodeSystem").status_code in (200, 204)


def test_unknown_fhir_paths_need_a_token_before_they_are_404(client: t.Any, keys: Keys) -> None:
    assert_refused(client.get("/fhir/Patient/1"), 401)
    assert client.get("/fhir/Patient/1", headers=bearer(mint(keys))).status_code == 404
    assert_refused(client.delete("/fhir/CodeSystem"), 401)
    assert client.delete("/fhir/CodeSystem", headers=bearer(mint(keys))).status_code == 405
    assert client.get("/nowhere").status_code == 404


def test_every_route_of_the_app_is_in_the_scope_table(secured: t.Any) -> None:
    served = set()
    for rule in secured.url_map.iter_rules():
        assert rule.provide_automatic_options or "OPTIONS" not in rule.methods, rule.rule
        served |= {(method, rule.endpoint) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == set(auth.ROUTE_SCOPES), "add the new route to service.auth.ROUTE_SCOPES"
    fhir = {
        (m, r.endpoint)
        for r in secured.url_map.iter_rules()
        if r.rule.startswith("/fhir")
        for m in r.methods - {"HEAD", "OPTIONS"}
    }
    assert {key for key in fhir if auth.ROUTE_SCOPES[key] is auth.PUBLIC} == {
        ("GET", "metadata.metadata"),
        ("GET", "smart.fhir_configuration"),
    }
    assert {(m, e) for m, e, _ in auth.PARAMETER_SCOPES} <= served


def test_a_route_missing_from_the_table_is_refused(
    tmp_path: Path, jwks_file: Path, keys: Keys
) -> None:
    app = create_app(settings(str(jwks_file), SQLITE_PATH=str(tmp_path / "x.sqlite3")))
    app.add_url_rule("/fhir/Secret", "secret", lambda: "leaked")
    response = app.test_client().get("/fhir/Secret", headers=bearer(mint(keys, "system/*.*")))
    assert_refused(response, 403)


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["AUTH_JWKS", "AUTH_ISSUER", "AUTH_AUDIENCE"])
def test_auth_without_its_settings_refuses_to_start(jwks_file: Path, missing: str) -> None:
    config = settings(str(jwks_file))
    config[missing] = None
    with pytest.raises(ConfigError, match=f"NEUROROOT_{missing}"):
        create_app(config)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not JSON"),
        ('["a list"]', "not a JWK Set"),
        ('{"keys": []}', "no usable public signing key"),
        ('{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}', "no usable public signing key"),
        (
            '{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "r"}]}',
            "no usable public signing key",
        ),
        (
            '{"keys": [{"kty": "EC", "crv": "P-384", "kid": "e", "x": "AA", "y": "AA"}]}',
            "no usable",
        ),
    ],
)
def test_an_unusable_jwks_file_refuses_to_start(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "jwks.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        create_app(settings(str(path)))


def test_a_jwks_with_a_private_key_refuses_to_start(tmp_path: Path, keys: Keys) -> None:
    private = jwt.algorithms.RSAAlgorithm.to_jwk(keys.rsa, as_dict=True)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{**private, "kid": "rsa-1"}]}))
    with pytest.raises(ConfigError, match="private key"):
        create_app(settings(str(path)))


def test_a_jwks_of_weak_or_encryption_keys_refuses_to_start(tmp_path: Path, keys: Keys) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    strong = jwt.algorithms.RSAAlgorithm.to_jwk(keys.rsa.public_key(), as_dict=True)
    for jwk in (
        {**jwt.algorithms.RSAAlgorithm.to_jwk(weak, as_dict=True), "kid": "weak"},
        {**strong, "kid": "enc", "use": "enc"},
        {**strong, "kid": "ps", "alg": "PS256"},
    ):
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps({"keys": [jwk]}))
        with pytest.raises(ConfigError, match="no usable public signing key"):
            create_app(settings(str(path)))


def test_auth_reads_its_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, jwks_file: Path, tmp_path: Path
) -> None:
    for name, value in {
        "AUTH_ENABLED": "true",
        "AUTH_JWKS": str(jwks_file),
        "AUTH_ISSUER": ISSUER,
        "AUTH_AUDIENCE": AUDIENCE,
    }.items():
        monkeypatch.setenv(f"NEUROROOT_{name}", value)
    app = create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "env.sqlite3")})
    assert_refused(app.test_client().get("/fhir/CodeSystem"), 401)


# JWK Set URLs (fetch bounds, cooldown, stale keys, https) are tested against a real loopback
# key host in tests/api/test_auth_keys.py.


def test_granted_reads_scope_and_scp() -> None:
    assert auth.granted({"scope": "system/Provenance.rs openid"}) == {
        ("Provenance", "r"),
        ("Provenance", "s"),
    }
    assert auth.granted({"scp": "system/*.write"}) == {("*", "c"), ("*", "u"), ("*", "d")}
    assert auth.granted({"scope": 42, "scp": [None, "system/CodeSystem.x"]}) == frozenset()
