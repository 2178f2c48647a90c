"""The terminology as FHIR resources and ``$translate``, tested without Flask.

Every resource is checked with :func:`tests.validation.assert_valid_r4`; the equivalence rule
(see :mod:`service.fhir.conformance.terminology`) is pinned row by row against the table.
"""

from __future__ import annotations

import pytest

from service.errors import InvalidRequest, NotFound
from service.fhir.conformance import terminology as ft
from service.fhir.read.translate_request import read_translate_parameters
from terminology import NEURO_EXAM, SEGMENTS, SNOMED, SPINAL_SEGMENT, Table
from tests.validation import assert_valid_r4

BASE = "http://neuroroot.org/fhir"


def _params(resource: dict) -> dict:
    """Parameters -> {name: value or [parts]} (match repeated, so a list)."""
    out: dict = {"match": []}
    for p in resource["parameter"]:
        if p["name"] == "match":
            out["match"].append(
                {q["name"]: next(v for k, v in q.items() if k != "name") for q in p["part"]}
            )
        else:
            out[p["name"]] = next(v for k, v in p.items() if k != "name")
    return out


def _element(table: Table, map_id: str, code: str) -> dict:
    resource = ft.concept_map(table, map_id)
    return next(e for g in resource["group"] for e in g["element"] if e["code"] == code)


class TestResources:
    @pytest.mark.parametrize("rid", ft.CODE_SYSTEM_IDS)
    def test_code_system_is_valid_r4_with_its_fixed_id(self, table: Table, rid: str) -> None:
        resource = ft.code_system(table, rid)
        assert_valid_r4(resource)
        assert resource["id"] == rid
        assert resource["url"] == f"{BASE}/CodeSystem/{rid}"
        assert resource["version"] == table.version
        assert resource["status"] == "active" and resource["content"] == "complete"
        assert resource["count"] == len(resource["concept"])

    @pytest.mark.parametrize("rid", ft.CONCEPT_MAP_IDS)
    def test_concept_map_is_valid_r4_with_its_fixed_id(self, table: Table, rid: str) -> None:
        resource = ft.concept_map(table, rid)
        assert_valid_r4(resource)
        assert resource["id"] == rid
        assert resource["url"] == f"{BASE}/ConceptMap/{rid}"
        assert resource["targetUri"] == f"{BASE}/ValueSet/spinal-segment"
        assert all(g["target"] == SPINAL_SEGMENT for g in resource["group"])

    @pytest.mark.parametrize("rid", ft.CODE_SYSTEM_IDS + ft.CONCEPT_MAP_IDS)
    def test_every_resource_has_narrative_publisher_date_and_cites_sources(
        self, table: Table, rid: str
    ) -> None:
        getter = ft.code_system if rid in ft.CODE_SYSTEM_IDS else ft.concept_map
        resource = getter(table, rid)
        assert resource["text"]["status"] == "generated"
        assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
        assert resource["publisher"] == "neuroroot"
        assert "terminology/data/sources.csv" in resource["description"]
        assert resource["date"][:4].isdigit()

    def test_resources_are_memoised_per_table(self, table: Table) -> None:
        assert ft.concept_map(table, "site-to-segment") is ft.concept_map(table, "site-to-segment")
        assert ft.code_systems(table)[0] is ft.code_system(table, "spinal-segment")

    @pytest.mark.parametrize("getter", [ft.code_system, ft.concept_map])
    def test_unknown_id_raises_not_found(self, table: Table, getter) -> None:  # noqa: ANN001
        with pytest.raises(NotFound, match="no .* with id 'nope'"):
            getter(table, "nope")


class TestCodeSystems:
    def test_segment_code_system_has_every_segment_in_order(self, table: Table) -> None:
        concepts = ft.code_system(table, "spinal-segment")["concept"]
        # DESIGN.md section 4: C2-C8 (7), T1-T12 (12), L1-L5 (5), S1, S2, S3, S4-5 (4) = 28 codes.
        expected = [
            *(f"C{n}" for n in range(2, 9)),
            *(f"T{n}" for n in range(1, 13)),
            *(f"L{n}" for n in range(1, 6)),
            "S1",
            "S2",
            "S3",
            "S4-5",
        ]
        # DESIGN.md section 9: C1 and INT (ISNCSCI classification values) around the 28.
        assert [c["code"] for c in concepts] == ["C1", *expected, "INT"]
        assert expected == list(SEGMENTS)  # the table's segments stay the 28
        assert len(concepts) == 30
        assert all(c["definition"] for c in concepts)

    @pytest.mark.parametrize(
        ("code", "display"),
        [
            ("C2", "Second cervical segment (C2)"),
            ("T12", "Twelfth thoracic segment (T12)"),
            ("L5", "Fifth lumbar segment (L5)"),
            ("S4-5", "Fourth and fifth sacral segments (S4-5)"),
        ],
    )
    def test_segment_displays(self, table: Table, code: str, display: str) -> None:
        concepts = {c["code"]: c for c in ft.code_system(table, "spinal-segment")["concept"]}
        assert concepts[code]["display"] == display

    def test_exam_code_system_holds_modalities_reflexes_and_movements(self, table: Table) -> None:
        concepts = {c["code"]: c for c in ft.code_system(table, "neuro-exam")["concept"]}
        expected = {"light-touch", "pin-prick", "vibration", *table.reflexes, *table.movements}
        assert expected <= set(concepts)
        kinds = {c: concepts[c]["property"][0]["valueCode"] for c in concepts}
        assert kinds["pin-prick"] == "sensory"
        assert kinds["reflex-patellar"] == "reflex"
        assert kinds["hoffmann"] == "umn"
        assert kinds["great-toe-extension"] == "motor"

    def test_pattern_code_system_matches_the_table(self, table: Table) -> None:
        concepts = {c["code"]: c for c in ft.code_system(table, "neuro-pattern")["concept"]}
        assert list(concepts) == list(table.patterns)
        snomed = concepts["polyneuropathy"]["property"][0]["valueCoding"]
        assert snomed == {"system": SNOMED, "code": "42345000", "display": "Polyneuropathy"}
        assert "property" not in concepts["radiculopathy"]  # no single SNOMED code (by region)


class TestConceptMaps:
    def test_site_map_has_one_element_per_site_and_one_target_per_segment(
        self, table: Table
    ) -> None:
        resource = ft.concept_map(table, "site-to-segment")
        elements = [e for g in resource["group"] for e in g["element"]]
        assert len(elements) == len(table.sites)
        for element in elements:
            site = table.sites[(SNOMED, element["code"])]
            assert [t["code"] for t in element["target"]] == [w.segment for w in site.segments]

    @pytest.mark.parametrize("rid", ft.CONCEPT_MAP_IDS)
    def test_only_a_sole_core_segment_is_wider_and_inexact_targets_explain(
        self, table: Table, rid: str
    ) -> None:
        for group in ft.concept_map(table, rid)["group"]:
            for element in group["element"]:
                core = [t for t in element["target"] if t.get("comment", "").startswith("core")]
                for target in element["target"]:
                    assert target["comment"]  # cmd-1, and the weight for every target
                    if target["equivalence"] == "wider":
                        assert core == [target]
                    elif target["equivalence"] == "inexact":
                        assert "weight" in target["comment"] and "source:" in target["comment"]

    def test_medial_malleolus_is_inside_l4(self, table: Table) -> None:
        [target] = _element(table, "site-to-segment", "6417001")["target"]
        assert (target["code"], target["equivalence"]) == ("L4", "wider")
        assert "core zone, weight 1.0" in target["comment"]
        assert "ISNCSCI key point" in target["comment"]

    def test_great_toe_is_disputed_between_l4_and_l5(self, table: Table) -> None:
        targets = _element(table, "site-to-segment", "78883009")["target"]
        assert {t["code"] for t in targets} == {"L4", "L5"}
        assert {t["equivalence"] for t in targets} == {"inexact"}
        assert all("variable zone" in t["comment"] and "disagree" in t["comment"] for t in targets)

    def test_umn_signs_are_explicitly_unmatched(self, table: Table) -> None:
        umn = [r.id for r in table.reflexes.values() if r.kind == "umn"]
        assert "hoffmann" in umn
        for code in umn:
            [target] = _element(table, "reflex-to-segment", code)["target"]
            assert target["equivalence"] == "unmatched" and "code" not in target
            assert "upper-motor-neuron" in target["comment"]

    def test_movement_map_covers_every_movement(self, table: Table) -> None:
        elements = ft.concept_map(table, "movement-to-segment")["group"][0]["element"]
        assert [e["code"] for e in elements] == list(table.movements)


class TestTranslate:
    @pytest.mark.parametrize(
        ("system", "code", "segments", "equivalences"),
        [
            (SNOMED, "6417001", ["L4"], {"wider"}),
            (SNOMED, "78883009", ["L5", "L4"], {"inexact"}),
            (NEURO_EXAM, "great-toe-extension", ["L5"], {"wider"}),
        ],
        ids=["medial-malleolus", "great-toe", "great-toe-extension"],
    )
    def test_known_codes_map_to_their_segments(
        self, table: Table, system: str, code: str, segments: list[str], equivalences: set[str]
    ) -> None:
        answer = ft.translate(table, system, code)
        assert_valid_r4(answer)
        params = _params(answer)
        assert params["result"] is True
        assert [m["concept"]["code"] for m in params["match"]] == segments
        assert {m["equivalence"] for m in params["match"]} == equivalences
        assert all(m["concept"]["system"] == SPINAL_SEGMENT for m in params["match"])

    def test_patellar_reflex_localizes_l4(self, table: Table) -> None:
        params = _params(ft.translate(table, NEURO_EXAM, "reflex-patellar"))
        assert params["match"][0]["concept"]["code"] == "L4"
        assert params["match"][0]["equivalence"] == "wider"
        assert params["match"][0]["source"] == f"{BASE}/ConceptMap/reflex-to-segment"

    def test_umn_sign_has_result_false_and_an_unmatched_match(self, table: Table) -> None:
        answer = ft.translate(table, NEURO_EXAM, "hoffmann")
        assert_valid_r4(answer)
        params = _params(answer)
        assert params["result"] is False
        assert params["match"] == [
            {"equivalence": "unmatched", "source": f"{BASE}/ConceptMap/reflex-to-segment"}
        ]

    @pytest.mark.parametrize(
        ("system", "code", "message"),
        [
            (SNOMED, "22298006", "not in the terminology table"),
            (SNOMED, "299872004", "is a finding code"),
            ("http://loinc.org", "1234-5", "no ConceptMap here maps from"),
        ],
        ids=["unknown-snomed", "finding-code", "other-system"],
    )
    def test_unknown_code_is_result_false_with_a_reason(
        self, table: Table, system: str, code: str, message: str
    ) -> None:
        answer = ft.translate(table, system, code)
        assert_valid_r4(answer)
        params = _params(answer)
        assert params["result"] is False and params["match"] == []
        assert message in params["message"]

    def test_url_restricts_to_one_map(self, table: Table) -> None:
        url = f"{BASE}/ConceptMap/reflex-to-segment"
        params = _params(ft.translate(table, SNOMED, "6417001", url))
        assert params["result"] is False
        assert "it is in site-to-segment" in params["message"]
        versioned = f"{BASE}/ConceptMap/site-to-segment|{table.version}"
        assert _params(ft.translate(table, SNOMED, "6417001", versioned))["result"] is True

    @pytest.mark.parametrize(
        "url", ["http://example.org/ConceptMap/x", f"{BASE}/ConceptMap/site-to-segment|0.0.1"]
    )
    def test_unknown_map_url_is_not_found_naming_url(self, table: Table, url: str) -> None:
        with pytest.raises(NotFound) as caught:
            ft.translate(table, SNOMED, "6417001", url, where={"url": "http.url"})
        assert caught.value.expression == ("http.url",)

    def test_other_target_system_maps_nowhere(self, table: Table) -> None:
        params = _params(ft.translate(table, SNOMED, "6417001", target_system="http://loinc.org"))
        assert params["result"] is False


class TestReadParameters:
    def test_reads_every_parameter_with_its_expression(self) -> None:
        coding = {"system": SNOMED, "code": "6417001"}
        body = {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "coding", "valueCoding": coding},
                {"name": "url", "valueUri": f"{BASE}/ConceptMap/site-to-segment"},
            ],
        }
        assert read_translate_parameters(body) == {
            "coding": (coding, "Parameters.parameter[0]"),
            "url": (f"{BASE}/ConceptMap/site-to-segment", "Parameters.parameter[1]"),
        }

    @pytest.mark.parametrize(
        ("body", "expression"),
        [
            ([1, 2], "Parameters"),
            ({"resourceType": "Patient"}, "Patient"),
            ({"parameter": []}, "resourceType"),
            ({"resourceType": "Parameters", "parameter": "code"}, "Parameters.parameter"),
            (
                {"resourceType": "Parameters", "parameter": [{"valueCode": "x"}]},
                "Parameters.parameter[0].name",
            ),
            (
                {
                    "resourceType": "Parameters",
                    "parameter": [{"name": "reverse", "valueBoolean": True}],
                },
                "Parameters.parameter[0].name",
            ),
            (
                {"resourceType": "Parameters", "parameter": [{"name": "code", "valueString": "x"}]},
                "Parameters.parameter[0].valueString",
            ),
            (
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {"name": "code", "valueCode": "a"},
                        {"name": "code", "valueCode": "b"},
                    ],
                },
                "Parameters.parameter[1]",
            ),
        ],
        ids=[
            "not-an-object",
            "patient",
            "no-resource-type",
            "parameter-not-a-list",
            "nameless",
            "unsupported-parameter",
            "wrong-value-type",
            "repeated",
        ],
    )
    def test_malformed_bodies_name_the_element(self, body: object, expression: str) -> None:
        with pytest.raises(InvalidRequest) as caught:
            read_translate_parameters(body)
        assert caught.value.issues[0].expression == (expression,)
