"""The official FHIR R4 examples, posted to the operation: 200 or 422, never 400 or 5xx.

The examples (HL7, CC0) live beside the repository in ``../shared/fhir-r4-examples``; nobody on
this project wrote them, so they are the test of "real R4 input gets a proper answer". Every
Observation example and every Bundle example (chosen by ``resourceType``, not by file name) is
posted as the body, and every Observation example is also posted wrapped in a collection Bundle.
Valid R4 that is not a neurological exam is a 422 OperationOutcome (not a 400: nothing in it is
malformed); a neurological one would be a 200 ClinicalImpression.

When the folder is absent, exactly one test skips and says why; the other tests are then not
defined at all, so no other gap is hidden behind a skip.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from service import create_app
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "fhir-r4-examples"
OPERATION = "/fhir/ClinicalImpression/$localize-root"


def _by_type() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {"Observation": [], "Bundle": []}
    if not EXAMPLES.is_dir():
        return found
    for path in sorted(EXAMPLES.glob("*.json")):
        kind = json.loads(path.read_text(encoding="utf-8")).get("resourceType")
        if kind in found:
            found[kind].append(path)
    return found


FOUND = _by_type()
OBSERVATIONS = FOUND["Observation"]
BUNDLES = FOUND["Bundle"]


@pytest.fixture(scope="module")
def client() -> t.Any:
    """A stateless app: each example is judged on its own, never answered from the store."""
    return create_app({"TESTING": True, "STORE_ENABLED": False}).test_client()


def assert_answered(response: t.Any) -> None:
    """200 with a valid ClinicalImpression, or 422 with a valid OperationOutcome."""
    assert response.status_code in {200, 422}, response.get_data(as_text=True)[:800]
    assert response.content_type.startswith("application/fhir+json")
    body = response.get_json()
    assert_valid_r4(body)
    if response.status_code == 200:
        assert body["resourceType"] == "ClinicalImpression"
    else:
        assert body["resourceType"] == "OperationOutcome"
        assert all(issue["severity"] == "error" and issue["diagnostics"] for issue in body["issue"])


def test_the_official_examples_folder_is_present_with_observations_and_bundles() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(
            f"the official FHIR R4 examples are not at {EXAMPLES} (CI checks them out "
            "beside the repository as shared/fhir-r4-examples), so no example was posted"
        )
    assert OBSERVATIONS, f"no Observation example in {EXAMPLES}"
    assert BUNDLES, f"no Bundle example in {EXAMPLES}"


# Defined only when the examples are there, so that their absence is one skip, not many.
if EXAMPLES.is_dir():

    @pytest.mark.parametrize("path", OBSERVATIONS + BUNDLES, ids=lambda p: p.name)
    def test_an_official_example_posted_as_the_body_gets_200_or_422(
        client: t.Any, path: Path
    ) -> None:
        assert_answered(client.post(OPERATION, data=path.read_bytes(), headers=FHIR_HEADERS))

    @pytest.mark.parametrize("path", OBSERVATIONS, ids=lambda p: p.name)
    def test_an_official_observation_wrapped_in_a_collection_bundle_gets_200_or_422(
        client: t.Any, path: Path
    ) -> None:
        observation = json.loads(path.read_text(encoding="utf-8"))
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": "urn:uuid:6f1a9c3e-0000-4000-8000-000000000001",
                    "resource": observation,
                }
            ],
        }
        assert_answered(client.post(OPERATION, data=json.dumps(bundle), headers=FHIR_HEADERS))

    def test_every_official_observation_in_one_bundle_gets_200_or_422(client: t.Any) -> None:
        """All of them together: different patients, statuses and codes in one request."""
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"resource": json.loads(p.read_text(encoding="utf-8"))} for p in OBSERVATIONS
            ],
        }
        assert_answered(client.post(OPERATION, data=json.dumps(bundle), headers=FHIR_HEADERS))

    def test_every_official_observation_as_observation_parameters_gets_200_or_422(
        client: t.Any,
    ) -> None:
        parameters = {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "observation", "resource": json.loads(p.read_text(encoding="utf-8"))}
                for p in OBSERVATIONS
            ],
        }
        assert_answered(client.post(OPERATION, data=json.dumps(parameters), headers=FHIR_HEADERS))
