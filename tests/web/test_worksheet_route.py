"""GET /fhir/Observation/{panel id} as a page: the ISNCSCI worksheet of a stored classification,
in headless Chromium, for samples posted through ``$classify-isncsci``.

The expected grid is read from the sample Bundle here (not through the service's reader), the
expected classification from the sample's ``expected.json`` (written by the reference, praxis).
"""

from __future__ import annotations

import json
import typing as t
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS

from .conftest import screenshot

SAMPLES = Path(__file__).parent.parent / "data" / "samples" / "isncsci"
SIDES = {"24028007": "right", "7771000": "left"}
MOTOR = {
    "elbow-flexion": "C5",
    "wrist-extension": "C6",
    "elbow-extension": "C7",
    "finger-flexion": "C8",
    "finger-abduction": "T1",
    "hip-flexion": "L2",
    "knee-extension": "L3",
    "ankle-dorsiflexion": "L4",
    "great-toe-extension": "L5",
    "ankle-plantarflexion": "S1",
}
STARS = {"consider-not-normal": "*", "consider-normal": "**"}
#: (sample, how the page is asked for): the browser's own Accept, or _format=html
CASES = [
    ("c5-complete-tetraplegia", "accept"),
    ("central-cord-syndrome", "format"),
    ("starred-items", "accept"),
    ("not-testable-items", "format"),
]


def expected_grid(bundle: dict[str, t.Any]) -> dict[tuple[str, str, str], str]:
    """(modality, level, side) -> the worksheet cell, from the sample's Observations; a missing
    item is NT."""
    grid = {
        (m, level.replace("_", "-"), side): "NT"
        for side in ("right", "left")
        for m in ("lt", "pp")
        for level in SENSORY_LEVELS
    }
    grid.update(
        {("motor", level, side): "NT" for level in MOTOR_LEVELS for side in ("right", "left")}
    )
    for entry in bundle["entry"]:
        obs = entry["resource"]
        code = obs["code"]["coding"][0]["code"]
        site = obs.get("bodySite") or {}
        sides = [
            SIDES[x["valueCodeableConcept"]["coding"][0]["code"]] for x in site.get("extension", [])
        ]
        if code in ("light-touch", "pin-prick"):
            key = ("lt" if code == "light-touch" else "pp", site["coding"][0]["code"])
        elif code in MOTOR:
            key = ("motor", MOTOR[code])
        else:
            continue
        value = "NT" if "dataAbsentReason" in obs else str(obs["valueInteger"])
        value += "".join(STARS[x["valueCode"]] for x in obs.get("extension", []))
        for side in sides:
            grid[(*key, side)] = value
    return grid


def _post(server: str, body: bytes) -> dict[str, t.Any]:
    request = urllib.request.Request(
        f"{server}/fhir/Observation/$classify-isncsci",
        data=body,
        method="POST",
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return t.cast(dict[str, t.Any], json.load(response))


def _state(lt: str, pp: str) -> str:
    grades = [int(v.rstrip("*")) for v in (lt, pp) if not v.startswith("NT")]
    if not grades:
        return "untested"
    if all(g == 2 for g in grades):
        return "normal"
    return "abnormal" if all(g < 2 for g in grades) else "mixed"


@pytest.mark.parametrize(("sample", "how"), CASES)
def test_panel_page_is_the_worksheet(
    live_server: str, browser: t.Any, sample: str, how: str
) -> None:
    body = (SAMPLES / f"{sample}.json").read_bytes()
    expected = json.loads((SAMPLES / f"{sample}.expected.json").read_text())["expected"]
    grid = expected_grid(json.loads(body))
    answer = _post(live_server, body)
    panel = answer["entry"][0]["resource"]
    assert panel["code"]["coding"][0]["code"] == "classification"
    url = f"{live_server}/fhir/Observation/{panel['id']}"
    browser.get(url + ("?_format=html" if how == "format" else ""))  # a browser's Accept
    assert browser.find_element(By.TAG_NAME, "h1").text
    # the classification box: NLI and AIS labelled as such, with the reference's values
    box = browser.find_element(By.CSS_SELECTOR, "section.classification")
    assert "Neurological level of injury (NLI)" in box.text
    assert "ASIA Impairment Scale (AIS)" in box.text
    for element in (
        "neurological_level_of_injury",
        "asia_impairment_scale",
        "injury_complete",
        "sensory_level_right",
        "motor_level_left",
        "zpp_sensory_right",
    ):
        node = box.find_element(By.CSS_SELECTOR, f"[data-element='{element.replace('_', '-')}']")
        assert node.text == expected[element].replace("_", "-"), element
    # the grid: every level, both sides, as the sample examined it
    for level in SENSORY_LEVELS:
        segment = level.replace("_", "-")
        cells = browser.find_elements(By.CSS_SELECTOR, f"tr[data-level='{segment}'] td")
        motor = level in MOTOR_LEVELS
        assert [c.text for c in cells] == [
            grid[("motor", level, "right")] if motor else "",
            grid[("lt", segment, "right")],
            grid[("pp", segment, "right")],
            grid[("lt", segment, "left")],
            grid[("pp", segment, "left")],
            grid[("motor", level, "left")] if motor else "",
        ]
    # the totals, as the reference computed them
    totals = browser.find_element(By.XPATH, "//h2[@id='totals-h']/..").text
    for name in ("upper_extremity", "lower_extremity", "light_touch", "pin_prick"):
        assert expected[name] in totals
    # the key points on the body map: one per dermatome and side, in the state of its grades
    seen = browser.execute_script("""
        return Array.from(document.querySelectorAll('svg.bodymap g.key-point')).map(e =>
          [e.dataset.segment, e.dataset.side, e.dataset.state]);""")
    states = {
        (level.replace("_", "-"), side): _state(
            grid[("lt", level.replace("_", "-"), side)], grid[("pp", level.replace("_", "-"), side)]
        )
        for level in SENSORY_LEVELS
        for side in ("left", "right")
    }
    assert len(seen) == 56
    assert {(s, side): state for s, side, state in seen} == states
    assert len({state for _, _, state in seen}) > 1  # not all alike: the map carries the exam
    screenshot(browser, f"worksheet-route-{sample}")


def test_member_as_html_is_406_naming_the_panel(live_server: str) -> None:
    answer = _post(live_server, (SAMPLES / "central-cord-syndrome.json").read_bytes())
    panel, member = answer["entry"][0]["resource"], answer["entry"][5]["resource"]
    for query, headers, expression in (
        ("?_format=html", {}, "http._format"),
        ("", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, "http.Accept"),
    ):
        request = urllib.request.Request(
            f"{live_server}/fhir/Observation/{member['id']}{query}", headers=headers
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310 (loopback)
        assert caught.value.code == 406
        outcome = json.load(caught.value)
        assert outcome["resourceType"] == "OperationOutcome"
        assert f"Observation/{panel['id']}" in outcome["issue"][0]["diagnostics"]
        assert outcome["issue"][0]["expression"] == [expression]
