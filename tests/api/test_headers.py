"""Response headers and links: nosniff, no-store on patient data, links from NEUROROOT_BASE_URL
or a trusted Host only (the same over gunicorn: tests/test_serving.py)."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from service import create_app
from service.config import ConfigError
from tests.conftest import DATA, FHIR_HEADERS

OPERATION = "/fhir/ClinicalImpression/$localize-root"
SAMPLE = (DATA / "samples" / "l5-left.json").read_bytes()


def _app(tmp_path: Path, **config: t.Any) -> t.Any:
    return create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "h.sqlite3"), **config})


def _stored(client: t.Any, **headers: str) -> dict[str, t.Any]:
    response = client.post(OPERATION, data=SAMPLE, headers={**FHIR_HEADERS, **headers})
    assert response.status_code == 200, response.get_json()
    return t.cast(dict[str, t.Any], response.get_json())


def _patient_data_paths(rid: str) -> list[str]:
    return [
        f"/fhir/ClinicalImpression/{rid}",
        f"/fhir/ClinicalImpression/{rid}/_history/1",
        "/fhir/ClinicalImpression?patient=p-l5",
        "/fhir/ClinicalImpression?subject=Patient/x",
        f"/fhir/Provenance?target=ClinicalImpression/{rid}",
        "/fhir/ClinicalImpression/unknown",
        "/fhir/ClinicalImpression?bogus=1",
        "/fhir/Provenance/unknown",
    ]


def test_every_answer_has_nosniff_and_patient_data_is_never_cached(client: t.Any) -> None:
    posted = client.post(OPERATION, data=SAMPLE, headers=FHIR_HEADERS)
    assert posted.headers["Cache-Control"] == "no-store"
    assert posted.headers["X-Content-Type-Options"] == "nosniff"
    rid = posted.get_json()["id"]
    for path in _patient_data_paths(rid):
        response = client.get(path, headers=FHIR_HEADERS)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Cache-Control"] == "no-store", path
    provenance = client.get(f"/fhir/Provenance?target=ClinicalImpression/{rid}").get_json()
    read = client.get(f"/fhir/Provenance/{provenance['entry'][0]['resource']['id']}")
    assert read.headers["Cache-Control"] == "no-store"
    etag = client.get(f"/fhir/ClinicalImpression/{rid}").headers["ETag"]
    not_modified = client.get(f"/fhir/ClinicalImpression/{rid}", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.headers["Cache-Control"] == "no-store"
    for bad in (
        client.post(OPERATION, data=b"{", headers=FHIR_HEADERS),
        client.get("/no/such/path"),
        client.delete("/fhir/metadata"),
    ):
        assert bad.status_code >= 400
        assert bad.headers["Cache-Control"] == "no-store"
        assert bad.headers["X-Content-Type-Options"] == "nosniff"


def test_conformance_and_terminology_may_be_cached(client: t.Any) -> None:
    for path in (
        "/fhir/metadata",
        "/fhir/CodeSystem/spinal-segment",
        "/fhir/ConceptMap",
        "/openapi.yaml",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Cache-Control" not in response.headers, path


BASE = "https://neuro.example.org/base"


def test_links_start_with_the_base_url_whatever_the_host(tmp_path: Path) -> None:
    client = _app(tmp_path, BASE_URL=BASE + "/").test_client()
    forged = {"Host": "evil.example"}
    posted = client.post(OPERATION, data=SAMPLE, headers={**FHIR_HEADERS, **forged})
    rid = posted.get_json()["id"]
    assert posted.headers["Content-Location"] == f"{BASE}/fhir/ClinicalImpression/{rid}/_history/1"
    found = client.get(
        "/fhir/ClinicalImpression?patient=p-l5&_count=1&_revinclude=Provenance:target",
        headers=forged,
    ).get_json()
    urls = [link["url"] for link in found["link"]] + [e["fullUrl"] for e in found["entry"]]
    urls += [
        e["fullUrl"] for e in client.get("/fhir/CodeSystem", headers=forged).get_json()["entry"]
    ]
    urls.append(client.get("/fhir/metadata", headers=forged).get_json()["implementation"]["url"])
    urls += [
        link["url"]
        for link in client.get(
            f"/fhir/Provenance?target=ClinicalImpression/{rid}", headers=forged
        ).get_json()["link"]
    ]
    assert urls and all(url.startswith(f"{BASE}/fhir") for url in urls), urls
    assert not any("evil" in url for url in urls)


def test_without_a_base_url_a_forged_host_is_refused_before_any_work(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    for method, path in (
        ("POST", OPERATION),
        ("GET", "/fhir/ClinicalImpression?patient=p-l5"),
        ("GET", "/fhir/metadata"),
        ("GET", "/fhir/CodeSystem"),
    ):
        response = client.open(
            path,
            method=method,
            data=SAMPLE if method == "POST" else None,
            headers={**FHIR_HEADERS, "Host": "evil.example:8080"},
        )
        assert response.status_code == 400, (path, response.get_json())
        issue = response.get_json()["issue"][0]
        assert issue["expression"] == ["http.Host"]
        assert "NEUROROOT_BASE_URL" in issue["diagnostics"]
    # nothing was stored by the refused operation
    assert client.get("/fhir/ClinicalImpression?patient=p-l5").get_json()["total"] == 0
    # a trusted Host (the loopback names by default) is used, with its port
    posted = client.post(OPERATION, data=SAMPLE, headers={**FHIR_HEADERS, "Host": "[::1]:9000"})
    assert posted.headers["Content-Location"].startswith("http://[::1]:9000/fhir/")
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 200


def test_trusted_hosts_are_configurable(tmp_path: Path) -> None:
    client = _app(tmp_path, LINK_HOSTS="fhir.example.org").test_client()
    posted = client.post(
        OPERATION, data=SAMPLE, headers={**FHIR_HEADERS, "Host": "FHIR.example.org"}
    )
    assert posted.headers["Content-Location"].lower().startswith("http://fhir.example.org/fhir/")
    assert client.get("/fhir/metadata", headers={"Host": "localhost"}).status_code == 400
    anyone = _app(tmp_path, LINK_HOSTS="*").test_client()
    assert anyone.get("/fhir/metadata", headers={"Host": "any.example"}).status_code == 200


@pytest.mark.parametrize(
    "value", ["neuro.example.org", "ftp://x.example", "https://x.example/?a=1", "https://"]
)
def test_a_malformed_base_url_stops_the_app_naming_it(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="NEUROROOT_BASE_URL"):
        _app(tmp_path, BASE_URL=value)
