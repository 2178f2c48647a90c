"""The panel's ``isncsci-worksheet`` extension: it carries the exam's grid exactly (all 128
reference cases round-trip), it is valid R4, the reader refuses what it does not understand, and
a panel stored without it has no page (406) while its JSON is still served."""

from __future__ import annotations

import copy
import typing as t

import pytest

from service.api import isncsci as isncsci_api
from service.core.isncsci import exam_from_praxis
from service.fhir.read.isncsci_worksheet import worksheet_grid
from service.fhir.write.isncsci import WORKSHEET, worksheet_extension
from tests.conftest import FHIR_HEADERS
from tests.isncsci_fhir import exam_bundle
from tests.isncsci_support import case_exam, load_cases
from tests.validation import assert_valid_r4

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c["id"]))
def test_every_reference_exam_round_trips_through_the_extension(case: dict[str, t.Any]) -> None:
    grid = exam_from_praxis(case_exam(case)).to_praxis()
    assert worksheet_grid({"extension": [worksheet_extension(grid)]}) == grid


def test_stored_panel_carries_the_grid_and_is_valid_r4(client: t.Any) -> None:
    exam = case_exam(next(c for c in CASES if "*" in str(case_exam(c))))
    answer = client.post(
        "/fhir/Observation/$classify-isncsci", json=exam_bundle(exam), headers=FHIR_HEADERS
    )
    assert answer.status_code == 200
    panel = answer.get_json()["entry"][0]["resource"]
    assert [e["url"] for e in panel["extension"]] == [WORKSHEET]
    assert worksheet_grid(panel) == exam_from_praxis(exam).to_praxis()
    stored = client.get(f"/fhir/Observation/{panel['id']}", headers=FHIR_HEADERS).get_json()
    assert worksheet_grid(stored) == exam_from_praxis(exam).to_praxis()
    assert_valid_r4(stored)
    # the members are unchanged: no extension
    assert all("extension" not in e["resource"] for e in answer.get_json()["entry"][1:])


def _extension() -> dict[str, t.Any]:
    return worksheet_extension(exam_from_praxis(case_exam(CASES[0])).to_praxis())


def _drop_level(ext: dict[str, t.Any]) -> None:
    del ext["extension"][3]


def _drop_cell(ext: dict[str, t.Any]) -> None:
    del ext["extension"][5]["extension"][2]


def _unknown(ext: dict[str, t.Any]) -> None:
    ext["extension"].append({"url": "colour", "valueCode": "red"})


def _bad_segment(ext: dict[str, t.Any]) -> None:
    ext["extension"][0]["extension"][0]["valueCode"] = "X9"


def _no_vac(ext: dict[str, t.Any]) -> None:
    ext["extension"] = [e for e in ext["extension"] if e["url"] != "voluntary-anal-contraction"]


@pytest.mark.parametrize("spoil", [_drop_level, _drop_cell, _unknown, _bad_segment, _no_vac])
def test_reader_refuses_an_extension_it_does_not_understand(
    spoil: t.Callable[[dict[str, t.Any]], None],
) -> None:
    ext = copy.deepcopy(_extension())
    assert worksheet_grid({"extension": [ext]}) is not None
    spoil(ext)
    assert worksheet_grid({"extension": [ext]}) is None
    assert worksheet_grid({}) is None
    assert worksheet_grid({"extension": [_extension(), _extension()]}) is None


def test_panel_stored_without_the_extension_has_no_page(
    client: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = isncsci_api.classify_isncsci

    def without(*args: t.Any, **kwargs: t.Any) -> t.Any:  # a panel stored by an older release
        done = original(*args, **kwargs)
        done.observations[0].pop("extension")
        return done

    monkeypatch.setattr(isncsci_api, "classify_isncsci", without)
    answer = client.post(
        "/fhir/Observation/$classify-isncsci",
        json=exam_bundle(case_exam(CASES[0])),
        headers=FHIR_HEADERS,
    )
    panel_id = answer.get_json()["entry"][0]["resource"]["id"]
    page = client.get(f"/fhir/Observation/{panel_id}?_format=html")
    assert page.status_code == 406
    outcome = page.get_json()
    assert "without its worksheet extension" in outcome["issue"][0]["diagnostics"]
    assert outcome["issue"][0]["expression"] == ["http._format"]
    assert client.get(f"/fhir/Observation/{panel_id}", headers=FHIR_HEADERS).status_code == 200
