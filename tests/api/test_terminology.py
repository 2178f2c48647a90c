"""The terminology endpoints over HTTP: reads, searches and ``ConceptMap/$translate``.

Every body the service answers with, success or error, is checked with ``assert_valid_r4``.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

BASE = "http://neuroroot.org/fhir"
SCT = "http://snomed.info/sct"
EXAM = f"{BASE}/CodeSystem/neuro-exam"
TRANSLATE = "/fhir/ConceptMap/$translate"
RESOURCES = [
    ("CodeSystem", "spinal-segment"),
    ("CodeSystem", "neuro-exam"),
    ("CodeSystem", "neuro-pattern"),
    ("CodeSystem", "isncsci"),
    ("ConceptMap", "site-to-segment"),
    ("ConceptMap", "reflex-to-segment"),
    ("ConceptMap", "movement-to-segment"),
]


def _ok(response: t.Any, resource_type: str) -> dict[str, t.Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    body = response.get_json()
    assert body["resourceType"] == resource_type
    assert_valid_r4(body)
    return body


def _outcome(response: t.Any, status: int, expression: str | None = None) -> dict[str, t.Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    assert_valid_r4(body)
    issue = body["issue"][0]
    assert issue["severity"] == "error" and issue["code"] and issue["diagnostics"]
    if expression is not None:
        assert expression in [e for i in body["issue"] for e in i.get("expression", [])], body
    return body


def _matches(parameters: dict[str, t.Any]) -> list[tuple[str | None, str]]:
    """(segment code or None, equivalence) per match, in order."""
    out = []
    for param in parameters["parameter"]:
        if param["name"] == "match":
            parts = {p["name"]: p for p in param["part"]}
            code = parts["concept"]["valueCoding"]["code"] if "concept" in parts else None
            out.append((code, parts["equivalence"]["valueCode"]))
    return out


def _result(parameters: dict[str, t.Any]) -> bool:
    return next(p["valueBoolean"] for p in parameters["parameter"] if p["name"] == "result")


def _post(client: t.Any, *parameters: dict[str, t.Any], **kwargs: t.Any) -> t.Any:
    body = {"resourceType": "Parameters", "parameter": list(parameters)}
    return client.post(
        kwargs.pop("path", TRANSLATE),
        data=json.dumps(body),
        headers=kwargs.pop("headers", FHIR_HEADERS),
    )


class TestRead:
    @pytest.mark.parametrize(("kind", "rid"), RESOURCES, ids=[r for _, r in RESOURCES])
    def test_each_resource_is_served_with_its_fixed_id(
        self, client: t.Any, kind: str, rid: str
    ) -> None:
        body = _ok(client.get(f"/fhir/{kind}/{rid}"), kind)
        assert body["id"] == rid
        assert body["url"] == f"{BASE}/{kind}/{rid}"

    def test_segment_code_system_lists_every_segment_in_order(self, client: t.Any) -> None:
        body = _ok(client.get("/fhir/CodeSystem/spinal-segment"), "CodeSystem")
        codes = [c["code"] for c in body["concept"]]
        assert codes == [
            "C1",
            *(f"C{n}" for n in range(2, 9)),
            *(f"T{n}" for n in range(1, 13)),
            *(f"L{n}" for n in range(1, 6)),
            "S1",
            "S2",
            "S3",
            "S4-5",
            "INT",
        ]

    def test_no_map_targets_the_classification_only_segments(self, client: t.Any) -> None:
        """C1 and INT exist for ISNCSCI results only: no site, reflex or movement maps to them."""
        for rid in ("site-to-segment", "reflex-to-segment", "movement-to-segment"):
            body = _ok(client.get(f"/fhir/ConceptMap/{rid}"), "ConceptMap")
            targets = {
                target.get("code")
                for group in body["group"]
                for element in group["element"]
                for target in element["target"]
            }
            assert targets and not targets & {"C1", "INT"}

    def test_isncsci_code_system_is_served(self, client: t.Any) -> None:
        body = _ok(client.get("/fhir/CodeSystem/isncsci"), "CodeSystem")
        codes = {c["code"] for c in body["concept"]}
        assert body["url"] == "http://neuroroot.org/fhir/CodeSystem/isncsci"
        assert {
            "classification",
            "asia-impairment-scale",
            "possible-value",
            "A",
            "E",
            "complete",
            "incomplete",
            "NA",
            "pin-prick",
            "light-touch-left",
        } <= codes
        exam = _ok(client.get("/fhir/CodeSystem/neuro-exam"), "CodeSystem")
        assert {
            "voluntary-anal-contraction",
            "deep-anal-pressure",
            "lowest-non-key-muscle-with-motor-function",
        } <= {c["code"] for c in exam["concept"]}

    @pytest.mark.parametrize(
        "path",
        ["/fhir/CodeSystem/nope", "/fhir/ConceptMap/nope", "/fhir/CodeSystem/site-to-segment"],
    )
    def test_unknown_id_is_a_404_outcome(self, client: t.Any, path: str) -> None:
        body = _outcome(client.get(path), 404)
        assert body["issue"][0]["code"] == "not-found"

    def test_unknown_query_parameter_on_a_read_is_a_400(self, client: t.Any) -> None:
        _outcome(client.get("/fhir/CodeSystem/neuro-exam?colour=red"), 400, "http.colour")
        _outcome(client.get("/fhir/CodeSystem/neuro-exam?_summary=yes"), 400, "http._summary")

    def test_summary_and_elements_cut_a_read_down_with_the_subsetted_tag(
        self, client: t.Any
    ) -> None:
        whole = client.get("/fhir/CodeSystem/neuro-exam").get_json()
        for query in ("_summary=true", "_elements=name"):
            cut = client.get(f"/fhir/CodeSystem/neuro-exam?{query}").get_json()
            assert "concept" in whole and "concept" not in cut
            assert cut["meta"]["tag"][-1]["code"] == "SUBSETTED"
            assert cut["status"] == whole["status"]  # mandatory elements stay

    def test_pretty_and_format_are_honoured(self, client: t.Any) -> None:
        response = client.get("/fhir/CodeSystem/neuro-pattern?_format=json&_pretty=true")
        _ok(response, "CodeSystem")
        assert b'\n  "resourceType"' in response.data

    @pytest.mark.parametrize("method", ["put", "delete", "post"])
    def test_writes_are_405_with_allow(self, client: t.Any, method: str) -> None:
        response = getattr(client, method)("/fhir/CodeSystem/spinal-segment", json={})
        _outcome(response, 405)
        assert response.headers["Allow"] == "GET, HEAD"


class TestSearch:
    @pytest.mark.parametrize("kind", ["CodeSystem", "ConceptMap"])
    def test_search_lists_all_of_them_as_a_searchset(self, client: t.Any, kind: str) -> None:
        body = _ok(client.get(f"/fhir/{kind}"), "Bundle")
        assert body["type"] == "searchset"
        assert body["total"] == {"CodeSystem": 4, "ConceptMap": 3}[kind]
        assert body["link"] == [{"relation": "self", "url": f"http://localhost/fhir/{kind}"}]
        ids = [r for k, r in RESOURCES if k == kind]
        assert [e["resource"]["id"] for e in body["entry"]] == ids
        assert [e["fullUrl"] for e in body["entry"]] == [
            f"http://localhost/fhir/{kind}/{i}" for i in ids
        ]
        assert {e["search"]["mode"] for e in body["entry"]} == {"match"}

    def test_search_by_id_and_by_url(self, client: t.Any) -> None:
        body = _ok(client.get("/fhir/ConceptMap?_id=reflex-to-segment,nope"), "Bundle")
        assert [e["resource"]["id"] for e in body["entry"]] == ["reflex-to-segment"]
        body = _ok(client.get(f"/fhir/CodeSystem?url={BASE}/CodeSystem/neuro-exam"), "Bundle")
        assert body["total"] == 1 and body["entry"][0]["resource"]["id"] == "neuro-exam"
        body = _ok(client.get("/fhir/CodeSystem?url=http://example.org/cs"), "Bundle")
        assert body["total"] == 0 and "entry" not in body

    @pytest.mark.parametrize("kind", ["CodeSystem", "ConceptMap"])
    def test_a_url_that_starts_with_white_space_is_searched_not_refused(
        self, client: t.Any, kind: str
    ) -> None:
        """openapi.yaml's NonBlank ("\\S" somewhere) allows it; only a blank value is 400."""
        body = _ok(client.get(f"/fhir/{kind}?url=%0Cx"), "Bundle")
        assert body["total"] == 0
        _outcome(client.get(f"/fhir/{kind}?url=%20%0C"), 400, "http.url")

    def test_unknown_search_parameter_is_a_400_naming_it(self, client: t.Any) -> None:
        _outcome(client.get("/fhir/ConceptMap?name=x"), 400, "http.name")


class TestTranslate:
    def test_translate_is_not_swallowed_by_the_read_route(self, app: t.Any, client: t.Any) -> None:
        adapter = app.url_map.bind("localhost")
        assert adapter.match(TRANSLATE, method="GET")[0] == "terminology.translate"
        assert adapter.match(TRANSLATE, method="POST")[0] == "terminology.translate"
        body = _outcome(client.get(TRANSLATE), 400, "http.code")
        assert "with id" not in body["issue"][0]["diagnostics"]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            (f"system={SCT}&code=6417001", [("L4", "wider")]),
            (f"coding={SCT}|6417001", [("L4", "wider")]),
            (f"system={SCT}&code=2402003", [("L5", "wider"), ("L4", "inexact")]),
            (f"coding={SCT}|78883009", [("L5", "inexact"), ("L4", "inexact")]),
            (
                f"system={EXAM}&code=reflex-patellar",
                [("L4", "wider"), ("L3", "inexact"), ("L2", "inexact")],
            ),
            (f"coding={EXAM}|great-toe-extension", [("L5", "wider")]),
            (f"system={SCT}&code=6417001&url={BASE}/ConceptMap/site-to-segment", [("L4", "wider")]),
        ],
        ids=[
            "medial-malleolus",
            "medial-malleolus-coding",
            "dorsum-of-foot",
            "great-toe",
            "patellar-reflex",
            "great-toe-extension",
            "with-url",
        ],
    )
    def test_get_maps_codes_to_segments(
        self, client: t.Any, query: str, expected: list[tuple[str, str]]
    ) -> None:
        body = _ok(client.get(f"{TRANSLATE}?{query}"), "Parameters")
        assert _result(body) is True
        assert _matches(body) == expected

    @pytest.mark.parametrize(
        ("parameters", "expected"),
        [
            (
                [{"name": "system", "valueUri": SCT}, {"name": "code", "valueCode": "6417001"}],
                [("L4", "wider")],
            ),
            (
                [{"name": "coding", "valueCoding": {"system": SCT, "code": "2402003"}}],
                [("L5", "wider"), ("L4", "inexact")],
            ),
            (
                [{"name": "coding", "valueCoding": {"system": SCT, "code": "78883009"}}],
                [("L5", "inexact"), ("L4", "inexact")],
            ),
            (
                [
                    {"name": "system", "valueUri": EXAM},
                    {"name": "code", "valueCode": "reflex-patellar"},
                    {"name": "url", "valueUri": f"{BASE}/ConceptMap/reflex-to-segment"},
                ],
                [("L4", "wider"), ("L3", "inexact"), ("L2", "inexact")],
            ),
            (
                [
                    {
                        "name": "coding",
                        "valueCoding": {"system": EXAM, "code": "great-toe-extension"},
                    }
                ],
                [("L5", "wider")],
            ),
        ],
        ids=[
            "medial-malleolus",
            "dorsum-of-foot",
            "great-toe",
            "patellar-reflex",
            "great-toe-extension",
        ],
    )
    def test_post_maps_codes_to_segments(
        self, client: t.Any, parameters: list[dict[str, t.Any]], expected: list[tuple[str, str]]
    ) -> None:
        body = _ok(_post(client, *parameters), "Parameters")
        assert _result(body) is True
        assert _matches(body) == expected
        sources = {
            p["valueUri"]
            for m in body["parameter"]
            if m["name"] == "match"
            for p in m["part"]
            if p["name"] == "source"
        }
        assert len(sources) == 1 and sources <= {f"{BASE}/ConceptMap/{rid}" for _, rid in RESOURCES}

    @pytest.mark.parametrize(
        "query",
        [
            f"system={SCT}&code=22298006",
            f"coding={SCT}|299872004",
            "system=http://loinc.org&code=8310-5",
            f"system={SCT}&code=6417001&targetsystem=http://loinc.org",
        ],
        ids=["unknown-site", "finding-code", "other-system", "other-target"],
    )
    def test_unknown_code_is_200_with_result_false(self, client: t.Any, query: str) -> None:
        body = _ok(client.get(f"{TRANSLATE}?{query}"), "Parameters")
        assert _result(body) is False
        assert _matches(body) == []
        assert next(p["valueString"] for p in body["parameter"] if p["name"] == "message")

    def test_umn_sign_is_200_result_false_with_an_unmatched_match(self, client: t.Any) -> None:
        body = _ok(client.get(f"{TRANSLATE}?coding={EXAM}|hoffmann"), "Parameters")
        assert _result(body) is False
        assert _matches(body) == [(None, "unmatched")]

    def test_code_in_another_map_than_url_is_result_false(self, client: t.Any) -> None:
        url = f"{BASE}/ConceptMap/movement-to-segment"
        body = _ok(client.get(f"{TRANSLATE}?system={SCT}&code=6417001&url={url}"), "Parameters")
        assert _result(body) is False

    def test_unknown_map_url_is_404_naming_url(self, client: t.Any) -> None:
        _outcome(
            client.get(f"{TRANSLATE}?system={SCT}&code=6417001&url=http://example.org/cm"),
            404,
            "http.url",
        )
        _outcome(
            _post(
                client,
                {"name": "coding", "valueCoding": {"system": SCT, "code": "1"}},
                {"name": "url", "valueUri": "http://example.org/cm"},
            ),
            404,
            "Parameters.parameter[1]",
        )

    @pytest.mark.parametrize(
        ("query", "expression"),
        [
            ("", "http.code"),
            (f"system={SCT}", "http.code"),
            ("code=6417001", "http.system"),
            (f"system={SCT}&code=6417001&coding={SCT}|6417001", "http.coding"),
            ("coding=6417001", "http.coding"),
            (f"coding={SCT}|", "http.coding"),
            (f"system={SCT}&code=", "http.code"),
            (f"system={SCT}&code=6417001&reverse=true", "http.reverse"),
            (f"system={SCT}&code=6417001&code=2402003", "http.code"),
        ],
        ids=[
            "nothing",
            "system-only",
            "code-only",
            "code-and-coding",
            "coding-without-bar",
            "coding-without-code",
            "empty-code",
            "unknown-parameter",
            "repeated",
        ],
    )
    def test_bad_get_is_400_naming_the_parameter(
        self, client: t.Any, query: str, expression: str
    ) -> None:
        _outcome(client.get(f"{TRANSLATE}?{query}"), 400, expression)

    @pytest.mark.parametrize(
        ("data", "headers", "status", "expression"),
        [
            ("{not json", FHIR_HEADERS, 400, "Parameters"),
            ("", FHIR_HEADERS, 400, "Parameters"),
            ('["Parameters"]', FHIR_HEADERS, 400, "Parameters"),
            ('{"resourceType": "Patient", "id": "p1"}', FHIR_HEADERS, 400, "Patient"),
            (
                '{"resourceType": "Parameters", '
                '"parameter": [{"name": "code", "valueString": "x"}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter[0].valueString",
            ),
            (
                '{"resourceType": "Parameters", "parameter": [{"name": "code", "valueCode": "x"}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter",
            ),
            (
                '{"resourceType": "Parameters", "parameter": [{"name": "coding", "valueCoding": '
                '{"code": "x"}}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter[0]",
            ),
            (
                '{"resourceType": "Parameters", '
                '"parameter": [{"name": "reverse", "valueBoolean": true}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter[0].name",
            ),
            (
                '{"resourceType": "Parameters", "parameter": [{"name": "code", "valueCode": 5}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter[0].valueCode",
            ),
            ('{"resourceType": "Parameters"}', {}, 415, "http.Content-Type"),
            (
                '{"resourceType": "Parameters"}',
                {"Content-Type": "text/plain"},
                415,
                "http.Content-Type",
            ),
            (
                '{"resourceType": "Parameters", "parameter": [{"name": "code", "resource": '
                '{"resourceType": ""}}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter[0].resource.resourceType",
            ),
            (
                '{"resourceType": "Parameters", '
                '"parameter": [{"name": "code", "part": [{"name": "x", '
                '"resource": {"resourceType": "Element"}}]}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter[0].part[0].resource.resourceType",
            ),
            (
                '{"resourceType": "Parameters", "parameter": [{"name": "coding", "valueCoding": '
                '{"system": "http://snomed.info/sct", "code": "6417001", "display": null}}]}',
                FHIR_HEADERS,
                400,
                "Parameters.parameter[0].valueCoding.display",
            ),
            (
                '{"resourceType": "Parameters", "id": null, "parameter": []}',
                FHIR_HEADERS,
                400,
                "Parameters.id",
            ),
        ],
        ids=[
            "not-json",
            "empty",
            "array",
            "patient",
            "wrong-value-type",
            "code-without-system",
            "coding-without-system",
            "unsupported-parameter",
            "code-not-a-string",
            "no-content-type",
            "text-plain",
            "resource-of-no-type",
            "part-resource-not-a-resource",
            "null-display",
            "null-id",
        ],
    )
    def test_bad_post_is_an_outcome_naming_the_element(
        self, client: t.Any, data: str, headers: dict[str, str], status: int, expression: str
    ) -> None:
        _outcome(client.post(TRANSLATE, data=data, headers=headers), status, expression)

    def test_post_merges_url_parameters_and_refuses_a_clash(self, client: t.Any) -> None:
        path = f"{TRANSLATE}?system={SCT}"
        body = _ok(_post(client, {"name": "code", "valueCode": "6417001"}, path=path), "Parameters")
        assert _matches(body) == [("L4", "wider")]
        _outcome(
            _post(
                client,
                {"name": "system", "valueUri": SCT},
                {"name": "code", "valueCode": "6417001"},
                path=path,
            ),
            400,
            "Parameters.parameter[0]",
        )

    def test_wrong_method_on_translate_is_405_with_allow(self, client: t.Any) -> None:
        response = client.delete(TRANSLATE)
        _outcome(response, 405)
        assert response.headers["Allow"] == "GET, HEAD, POST"
