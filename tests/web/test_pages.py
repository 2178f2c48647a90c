"""Pages without a browser: negotiation, headers, escaping, packaged samples and assets."""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path

import pytest

from service.web import SWAGGER_FILES
from service.web.samples import SAMPLES
from tests.conftest import FHIR_HEADERS

ROOT = Path(__file__).parent.parent.parent
OPERATION = "/fhir/ClinicalImpression/$localize-root"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def stored(client: t.Any, name: str = "l5-left") -> str:
    body = (ROOT / "tests" / "data" / "samples" / f"{name}.json").read_bytes()
    response = client.post(OPERATION, data=body, headers=FHIR_HEADERS)
    assert response.status_code == 200
    return t.cast(str, response.get_json()["id"])


@pytest.mark.parametrize(
    "how",
    [{"headers": {"Accept": BROWSER}}, {"query": "?_format=html"}, {"query": "?_format=text/html"}],
)
def test_result_as_a_page(client: t.Any, how: dict[str, t.Any]) -> None:
    rid = stored(client)
    response = client.get(
        f"/fhir/ClinicalImpression/{rid}{how.get('query', '')}", headers=how.get("headers", {})
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'data-segment="L5" data-side="left" data-state="abnormal" data-top="true"' in page
    assert response.headers["Cache-Control"] == "no-store"  # patient data
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Vary"] == "Accept"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "http" not in csp


@pytest.mark.parametrize("accept", ["*/*", "application/fhir+json", "application/json", None])
def test_api_clients_still_get_json(client: t.Any, accept: str | None) -> None:
    rid = stored(client)
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/fhir/ClinicalImpression/{rid}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype in {"application/fhir+json", "application/json"}
    assert "Content-Security-Policy" not in response.headers


def test_html_only_where_a_page_exists(client: t.Any) -> None:
    for path in ("/fhir/metadata?_format=html", "/fhir/ClinicalImpression?_format=html"):
        response = client.get(path)
        assert response.status_code == 406
        assert response.get_json()["issue"][0]["expression"] == ["http._format"]
    response = client.get("/fhir/metadata", headers={"Accept": "text/html"})
    assert response.status_code == 406


def test_unknown_result_page_is_a_404_outcome(client: t.Any) -> None:
    response = client.get("/fhir/ClinicalImpression/nope?_format=html")
    assert response.status_code == 404
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_pages_have_no_inline_script_style_or_handler(client: t.Any) -> None:
    rid = stored(client, "cauda-equina")
    for path in ("/", "/docs", f"/fhir/ClinicalImpression/{rid}?_format=html"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "Content-Security-Policy" in response.headers
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None, path
        assert "<style" not in page and " style=" not in page, path
        assert re.search(r"\son[a-z]+\s*=", page) is None, path
        assert re.search(r"(src|href)=\"(https?:)?//", page) is None, path  # nothing external
        assert '<html lang="en">' in page and "<h1>" in page


def test_markup_is_escaped(client: t.Any) -> None:
    body = (ROOT / "tests" / "data" / "web" / "markup-exam.json").read_bytes()
    rid = client.post(OPERATION, data=body, headers=FHIR_HEADERS).get_json()["id"]
    page = client.get(f"/fhir/ClinicalImpression/{rid}?_format=html").get_data(as_text=True)
    assert "&lt;img/src=x/onerror=window.__pwned=1&gt;" in page
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in page
    assert "<img" not in page and "<script>window" not in page


def test_packaged_samples_are_the_test_samples(client: t.Any) -> None:
    assert len(SAMPLES) >= 2
    for name in SAMPLES:
        packaged = ROOT / "service" / "web" / "samples" / f"{name}.json"
        assert (
            packaged.read_bytes()
            == (ROOT / "tests" / "data" / "samples" / f"{name}.json").read_bytes()
        )
        response = client.get(f"/samples/{name}.json")
        assert response.status_code == 200 and json.loads(response.data) == json.loads(
            packaged.read_bytes()
        )
    assert client.get("/samples/../pyproject.toml").status_code == 404
    assert client.get("/samples/l5-left.expected.json").status_code == 404


def test_static_files_only_the_known_ones(client: t.Any) -> None:
    for name in (
        "pages.css",
        "tryit.js",
        "docs.js",
        "favicon.svg",
        *(f"swagger-ui/{f}" for f in SWAGGER_FILES),
    ):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()
    for name in ("../__init__.py", "swagger-ui/index.html", "swagger-ui/../../flask.py", "x.css"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 404, name
        assert response.get_json()["resourceType"] == "OperationOutcome"


def test_docs_page_points_at_the_spec(client: t.Any) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert 'data-spec="/openapi.yaml"' in page
    assert "swagger-ui-bundle.js" in page
    assert (ROOT / "service" / "web" / "static" / "docs.js").read_text().count(
        'docExpansion: "list"'
    ) == 1


def test_the_page_keeps_the_read_conventions(client: t.Any) -> None:
    """The page is the same read: the same validators and 304s, the query still checked."""
    rid = stored(client)
    path = f"/fhir/ClinicalImpression/{rid}"
    as_json = client.get(path)
    page = client.get(f"{path}?_format=html")
    assert page.mimetype == "text/html"
    for header in ("ETag", "Last-Modified"):
        assert page.headers[header] == as_json.headers[header]
    for how in (
        {"query": "?_format=html", "headers": {"If-None-Match": page.headers["ETag"]}},
        {"headers": {"Accept": BROWSER, "If-Modified-Since": page.headers["Last-Modified"]}},
    ):
        response = client.get(path + how.get("query", ""), headers=how["headers"])
        assert response.status_code == 304, how
        assert response.get_data() == b""
        assert response.headers["Vary"] == "Accept"
    # _summary and _elements cut JSON; the page always shows the whole result
    for query in ("_summary=true", "_elements=id,summary"):
        response = client.get(f"{path}?{query}", headers={"Accept": BROWSER})
        assert response.mimetype == "text/html"
        assert (
            'data-segment="L5" data-side="left" data-state="abnormal" data-top="true"'
            in response.get_data(as_text=True)
        )
        cut = client.get(f"{path}?{query}").get_json()
        assert cut["meta"]["tag"][0]["code"] == "SUBSETTED" and "extension" not in cut
    bad = client.get(f"{path}?_format=html&_summary=nonsense")
    assert bad.status_code == 400 and bad.mimetype == "application/fhir+json"
    assert "_summary" in bad.get_json()["issue"][0]["expression"][0]


def test_the_page_is_declared_on_the_read_route(client: t.Any) -> None:
    import yaml

    read = yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"][
        "/fhir/ClinicalImpression/{id}"
    ]["get"]
    fmt = next(p for p in read["parameters"] if p.get("name") == "_format")
    rid = stored(client)
    for value in fmt["schema"]["enum"]:
        response = client.get(f"/fhir/ClinicalImpression/{rid}", query_string={"_format": value})
        assert response.status_code == 200, value
        assert response.mimetype in read["responses"]["200"]["content"], value
    assert {"html", "text/html"} <= set(fmt["schema"]["enum"])
