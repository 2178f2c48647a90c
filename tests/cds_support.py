"""CDS Hooks test support: the 2.0 schemas (tests/data/cds-hooks), a client that validates
every request it sends and every answer it gets, JWT minting, and a loopback FHIR server."""

from __future__ import annotations

import json
import threading
import time
import typing as t
import uuid
from pathlib import Path

import jsonschema_rs
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.validation import assert_valid_r4

SCHEMAS = Path(__file__).parent / "data" / "cds-hooks"
SAMPLES = Path(__file__).parent / "data" / "samples"
BASE = "https://neuroroot.test/cds-hooks/"


def _retrieve(uri: str) -> t.Any:
    assert uri.startswith(BASE), uri
    return json.loads((SCHEMAS / uri.removeprefix(BASE)).read_text())


def validator(name: str) -> t.Any:
    """The validator of ``tests/data/cds-hooks/<name>.schema.json`` (formats checked)."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    return jsonschema_rs.validator_for(schema, retriever=_retrieve, validate_formats=True)


VALIDATORS = {
    name: validator(name)
    for name in ("discovery", "request", "response", "card", "suggestion", "feedback")
}


def assert_valid(name: str, document: t.Any) -> None:
    errors = [f"{e.instance_path}: {e.message}" for e in VALIDATORS[name].iter_errors(document)]
    assert not errors, f"not a valid CDS Hooks {name}: {errors}"


def sample(name: str) -> dict[str, t.Any]:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def subject_id(bundle: dict[str, t.Any]) -> str:
    refs = {
        e["resource"]["subject"]["reference"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation" and "subject" in e["resource"]
    }
    (ref,) = refs
    return ref.split("/")[-1]


def searchset(bundle: dict[str, t.Any], **extra: t.Any) -> dict[str, t.Any]:
    """*bundle*'s Observations as a searchset Bundle (what a client prefetches)."""
    entries = [
        {
            "fullUrl": e.get("fullUrl") or f"urn:uuid:{uuid.uuid4()}",
            "resource": e["resource"],
            "search": {"mode": "match"},
        }
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
    ]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries),
        "entry": entries,
        **extra,
    }


def hook_request(hook: str, patient: str, **fields: t.Any) -> dict[str, t.Any]:
    context = {"userId": "Practitioner/dr-1", "patientId": patient, **fields.pop("context", {})}
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, **fields}


def exam_sign(bundle: dict[str, t.Any]) -> dict[str, t.Any]:
    return hook_request("org.neuroroot.exam-sign", subject_id(bundle), context={"exam": bundle})


def check_answer(response: t.Any, schema: str | None) -> t.Any:
    """The JSON of *response*, validated: a CDS Hooks document on 200, else an R4
    OperationOutcome."""
    if response.status_code == 200:
        if schema is None:
            return None
        assert response.content_type.startswith("application/json")
        body = response.get_json()
        assert_valid(schema, body)
        return body
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome", body
    assert_valid_r4(body)
    return body


def call(
    client: t.Any,
    service: str,
    body: t.Any,
    *,
    valid: bool = True,
    headers: t.Mapping[str, str] | None = None,
) -> tuple[t.Any, t.Any]:
    """POST a hook request (validated against the request schema when *valid*)."""
    if valid:
        assert_valid("request", body)
    response = client.post(f"/cds-services/{service}", json=body, headers=dict(headers or {}))
    return response, check_answer(response, "response")


def send_feedback(
    client: t.Any,
    service: str,
    body: t.Any,
    *,
    valid: bool = True,
    headers: t.Mapping[str, str] | None = None,
) -> tuple[t.Any, t.Any]:
    if valid:
        assert_valid("feedback", body)
    response = client.post(
        f"/cds-services/{service}/feedback", json=body, headers=dict(headers or {})
    )
    return response, check_answer(response, None)


class Keys:
    """A key pair of the test's own, its public JWK Set file, and JWTs signed with it."""

    def __init__(self, directory: Path, kind: str = "rsa", kid: str = "k1") -> None:
        if kind == "rsa":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.private = ec.generate_private_key(ec.SECP384R1())
        self.kid = kid
        jwk = json.loads(
            jwt.algorithms.get_default_algorithms()["RS256" if kind == "rsa" else "ES384"].to_jwk(
                self.private.public_key()
            )
        )
        jwk.update({"kid": kid, "use": "sig"})
        self.path = directory / f"jwks-{kid}.json"
        self.path.write_text(json.dumps({"keys": [jwk]}))

    def token(
        self,
        aud: str,
        *,
        iss: str = "https://ehr.test",
        alg: str = "RS256",
        exp_in: int = 300,
        jti: str | None = None,
        **claims: t.Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": iss,
            "aud": aud,
            "iat": now,
            "exp": now + exp_in,
            "jti": jti or str(uuid.uuid4()),
            **claims,
        }
        return jwt.encode(
            payload, self.private, algorithm=alg, headers={"kid": self.kid, "typ": "JWT"}
        )


class FhirServer:
    """A FHIR server on a loopback port: answers Observation searches from *pages*.

    ``pages``: list of Bundles; page *n* is served for ``?page=n`` (the first for the search),
    each with a ``next`` link to the following one. ``delay``: seconds before each answer.
    ``requests``: (path, query, Authorization) of every request received.
    """

    def __init__(self) -> None:
        self.pages: list[dict[str, t.Any]] = []
        self.delay = 0.0
        self.requests: list[tuple[str, str, str | None]] = []
        self.next_base: str | None = None
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}/fhir"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _app(self, environ: t.Any, start_response: t.Any) -> t.Any:
        request = Request(environ)
        self.requests.append(
            (request.path, request.query_string.decode(), request.headers.get("Authorization"))
        )
        if self.delay:
            time.sleep(self.delay)
        index = int(request.args.get("page", "0"))
        if index >= len(self.pages):
            return Response("{}", status=404)(environ, start_response)
        page = dict(self.pages[index])
        if index + 1 < len(self.pages):
            base = self.next_base or self.base
            page["link"] = [
                {"relation": "next", "url": f"{base}/Observation?patient=x&page={index + 1}"}
            ]
        return Response(json.dumps(page), content_type="application/fhir+json")(
            environ, start_response
        )

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
