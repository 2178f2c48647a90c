"""FHIR XML in and out (application/fhir+xml, _format=xml), through fhir.resources' XML support.

Exams posted as XML are read exactly as the same exams in JSON; every resource the service emits
comes back as XML that parses to the same JSON; the official R4 examples round-trip; a broken
XML body is a 400 OperationOutcome in the negotiated format.
"""

from __future__ import annotations

import json
import typing as t
from datetime import datetime
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from lxml import etree

from service import create_app
from service.fhir.read.xml_body import read_xml
from service.fhir.write.xml_body import to_xml
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "fhir-r4-examples"
OPERATION = "/fhir/ClinicalImpression/$localize-root"
XML_IN = {"Content-Type": "application/fhir+xml", "Accept": "application/fhir+json"}
XML = "application/fhir+xml"


def exam(name: str = "l5-left") -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], json.loads((SAMPLES / f"{name}.json").read_text()))


def xml_of(resource: dict[str, t.Any]) -> bytes:
    return to_xml(resource)


_TIMES = {"date", "lastUpdated", "recorded", "timestamp"}


def normalised(resource: t.Any) -> t.Any:
    """*resource* with its XHTML narratives canonicalised (XML may re-escape the same text) and
    its instants as datetimes (``.581Z`` and ``.581000Z`` are one instant)."""
    if isinstance(resource, dict):
        out = {k: normalised(v) for k, v in resource.items()}
        if isinstance(out.get("div"), str) and out["div"].startswith("<div"):
            out["div"] = etree.tostring(etree.fromstring(out["div"]), method="c14n")
        for key in _TIMES & set(out):
            if isinstance(out[key], str) and "T" in out[key]:
                out[key] = datetime.fromisoformat(out[key])
        return out
    if isinstance(resource, list):
        return [normalised(v) for v in resource]
    return resource


def parsed_xml(response: t.Any) -> dict[str, t.Any]:
    assert response.content_type.startswith(XML), response.content_type
    return read_xml(response.get_data())


@pytest.mark.parametrize("name", ["l5-left", "s1-right", "c6-left"])
def test_an_exam_posted_as_xml_gets_the_same_answer_as_in_json(name: str, tmp_path: Path) -> None:
    client = create_app({"TESTING": True, "STORE_ENABLED": False}).test_client()
    as_json = client.post(OPERATION, data=json.dumps(exam(name)), headers=FHIR_HEADERS).get_json()
    response = client.post(OPERATION, data=xml_of(exam(name)), headers=XML_IN)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    as_xml = response.get_json()
    for answer in (as_json, as_xml):
        answer.pop("date")
        answer.pop("text")
    assert as_xml == as_json


def test_every_emitted_resource_as_xml_parses_back_to_the_same_json(client: t.Any) -> None:
    posted = client.post(OPERATION, data=json.dumps(exam()), headers=FHIR_HEADERS)
    id_ = posted.get_json()["id"]
    paths = [
        f"/fhir/ClinicalImpression/{id_}",
        f"/fhir/ClinicalImpression/{id_}/_history/1",
        "/fhir/ClinicalImpression",
        "/fhir/ClinicalImpression?_revinclude=Provenance:target",
        f"/fhir/Provenance?target=ClinicalImpression/{id_}",
        "/fhir/metadata",
        "/fhir/OperationDefinition/localize-root",
        "/fhir/OperationDefinition/Bundle-validate",
        "/fhir/CodeSystem/spinal-segment",
        "/fhir/ConceptMap/site-to-segment",
        "/fhir/Nothing/here",  # an error: an OperationOutcome
    ]
    for path in paths:
        as_json = client.get(path, headers={"Accept": "application/fhir+json"})
        by_accept = client.get(path, headers={"Accept": f"{XML};q=0.9, application/json;q=0.5"})
        by_format = client.get(path + ("&" if "?" in path else "?") + "_format=xml")
        assert by_accept.status_code == as_json.status_code, path
        json_body = as_json.get_json()
        json_body.pop("timestamp", None)  # a searchset's own time
        for response in (by_accept, by_format):
            back = parsed_xml(response)
            back.pop("timestamp", None)
            if response is by_format:  # a searchset's links keep _format: the next page is XML
                for page_link in back.get("link", []):
                    url = page_link["url"]
                    assert "_format=xml" in url, (path, url)
                    url = url.replace("?_format=xml&", "?").replace("&_format=xml", "")
                    page_link["url"] = url.removesuffix("?_format=xml")
            assert normalised(back) == normalised(json_body), path


def test_the_operation_answers_xml_and_validate_takes_xml(client: t.Any) -> None:
    response = client.post(
        OPERATION, data=xml_of(exam()), headers={"Content-Type": XML, "Accept": XML}
    )
    assert response.status_code == 200
    impression = parsed_xml(response)
    assert impression["resourceType"] == "ClinicalImpression"
    assert response.headers["ETag"] == 'W/"1"'
    report = client.post(
        "/fhir/Bundle/$validate", data=xml_of(exam()), headers={"Content-Type": XML, "Accept": XML}
    )
    outcome = parsed_xml(report)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "information"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='collection'/>", "http.body"),
        (b"<Bundle/>", "http.body"),
        (b"<Nothing xmlns='http://hl7.org/fhir'/>", "http.body"),
        (
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
            b"<Bundle xmlns='http://hl7.org/fhir'><type value='&e;'/></Bundle>",
            None,
        ),
        (b"<Bundle xmlns='http://hl7.org/fhir'><type value='collection'/><bogus/></Bundle>", None),
    ],
)
def test_a_bad_xml_body_is_a_400_outcome_in_the_negotiated_format(
    client: t.Any, body: bytes, where: str | None
) -> None:
    for accept in ("application/fhir+json", XML):
        response = client.post(
            OPERATION, data=body, headers={"Content-Type": XML, "Accept": accept}
        )
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        outcome = response.get_json() if accept != XML else parsed_xml(response)
        assert outcome["resourceType"] == "OperationOutcome"
        assert "passwd" not in response.get_data(as_text=True).replace("file:///etc/passwd", "")
        if where is not None:
            assert where in outcome["issue"][0]["expression"]


def test_q_values_choose_the_format(client: t.Any) -> None:
    def media(accept: str) -> str:
        return str(client.get("/fhir/metadata", headers={"Accept": accept}).content_type)

    assert media(f"application/fhir+json;q=0.5, {XML}").startswith(XML)
    assert media(f"{XML};q=0.5, application/fhir+json").startswith("application/fhir+json")
    assert media("*/*").startswith("application/fhir+json")
    assert media("application/xml").startswith(XML)
    assert media("application/json").startswith("application/json")
    assert media(f"{XML}; fhirVersion=4.0").startswith(XML)
    assert (
        client.get("/fhir/metadata", headers={"Accept": f"{XML}; fhirVersion=3.0"}).status_code
        == 406
    )


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json")) if EXAMPLES.is_dir() else []


@pytest.mark.skipif(not EXAMPLE_FILES, reason=f"the official examples are not at {EXAMPLES}")
def test_the_official_examples_round_trip_through_xml() -> None:
    checked = 0
    for path in EXAMPLE_FILES:
        resource = json.loads(path.read_text())
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        expected = model.model_dump(mode="json", exclude_none=True, by_alias=True)
        back = read_xml(to_xml(resource))
        assert normalised(back) == normalised(expected), path.name
        checked += 1
    assert checked >= 80


@pytest.mark.skipif(not EXAMPLE_FILES, reason=f"the official examples are not at {EXAMPLES}")
def test_official_exam_bundles_posted_as_xml_answer_as_in_json() -> None:
    client = create_app({"TESTING": True, "STORE_ENABLED": False}).test_client()
    for path in EXAMPLE_FILES:
        resource = json.loads(path.read_text())
        if resource["resourceType"] not in {"Bundle", "Observation"}:
            continue
        as_json = client.post(OPERATION, data=json.dumps(resource), headers=FHIR_HEADERS)
        as_xml = client.post(OPERATION, data=to_xml(resource), headers=XML_IN)
        assert as_xml.status_code == as_json.status_code, path.name


def test_documents_that_are_not_fhir_resources_stay_json(client: t.Any) -> None:
    for path in ("/healthz", "/readyz"):
        response = client.get(path, headers={"Accept": XML})
        assert response.status_code == 200
        assert response.content_type.startswith("application/json")


def test_an_xml_answer_replaces_what_xml_cannot_hold(client: t.Any) -> None:
    """A control character echoed from the query (XML 1.0 cannot carry it) is written as U+FFFD:
    the 400 is still an XML OperationOutcome naming the parameter, not a failure to write it."""
    response = client.get("/fhir/CodeSystem?_format=xml&%1B=null")
    assert response.status_code == 400
    assert response.mimetype == XML
    outcome = parsed_xml(response)
    assert outcome["issue"][0]["expression"] == ["http.\ufffd"]
    assert_valid_r4(outcome)


def test_openapi_describes_the_xml_the_server_serves(client: t.Any) -> None:
    """openapi.yaml lists FHIR XML wherever FHIR JSON is answered under /fhir (the same schema:
    test_schemathesis reads XML answers back to FHIR JSON against it), and ``_format`` takes
    exactly the values the server knows; the non-FHIR documents (health) stay JSON only."""
    import yaml

    from service.fhir.http import _FORMATS

    document = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    assert set(document["components"]["parameters"]["format"]["schema"]["enum"]) == set(_FORMATS)
    responses = [
        (path, r)
        for path, item in document["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict)
        for r in operation.get("responses", {}).values()
    ]
    responses += [(f"#/{name}", r) for name, r in document["components"]["responses"].items()]
    for path, response in responses:
        content = response.get("content", {})
        if "application/fhir+json" in content:
            fhir = path.startswith(("/fhir/", "#/")) and "smart" not in path
            assert ("application/fhir+xml" in content) is fhir, path
            if fhir:
                assert (
                    content["application/fhir+xml"]["schema"]
                    == content["application/fhir+json"]["schema"]
                ), path
    # and the server does answer XML there: a read, a search, the capability, an error
    for path in (
        "/fhir/metadata",
        "/fhir/CodeSystem",
        "/fhir/CodeSystem/spinal-segment",
        "/fhir/ClinicalImpression/nothing-here",
    ):
        response = client.get(path, query_string={"_format": "xml"})
        assert response.mimetype == XML, path
        assert_valid_r4(parsed_xml(response))
    health = client.get("/healthz", query_string={"_format": "xml"})
    assert "json" in health.mimetype


def test_classify_isncsci_takes_and_answers_xml(tmp_path: Path) -> None:
    """$classify-isncsci is a FHIR operation like $localize-root: an XML exam classifies as the
    same exam in JSON, and the answer comes in XML when asked for."""
    from tests.isncsci_fhir import answer_as_text

    ISNCSCI = SAMPLES / "isncsci"

    client = create_app({"TESTING": True, "STORE_ENABLED": False}).test_client()
    document = json.loads((ISNCSCI / "brown-sequard-t4.json").read_text())
    expected = json.loads((ISNCSCI / "brown-sequard-t4.expected.json").read_text())["expected"]
    response = client.post(
        "/fhir/Observation/$classify-isncsci",
        data=xml_of(document),
        headers={"Content-Type": XML, "Accept": XML},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    bundle = parsed_xml(response)
    assert bundle["resourceType"] == "Bundle"
    assert answer_as_text(bundle) == expected


def test_cds_hooks_answer_json_whatever_the_accept(client: t.Any) -> None:
    """CDS Hooks 2.0 is JSON: the discovery document is JSON even to an XML Accept."""
    response = client.get("/cds-services", headers={"Accept": XML})
    assert response.status_code == 200
    assert response.content_type.startswith("application/json")
    assert "services" in response.get_json()
