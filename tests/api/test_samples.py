"""Every sample exam under tests/data/samples reads as its expected.json says.

The samples are clinical vignettes (one per root, pattern and mimic, a normal exam and an
ambiguous great-toe finding) spread over the input encodings; see build_samples.py there.
"""

from __future__ import annotations

import copy
import json
import typing as t
from pathlib import Path

import pytest

from terminology import NEURO_PATTERN, SNOMED, SPINAL_SEGMENT
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
CASES = sorted(p.name.removesuffix(".expected.json") for p in SAMPLES.glob("*.expected.json"))
SIDE_CODES = {"left": "7771000", "right": "24028007", "bilateral": "51440002"}
EXT = "http://neuroroot.org/fhir/StructureDefinition/finding-"


def load(case: str) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    document = json.loads((SAMPLES / f"{case}.json").read_text())
    expected = json.loads((SAMPLES / f"{case}.expected.json").read_text())
    return document, expected


def post(client: t.Any, document: dict[str, t.Any]) -> t.Any:
    return client.post(
        "/fhir/ClinicalImpression/$localize-root", data=json.dumps(document), headers=FHIR_HEADERS
    )


def reading(finding: dict[str, t.Any]) -> dict[str, t.Any]:
    """What a finding says, in the terms of the expected.json files."""
    codings = finding["itemCodeableConcept"]["coding"]
    ext = {e["url"].removeprefix(EXT): e for e in finding.get("extension", [])}
    side = None
    if "laterality" in ext:
        code = ext["laterality"]["valueCodeableConcept"]["coding"][0]["code"]
        side = next(name for name, value in SIDE_CODES.items() if value == code)
    return {
        "pattern": next(c["code"] for c in codings if c["system"] == NEURO_PATTERN),
        "segments": [c["code"] for c in codings if c["system"] == SPINAL_SEGMENT],
        "side": side,
        "confidence": ext["confidence"]["valueCode"],
        "score": ext["score"]["valueDecimal"],
        "snomed": [c["code"] for c in codings if c["system"] == SNOMED],
    }


def matches(found: dict[str, t.Any], wanted: dict[str, t.Any]) -> bool:
    return all(found[key] == value for key, value in wanted.items())


@pytest.mark.parametrize("case", CASES)
def test_sample_reads_as_expected(client: t.Any, case: str) -> None:
    document, expected = load(case)
    response = post(client, document)
    assert response.status_code == 200, response.get_json()
    impression = response.get_json()
    assert_valid_r4(impression)
    findings = [reading(f) for f in impression.get("finding", [])]
    if expected["top"] is None:
        assert findings == []
        assert "did not localize" in impression["summary"]
    else:
        assert findings, impression["summary"]
        assert matches(findings[0], expected["top"]), (findings[0], impression["summary"])
    for wanted in expected.get("includes", []):
        assert any(matches(f, wanted) for f in findings), (wanted, findings)
    for unwanted in expected.get("excludes", []):
        assert not any(matches(f, unwanted) for f in findings), (unwanted, findings)
    assert impression["summary"].startswith("URGENT") is expected["urgent"]
    if "snomed" in expected:
        assert expected["snomed"] in findings[0]["snomed"]
    assert all(0.0 <= f["score"] <= 1.0 for f in findings)
    assert [f["score"] for f in findings] == sorted((f["score"] for f in findings), reverse=True)


@pytest.mark.parametrize("case", CASES)
def test_sample_answer_names_its_evidence_and_is_stored_with_provenance(
    client: t.Any, case: str
) -> None:
    document, _ = load(case)
    impression = post(client, document).get_json()
    items = [item["reference"] for item in impression["investigation"][0]["item"]]
    for finding in impression.get("finding", []):
        assert finding["basis"].startswith(("For: ", "Against: "))
        assert any(ref in finding["basis"] for ref in items), (
            "a finding's basis names no Observation"
        )
    bundle = client.get(f"/fhir/Provenance?target=ClinicalImpression/{impression['id']}").get_json()
    provenance = bundle["entry"][0]["resource"]
    assert_valid_r4(provenance)
    assert [e["what"]["reference"] for e in provenance["entity"]] == items
    assert all(e["role"] == "source" for e in provenance["entity"])
    assert provenance["agent"][0]["who"]["reference"] == "#neuroroot"


@pytest.mark.parametrize("case", CASES)
def test_sample_answer_does_not_depend_on_the_order_of_entries(app: t.Any, case: str) -> None:
    document, _ = load(case)
    shuffled = copy.deepcopy(document)
    entries = shuffled["entry"] if shuffled["resourceType"] == "Bundle" else shuffled["parameter"]
    entries.reverse()
    app.config["STORE_ENABLED"] = False
    app.extensions["store"] = None
    client = app.test_client()
    first, second = post(client, document).get_json(), post(client, shuffled).get_json()
    first.pop("date"), second.pop("date")
    assert first == second
