"""The ISNCSCI sample exams (tests/data/samples/isncsci) classify as the reference does.

Each ``<case>.json`` is a FHIR Bundle an integrator can post to ``$classify-isncsci``; its
``<case>.expected.json`` holds the reference classifier's answer (praxis ``isncsci`` 2.0.6, see
``build_samples.py``). Posted to a server with storage on, so the stored path is the one tested.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from tests.conftest import FHIR_HEADERS
from tests.isncsci_fhir import answer_as_text
from tests.validation import assert_valid_r4

SAMPLES = Path(__file__).parent.parent / "data" / "samples" / "isncsci"
CASES = sorted(p.name.removesuffix(".expected.json") for p in SAMPLES.glob("*.expected.json"))


def test_there_are_at_least_ten_samples_covering_the_brief() -> None:
    assert len(CASES) >= 10
    for needed in (
        "complete-tetraplegia",
        "incomplete-tetraplegia",
        "complete-paraplegia",
        "incomplete-paraplegia",
        "central-cord",
        "brown-sequard",
        "not-testable",
        "starred",
        "ais-e",
    ):
        assert any(needed in case for case in CASES), needed


@pytest.mark.parametrize("case", CASES)
def test_sample_classifies_as_the_reference(client: t.Any, case: str) -> None:
    document = json.loads((SAMPLES / f"{case}.json").read_text())
    expected = json.loads((SAMPLES / f"{case}.expected.json").read_text())["expected"]
    response = client.post(
        "/fhir/Observation/$classify-isncsci", data=json.dumps(document), headers=FHIR_HEADERS
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    bundle = response.get_json()
    assert answer_as_text(bundle) == expected
    assert_valid_r4(bundle)
    panel = bundle["entry"][0]["resource"]
    assert panel["subject"] == {"reference": f"Patient/{case}"}
    found = client.get(f"/fhir/Observation?subject=Patient/{case}&code=asia-impairment-scale")
    assert (
        found.get_json()["entry"][0]["resource"]["valueCodeableConcept"]["text"]
        == expected["asia_impairment_scale"]
    )
