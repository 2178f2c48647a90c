"""The ISNCSCI worksheet view, rendered from a section-9 Bundle, in headless Chromium."""

from __future__ import annotations

import threading
import typing as t

import pytest
from flask import Blueprint
from selenium.webdriver.common.by import By
from werkzeug.serving import make_server

from service import create_app
from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS, classify, exam_from_praxis
from service.web.worksheet import worksheet_page
from tests.isncsci_support import case_exam, load_cases

from .conftest import screenshot
from .isncsci_bundle import classification_bundle

CASES = {case["id"]: case for case in load_cases()}
#: one with NT items (ND totals, undecided elements), one with stars, an incomplete injury
CHOSEN = [
    next(i for i, c in CASES.items() if "NT" in str(case_exam(c))),
    next(i for i, c in CASES.items() if "*" in str(case_exam(c))),
    next(i for i, c in CASES.items() if str(c["totals"]["asiaImpairmentScale"]) == "D"),
]


@pytest.fixture(scope="module")
def worksheet_server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    """The service plus a test-only route that renders a worksheet for a 2019.json case
    (the real route, GET /fhir/Observation/{panel id}, comes with the ISNCSCI operation)."""
    folder = tmp_path_factory.mktemp("worksheet")
    app = create_app(
        {"TESTING": True, "SQLITE_PATH": str(folder / "w.sqlite3"), "AUDIT_LOG": "off"}
    )
    bp = Blueprint("worksheet_test", __name__)

    @bp.get("/_test/worksheet/<int:case_id>")
    def show(case_id: int):  # noqa: ANN202
        exam = case_exam(CASES[case_id])
        return worksheet_page(classification_bundle(exam), exam)

    app.register_blueprint(bp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _state(lt: str, pp: str) -> str:
    grades = [int(v.rstrip("*")) for v in (lt, pp) if v.rstrip("*") != "NT"]
    if not grades:
        return "untested"
    if all(g == 2 for g in grades):
        return "normal"
    return "abnormal" if all(g < 2 for g in grades) else "mixed"


@pytest.mark.parametrize("case_id", CHOSEN)
def test_worksheet_view(worksheet_server: str, browser: t.Any, case_id: int) -> None:
    exam = case_exam(CASES[case_id])
    result = classify(exam_from_praxis(exam))
    browser.get(f"{worksheet_server}/_test/worksheet/{case_id}")
    # the classification box: NLI and AIS labelled as such, every element as classified
    box = browser.find_element(By.CSS_SELECTOR, "section.classification")
    assert "Neurological level of injury (NLI)" in box.text
    assert "ASIA Impairment Scale (AIS)" in box.text
    for element, text in result.as_text().items():
        node = box.find_element(By.CSS_SELECTOR, f"[data-element='{element.replace('_', '-')}']")
        assert node.text == text
    # the grid: every level, both sides, as examined
    for level in SENSORY_LEVELS:
        cells = browser.find_elements(
            By.CSS_SELECTOR, f"tr[data-level='{level.replace('_', '-')}'] td"
        )
        right, left = exam["right"], exam["left"]
        motor = level in MOTOR_LEVELS
        assert [c.text for c in cells] == [
            right["motor"][level] if motor else "",
            right["lightTouch"][level],
            right["pinPrick"][level],
            left["lightTouch"][level],
            left["pinPrick"][level],
            left["motor"][level] if motor else "",
        ]
    # the totals (ND where an NT blocks the sum)
    totals = browser.find_element(By.XPATH, "//h2[@id='totals-h']/..").text
    assert all(
        (("ND" if v is None else str(v)) in totals)
        for v in (getattr(result.totals, f) for f in result.totals.__slots__)
    )
    # the key points on the map
    seen = browser.execute_script("""
        return Array.from(document.querySelectorAll('svg.bodymap g.dermatome')).map(e =>
          [e.dataset.segment, e.dataset.side, e.dataset.state]);""")
    expected = {
        (level.replace("_", "-"), side): _state(
            exam[side]["lightTouch"][level], exam[side]["pinPrick"][level]
        )
        for level in SENSORY_LEVELS
        for side in ("left", "right")
    }
    assert {(s, side): state for s, side, state in seen} == expected
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.bodymap .key-point")) == 56
    assert not browser.find_elements(By.CSS_SELECTOR, "svg.bodymap [data-top]")
    screenshot(browser, f"worksheet-case-{case_id}")


def test_chosen_cases_cover_nt_stars_and_complete() -> None:
    assert len(set(CHOSEN)) == 3
    texts = [classify(exam_from_praxis(case_exam(CASES[i]))).as_text() for i in CHOSEN]
    assert any("," in value for t in texts for value in t.values())  # undecided: a list
    assert any("*" in value for t in texts for value in t.values())  # a starred value
    assert any(t["injury_complete"] == "I" for t in texts)
