"""FHIR.js (npm ``fhir``, Lantana) as a second, independent validator of everything we emit.

One module-scoped fixture builds an app, collects one of every kind of resource the service
answers with (the ClinicalImpression and Provenance of every sample, OperationOutcomes of bad
requests, 401 and 403 included, the CapabilityStatement with and without access control, the
OperationDefinition, the CodeSystems and ConceptMaps, a ``$translate`` Parameters, searchset
Bundles), adds the sample inputs and negative controls, and runs ``node tests/fhirjs/validate.js``
once on all of them (about a second).

FHIR.js checks element names, cardinality, primitive formats, reference target types and
required code bindings (it does not evaluate invariants); only its ``error`` and ``fatal``
messages fail the test, its warnings and information are allowed. The JavaScript dependencies
are not optional: without ``tests/fhirjs/node_modules`` the tests fail with the command to run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import typing as t
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from service import create_app
from tests.conftest import FHIR_HEADERS

ROOT = Path(__file__).parent
FHIRJS = ROOT / "fhirjs"
VALIDATE = FHIRJS / "validate.js"
SAMPLES = sorted(
    p for p in (ROOT / "data" / "samples").glob("*.json") if not p.name.endswith(".expected.json")
)
#: what integrators post (every sample, and the valid parse fixture): checked too, in passing.
INPUTS = [*SAMPLES, ROOT / "data" / "parse" / "collection-left-l5.json"]
OPERATION = "/fhir/ClinicalImpression/$localize-root"
INSTALL = "run: npm ci --prefix tests/fhirjs"

#: FHIR.js messages that are its own bugs, not problems of ours: (resourceType, location,
#: message) -> why it is wrong. Only these may be ignored; keep the list empty if possible.
KNOWN_FALSE_POSITIVES: dict[tuple[str, str, str], str] = {}

#: negative controls: each must be rejected, or the validator is not checking what we rely on.
NEGATIVE = {
    "bogus-status": {
        "resourceType": "ClinicalImpression",
        "status": "bogus",
        "subject": {"reference": "Patient/1"},
    },
    "no-subject": {"resourceType": "ClinicalImpression", "status": "completed"},
    "r5-performer": {
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "subject": {"reference": "Patient/1"},
        "performer": {"reference": "Practitioner/1"},
    },
    "bad-issue-code": {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "nonsense"}],
    },
}


def _json(response: t.Any, status: int = 200) -> dict[str, t.Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def _outcomes(client: t.Any) -> list[tuple[str, dict[str, t.Any]]]:
    """An OperationOutcome from each family of bad request."""
    not_neuro = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": "Patient/p"},
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                    "valueQuantity": {"value": 72, "unit": "/min"},
                }
            }
        ],
    }
    cases = [
        ("400 malformed JSON", client.post(OPERATION, data=b"{", headers=FHIR_HEADERS), 400),
        (
            "400 not FHIR",
            client.post(OPERATION, data=b'{"resourceType": "Nope"}', headers=FHIR_HEADERS),
            400,
        ),
        ("404 unknown path", client.get("/fhir/Nowhere/1"), 404),
        ("404 unknown id", client.get("/fhir/ClinicalImpression/unknown"), 404),
        ("405 wrong method", client.delete("/fhir/CodeSystem"), 405),
        (
            "406 Accept",
            client.get("/fhir/metadata", headers={"Accept": "text/html"}),
            406,
        ),
        (
            "415 Content-Type",
            client.post(OPERATION, data=b"<x/>", headers={"Content-Type": "text/plain"}),
            415,
        ),
        (
            "422 nothing to localize",
            client.post(OPERATION, data=json.dumps(not_neuro), headers=FHIR_HEADERS),
            422,
        ),
        ("400 bad search parameter", client.get("/fhir/ClinicalImpression?bogus=1"), 400),
    ]
    return [(name, _json(response, status)) for name, response, status in cases]


def _secured(tmp: Path) -> list[tuple[str, dict[str, t.Any]]]:
    """The CapabilityStatement with access control on, and its 401 and 403 answers."""
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    (tmp / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k", "use": "sig"}]}))
    app = create_app(
        {
            "TESTING": True,
            "SQLITE_PATH": str(tmp / "secured.sqlite3"),
            "AUTH_ENABLED": True,
            "AUTH_JWKS": str(tmp / "jwks.json"),
            "AUTH_ISSUER": "https://iss.test",
            "AUTH_AUDIENCE": "https://aud.test",
            "CORS_ORIGINS": "https://app.test",
        }
    )
    client = app.test_client()
    token = jwt.encode(
        {
            "iss": "https://iss.test",
            "aud": "https://aud.test",
            "exp": int(time.time()) + 60,
            "scope": "system/Provenance.r",
        },
        key,
        algorithm="ES256",
        headers={"kid": "k"},
    )
    return [
        ("CapabilityStatement, auth on", _json(client.get("/fhir/metadata"))),
        ("401", _json(client.get("/fhir/CodeSystem"), 401)),
        (
            "403",
            _json(
                client.get("/fhir/CodeSystem", headers={"Authorization": f"Bearer {token}"}), 403
            ),
        ),
    ]


def collect(client: t.Any, tmp: Path) -> list[tuple[str, dict[str, t.Any]]]:
    """(label, resource) for one of every kind of resource the service emits."""
    found: list[tuple[str, dict[str, t.Any]]] = []
    for sample in SAMPLES:
        impression = _json(client.post(OPERATION, data=sample.read_bytes(), headers=FHIR_HEADERS))
        found.append((f"ClinicalImpression {sample.name}", impression))
        found.append(
            (
                f"ClinicalImpression read {sample.name}",
                _json(client.get(f"/fhir/ClinicalImpression/{impression['id']}")),
            )
        )
        bundle = _json(client.get(f"/fhir/Provenance?target=ClinicalImpression/{impression['id']}"))
        assert bundle["total"] == 1, sample.name
        found.append((f"Provenance {sample.name}", bundle["entry"][0]["resource"]))
    found.append(("Provenance searchset", bundle))
    found.append(
        (
            "ClinicalImpression searchset with _revinclude",
            _json(client.get("/fhir/ClinicalImpression?_count=3&_revinclude=Provenance:target")),
        )
    )
    found.append(("CapabilityStatement", _json(client.get("/fhir/metadata"))))
    found.append(
        ("OperationDefinition", _json(client.get("/fhir/OperationDefinition/localize-root")))
    )
    for kind, ids in (
        ("CodeSystem", ("spinal-segment", "neuro-exam", "neuro-pattern")),
        ("ConceptMap", ("site-to-segment", "reflex-to-segment", "movement-to-segment")),
    ):
        for rid in ids:
            found.append((f"{kind}/{rid}", _json(client.get(f"/fhir/{kind}/{rid}"))))
        found.append((f"{kind} searchset", _json(client.get(f"/fhir/{kind}"))))
    found.append(
        (
            "$translate Parameters",
            _json(
                client.get(
                    "/fhir/ConceptMap/$translate?system=http://neuroroot.org/fhir/CodeSystem/neuro-exam"
                    "&code=reflex-patellar"
                )
            ),
        )
    )
    found += [(f"OperationOutcome {name}", outcome) for name, outcome in _outcomes(client)]
    found += [(f"auth: {name}", resource) for name, resource in _secured(tmp)]
    return found


def node() -> str:
    """The node executable, failing (never skipping) when it or FHIR.js is not installed."""
    if not (FHIRJS / "node_modules" / "fhir").is_dir():
        pytest.fail(f"FHIR.js is not installed: {INSTALL}", pytrace=False)
    found = shutil.which("node")
    if found is None:
        pytest.fail("node (v18+) is not on PATH; install Node.js, then " + INSTALL, pytrace=False)
    return found


def run_fhirjs(resources: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """The report of one ``node validate.js`` run on *resources*."""
    done = subprocess.run(
        [node(), str(VALIDATE)],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=FHIRJS,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr or done.stdout
    report = json.loads(done.stdout)
    assert report["count"] == len(resources)
    return report


@pytest.fixture(scope="module")
def validated(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[str, dict[str, t.Any], dict[str, t.Any]]]:
    """(label, resource, FHIR.js result) for every emitted resource and every negative control."""
    node()  # fail fast, before building anything
    tmp = tmp_path_factory.mktemp("fhirjs")
    app = create_app({"TESTING": True, "SQLITE_PATH": str(tmp / "fhirjs.sqlite3")})
    items = collect(app.test_client(), tmp)
    items += [(f"input {path.name}", json.loads(path.read_text())) for path in INPUTS]
    items += [(f"negative {name}", resource) for name, resource in NEGATIVE.items()]
    report = run_fhirjs([resource for _, resource in items])
    return [
        (label, resource, result)
        for (label, resource), result in zip(items, report["results"], strict=True)
    ]


def _errors(result: dict[str, t.Any]) -> list[dict[str, str]]:
    return [
        m
        for m in result["messages"]
        if m["severity"] in {"error", "fatal"}
        and (result["resourceType"], m["location"], m["message"]) not in KNOWN_FALSE_POSITIVES
    ]


def test_fhirjs_finds_no_error_in_anything_the_service_emits_or_reads(validated: t.Any) -> None:
    problems = {
        label: _errors(result)
        for label, _, result in validated
        if not label.startswith("negative ") and _errors(result)
    }
    assert not problems, json.dumps(problems, indent=1)[:4000]


def test_fhirjs_saw_every_kind_of_resource(validated: t.Any) -> None:
    kinds = {
        resource["resourceType"]
        for label, resource, _ in validated
        if not label.startswith(("negative ", "input "))
    }
    assert kinds == {
        "ClinicalImpression",
        "Provenance",
        "OperationOutcome",
        "CapabilityStatement",
        "OperationDefinition",
        "CodeSystem",
        "ConceptMap",
        "Parameters",
        "Bundle",
    }
    samples = [label for label, _, _ in validated if label.startswith("ClinicalImpression ")]
    assert len(samples) >= 2 * len(SAMPLES) > 0
    # the exam-map extension of every result (answered and read back) went through FHIR.js
    results = [
        r
        for _, r, _ in validated
        if r["resourceType"] == "ClinicalImpression"
        and r.get("status") == "completed"
        and "id" in r
    ]
    assert len(results) >= 2 * len(SAMPLES)
    assert all(any(e["url"].endswith("/exam-map") for e in r["extension"]) for r in results)


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_fhirjs_rejects_the_negative_controls(validated: t.Any, name: str) -> None:
    result = next(result for label, _, result in validated if label == f"negative {name}")
    assert not result["valid"] and _errors(result), result


def test_fhirjs_checks_required_code_bindings(validated: t.Any) -> None:
    result = next(result for label, _, result in validated if label == "negative bogus-status")
    assert any(
        m["location"] == "ClinicalImpression.status" and "bogus" in m["message"]
        for m in _errors(result)
    ), result


def test_known_false_positives_are_explained() -> None:
    assert all(len(reason) > 20 for reason in KNOWN_FALSE_POSITIVES.values())
