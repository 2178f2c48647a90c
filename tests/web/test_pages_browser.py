"""The pages in a real browser (headless Chromium from Debian, driven by Selenium).

Body-map expectations are computed from the exam itself (its Observations read by the
service's reader, each sensory site's core segments from the table), not copied from the page.
"""

from __future__ import annotations

import json
import typing as t
import urllib.request
from pathlib import Path

import pytest
import yaml
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from service.core import Kind
from service.fhir.read.request import parse_request
from terminology import SEGMENTS, default_table

from .conftest import ARTIFACTS, screenshot

ROOT = Path(__file__).parent.parent.parent
SAMPLES = ROOT / "tests" / "data" / "samples"
TABLE = default_table()
SNOMED = "http://snomed.info/sct"
PAGE_SAMPLES = ["l5-left", "cauda-equina", "normal-exam", "polyneuropathy", "c6-left"]


def post(base: str, path: Path) -> dict[str, t.Any]:
    request = urllib.request.Request(
        f"{base}/fhir/ClinicalImpression/$localize-root",
        data=path.read_bytes(),
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return t.cast(dict[str, t.Any], json.loads(response.read()))


def expected_states(path: Path) -> dict[tuple[str, str], str]:
    """Per (segment, side): abnormal / normal / mixed / untested, from the exam's sensory
    findings (light touch, pin prick, sensation) at sites whose core segments include it."""
    parsed = parse_request(json.loads(path.read_text()), TABLE, max_entries=10_000)
    seen: dict[tuple[str, str], set[bool]] = {}
    for f in parsed.findings:
        if f.kind is not Kind.SENSORY or f.modality == "vibration" or f.side is None:
            continue
        site = TABLE.site(SNOMED, f.target)
        sides = ["left", "right"] if f.side.value == "bilateral" else [f.side.value]
        for weighted in site.core if site else ():
            for side in sides:
                seen.setdefault((weighted.segment, side), set()).add(f.polarity.is_abnormal)
    states = {}
    for segment in SEGMENTS:
        for side in ("left", "right"):
            found = seen.get((segment, side), set())
            states[(segment, side)] = (
                "untested"
                if not found
                else "mixed"
                if len(found) == 2
                else "abnormal"
                if True in found
                else "normal"
            )
    return states


def expected_top(answer: dict[str, t.Any]) -> set[tuple[str, str]]:
    """The top root's regions: its segments on its side (both for bilateral or no side)."""
    first = (answer.get("finding") or [None])[0]
    if first is None:
        return set()
    codings = first["itemCodeableConcept"]["coding"]
    if not any(c["code"] == "radiculopathy" for c in codings if c["system"].endswith("pattern")):
        return set()
    segments = [c["code"] for c in codings if c["system"].endswith("spinal-segment")]
    side = next(
        (
            c["code"]
            for e in first.get("extension", [])
            if e["url"].endswith("laterality")
            for c in e["valueCodeableConcept"]["coding"]
        ),
        None,
    )
    sides = {"7771000": ["left"], "24028007": ["right"]}.get(side, ["left", "right"])
    return {(segment, s) for segment in segments for s in sides}


def regions(driver: t.Any) -> list[dict[str, str | None]]:
    return t.cast(
        list[dict[str, str | None]],
        driver.execute_script("""
        return Array.from(document.querySelectorAll('svg.bodymap [data-segment]')).map(e => ({
            segment: e.getAttribute('data-segment'), side: e.getAttribute('data-side'),
            state: e.getAttribute('data-state'), top: e.getAttribute('data-top')}));"""),
    )


def severe_console(driver: t.Any) -> list[str]:
    """Console errors (a CSP violation or a failed load shows up here)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def open_page(driver: t.Any, url: str) -> None:
    driver.get_log("browser")  # drop earlier entries
    driver.get(url)
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.TAG_NAME, "h1")))


@pytest.mark.parametrize("sample", PAGE_SAMPLES)
def test_result_page_body_map(live_server: str, browser: t.Any, sample: str) -> None:
    path = SAMPLES / f"{sample}.json"
    answer = post(live_server, path)
    open_page(browser, f"{live_server}/fhir/ClinicalImpression/{answer['id']}")
    assert browser.execute_script("return document.documentElement.lang") == "en"
    found = regions(browser)
    by_key: dict[tuple[str, str], set[str | None]] = {}
    tops: dict[tuple[str, str], set[str | None]] = {}
    for region in found:
        key = (t.cast(str, region["segment"]), t.cast(str, region["side"]))
        by_key.setdefault(key, set()).add(region["state"])
        tops.setdefault(key, set()).add(region["top"])
    expected = expected_states(path)
    assert set(by_key) == set(expected)  # every dermatome C2..S4-5 on both sides
    assert {key: states.pop() for key, states in by_key.items() if len(states) == 1} == expected
    top = expected_top(answer)
    assert {key for key, values in tops.items() if values == {"true"}} == top
    assert all(values in ({"true"}, {None}) for values in tops.values())
    # the summary comes first, and URGENT shows as such
    sections = browser.find_elements(By.CSS_SELECTOR, "main section")
    assert "summary" in (sections[0].get_attribute("class") or "")
    urgent = answer["summary"].startswith("URGENT")
    assert bool(browser.find_elements(By.CSS_SELECTOR, ".summary.urgent .urgent-badge")) is urgent
    # every hypothesis, with its evidence naming Observations
    cards = browser.find_elements(By.CSS_SELECTOR, "article.hypothesis")
    assert len(cards) == len(answer.get("finding", []))
    for card, finding in zip(cards, answer.get("finding", []), strict=True):
        assert finding["itemCodeableConcept"]["text"] in card.text
        refs = [e.text for e in card.find_elements(By.CSS_SELECTOR, ".for .ref")]
        assert refs and all(ref.startswith("Observation/") for ref in refs)
    assert severe_console(browser) == []
    screenshot(browser, f"result-{sample}")
    browser.set_window_size(1280, 2400)
    browser.find_element(By.CSS_SELECTOR, "svg.bodymap").screenshot(
        str(ARTIFACTS / f"map-{sample}.png")
    )
    browser.set_window_size(1280, 1000)


def test_sample_expectations_are_not_vacuous(live_server: str) -> None:
    """The computed expectations do distinguish the samples (abnormal, normal, top)."""
    l5 = expected_states(SAMPLES / "l5-left.json")
    assert l5[("L5", "left")] == "abnormal"
    normal = expected_states(SAMPLES / "normal-exam.json")
    assert "abnormal" not in normal.values() and "normal" in normal.values()
    assert expected_top(post(live_server, SAMPLES / "l5-left.json")) == {("L5", "left")}
    assert expected_top(post(live_server, SAMPLES / "cauda-equina.json")) == set()


def test_try_it_posts_a_sample_and_shows_its_page(live_server: str, browser: t.Any) -> None:
    open_page(browser, f"{live_server}/")
    labels = browser.find_elements(By.CSS_SELECTOR, "input[name=sample]")
    assert len([e for e in labels if e.get_attribute("value")]) >= 2
    for field in labels:  # every control has a label
        assert browser.find_elements(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']")
    assert browser.find_element(By.CSS_SELECTOR, "a[href='/docs']")
    assert browser.find_element(By.CSS_SELECTOR, "a[href='/samples/l5-left.json']")
    screenshot(browser, "try-it")
    browser.find_element(By.ID, "sample-cauda-equina").click()
    browser.find_element(By.ID, "post").click()
    WebDriverWait(browser, 20).until(ec.url_contains("/fhir/ClinicalImpression/"))
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".summary")))
    url = browser.current_url
    assert url.split("?")[1] == "_format=html"  # nothing but the id and the format in the URL
    assert browser.find_element(By.CSS_SELECTOR, ".summary-text").text.startswith("URGENT")
    assert severe_console(browser) == []


def test_try_it_posts_a_chosen_file(live_server: str, browser: t.Any) -> None:
    open_page(browser, f"{live_server}/")
    browser.find_element(By.ID, "file").send_keys(str(SAMPLES / "c6-left.json"))
    assert browser.find_element(By.ID, "sample-file").is_selected()
    browser.find_element(By.ID, "post").click()
    WebDriverWait(browser, 20).until(ec.url_contains("/fhir/ClinicalImpression/"))
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".summary")))
    assert "C6" in browser.find_element(By.CSS_SELECTOR, ".summary-text").text


def test_try_it_shows_an_error(live_server: str, browser: t.Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')
    open_page(browser, f"{live_server}/")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    browser.find_element(By.ID, "post").click()
    status = WebDriverWait(browser, 20).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".status.error"))
    )
    assert "HTTP 4" in status.text
    assert browser.current_url.rstrip("/") == live_server


def test_docs_lists_every_operation(live_server: str, browser: t.Any) -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    wanted = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "delete", "patch"}
    }
    open_page(browser, f"{live_server}/docs")
    WebDriverWait(browser, 30).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock-summary-method"))
    )
    shown = set(
        map(
            tuple,
            browser.execute_script("""
        return Array.from(document.querySelectorAll('.opblock')).map(b => [
          b.querySelector('.opblock-summary-method').textContent.trim(),
          b.querySelector('.opblock-summary-path').getAttribute('data-path')]);"""),
        )
    )
    assert shown == wanted
    assert severe_console(browser) == []
    screenshot(browser, "docs")


def test_markup_in_an_exam_is_inert(live_server: str, browser: t.Any) -> None:
    answer = post(live_server, ROOT / "tests" / "data" / "web" / "markup-exam.json")
    assert "onerror" in json.dumps(answer)  # the markup did reach the stored result
    open_page(browser, f"{live_server}/fhir/ClinicalImpression/{answer['id']}?_format=html")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.execute_script("return window.__pwned === undefined")
    assert (
        browser.execute_script(
            "return document.querySelectorAll('script, img, #injected, svg [onload]').length"
        )
        == 0
    )
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "<img/src=x/onerror=window.__pwned=1>" in text  # shown as text, not markup
    assert "<script>window.__pwned=2</script>" in text
    screenshot(browser, "result-markup")
