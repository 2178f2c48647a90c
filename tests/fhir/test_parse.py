"""Reading a $localize-root request (service.fhir.read.request): the sample files end to end.

The builders at the top (:func:`observation`, :func:`bundle`...) are shared with the other
``test_parse_*`` modules:

- test_parse_forms: Bundle types, Parameters forms, statuses, skipped resources, references;
- test_parse_request: subjects, nothing to localize, effective times, identifier, content key;
- test_parse_values / test_parse_agreement: each value encoding; agreement and contradictions;
- test_parse_sides / test_parse_sites: laterality; body sites, reflex and movement targets;
- test_parse_structure: JSON, FHIR structure and size errors (400, 413).

Codes come from terminology/data (the real table); no test depends on how many rows it has.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from service.core.model import Finding, Kind, Polarity, Side, Skipped
from service.errors import InvalidRequest, MixedSubjects, NothingToLocalize
from service.fhir.read.request import ParsedRequest, parse_request
from terminology import INTERPRETATION, NEURO_EXAM, SNOMED, Table

SAMPLES = Path(__file__).parents[1] / "data" / "parse"

MEDIAL_MALLEOLUS = "6417001"  # L4 key point
DORSUM_OF_FOOT = "2402003"  # L5 key point
IMPAIRED_LIGHT_TOUCH = "299913001"
DECREASED_KNEE_REFLEX = "299872004"


# -- builders (shared) ---------------------------------------------------------------------------


def coding(code: str, system: str = SNOMED) -> dict[str, str]:
    return {"system": system, "code": code}


def concept(code: str, system: str = SNOMED) -> dict[str, t.Any]:
    return {"coding": [coding(code, system)]}


def site(code: str, **extra: t.Any) -> dict[str, t.Any]:
    """A bodySite CodeableConcept with one SNOMED coding."""
    return {"coding": [coding(code)], **extra}


def observation(
    code: str = IMPAIRED_LIGHT_TOUCH,
    system: str = SNOMED,
    *,
    id: str | None = "o1",
    status: str = "final",
    subject: str | None = "Patient/p1",
    **elements: t.Any,
) -> dict[str, t.Any]:
    """An Observation; ``bodySite`` defaults to the medial malleolus (None drops it)."""
    resource: dict[str, t.Any] = {
        "resourceType": "Observation",
        "status": status,
        "code": concept(code, system),
    }
    if id is not None:
        resource["id"] = id
    if subject is not None:
        resource["subject"] = {"reference": subject}
    elements.setdefault("bodySite", site(MEDIAL_MALLEOLUS))
    resource.update({k: v for k, v in elements.items() if v is not None})
    return resource


def exam(code: str, **elements: t.Any) -> dict[str, t.Any]:
    """An Observation coded with a service exam code (light-touch, reflex-achilles...)."""
    return observation(code, NEURO_EXAM, **elements)


def bundle(
    *resources: dict[str, t.Any], type: str = "collection", full_urls: t.Sequence[str | None] = ()
) -> dict[str, t.Any]:
    entries = []
    for i, resource in enumerate(resources):
        entry: dict[str, t.Any] = {"resource": resource}
        if i < len(full_urls) and full_urls[i]:
            entry["fullUrl"] = full_urls[i]
        entries.append(entry)
    return {"resourceType": "Bundle", "type": type, "entry": entries}


def interpretation(code: str) -> list[dict[str, t.Any]]:
    return [concept(code, INTERPRETATION)]


def parse(table: Table, *resources: dict[str, t.Any], **kw: t.Any) -> ParsedRequest:
    """Parse a collection Bundle of *resources*."""
    return parse_request(bundle(*resources), table, **kw)


def result(table: Table, resource: dict[str, t.Any]) -> tuple[Polarity, int | None]:
    """(polarity, grade) of the one finding *resource* gives."""
    finding = only(parse(table, resource))
    return finding.polarity, finding.grade


def only(parsed: ParsedRequest) -> Finding:
    assert len(parsed.findings) == 1, parsed.findings
    return parsed.findings[0]


def sample(name: str) -> dict[str, t.Any]:
    return json.loads((SAMPLES / name).read_text("utf-8"))


# -- sample files ------------------------------------------------------------------------------


class TestSampleFiles:
    def test_a_collection_bundle_gives_one_finding_per_neuro_observation_in_input_order(
        self, table: Table
    ) -> None:
        parsed = parse_request(sample("collection-left-l5.json"), table)
        assert [
            (f.ref, f.kind, f.target, f.modality, f.polarity, f.side, f.grade)
            for f in parsed.findings
        ] == [
            (
                "Observation/lt-dorsum-left",
                Kind.SENSORY,
                DORSUM_OF_FOOT,
                "light-touch",
                Polarity.DECREASED,
                Side.LEFT,
                None,
            ),
            (
                "Observation/lt-malleolus-left",
                Kind.SENSORY,
                MEDIAL_MALLEOLUS,
                "light-touch",
                Polarity.NORMAL,
                Side.LEFT,
                2,
            ),
            (
                "Observation/achilles-left",
                Kind.REFLEX,
                "reflex-achilles",
                "reflex-achilles",
                Polarity.NORMAL,
                Side.LEFT,
                2,
            ),
            (
                "Observation/dorsiflexion-left",
                Kind.MOTOR,
                "ankle-dorsiflexion",
                "ankle-dorsiflexion",
                Polarity.DECREASED,
                Side.LEFT,
                4,
            ),
        ]
        assert parsed.findings[3].side_from_text and not any(
            f.side_from_text for f in parsed.findings[:3]
        )

    def test_a_collection_bundle_reports_what_it_did_not_use_and_why(self, table: Table) -> None:
        parsed = parse_request(sample("collection-left-l5.json"), table)
        assert parsed.skipped == (
            Skipped("Patient/p1", "Patient resource is not an exam finding"),
            Skipped("Encounter/e1", "Encounter resource is not an exam finding"),
            Skipped(
                "Observation/heart-rate",
                "not a neurological exam finding this service reads (code http://loinc.org|8867-4)",
            ),
            Skipped("Observation/patellar-error", "recorded in error (status entered-in-error)"),
        )
        assert parsed.warnings == (
            "Observation/dorsiflexion-left: side (left) taken from the words of "
            "bodySite.text; no code gave it",
        )

    def test_a_collection_bundle_gives_subject_times_identifier_and_used_refs(
        self, table: Table
    ) -> None:
        parsed = parse_request(sample("collection-left-l5.json"), table)
        assert parsed.subject == {"reference": "Patient/p1"}
        assert (parsed.effective_start, parsed.effective_end) == (
            "2024-05-02T09:10:00+02:00",
            "2024-05-02T09:20:00+02:00",
        )
        assert parsed.identifier == (
            "urn:ietf:rfc:3986",
            "urn:uuid:6f1c2a9e-5d1b-4a57-9a43-1e0d3c8f2b10",
        )
        assert parsed.used == (
            "Observation/lt-dorsum-left",
            "Observation/lt-malleolus-left",
            "Observation/achilles-left",
            "Observation/dorsiflexion-left",
        )

    def test_a_parameters_bundle_parameter_is_read_like_a_bundle(self, table: Table) -> None:
        parsed = parse_request(sample("parameters-bundle.json"), table)
        first, second = parsed.findings
        assert (first.target, first.polarity, first.side) == (
            "reflex-patellar",
            Polarity.DECREASED,
            Side.RIGHT,
        )
        assert (second.target, second.polarity, second.grade, second.side) == (
            "knee-extension",
            Polarity.DECREASED,
            3,
            Side.RIGHT,
        )
        assert parsed.used == (
            "urn:uuid:a7d0f3c2-0f7e-4a39-8a9b-5a0d7b6b1c01",
            "Parameters.parameter[0].resource.entry[1]",
        )
        assert parsed.references["Parameters.parameter[0].resource.entry[1]"] == {
            "display": "Observation in Parameters.parameter[0].resource.entry[1]"
        }
        assert parsed.identifier is None
        assert parsed.subject == {"reference": "Patient/p2"}

    def test_repeated_observation_parameters_are_each_read(self, table: Table) -> None:
        parsed = parse_request(sample("parameters-observations.json"), table)
        assert [(f.ref, f.target, f.polarity, f.side) for f in parsed.findings] == [
            ("Observation/pp-dorsum-right", DORSUM_OF_FOOT, Polarity.ABSENT, Side.RIGHT),
            ("Observation/babinski-right", "plantar-response", Polarity.NORMAL, Side.RIGHT),
        ]
        assert parsed.skipped == ()

    def test_panel_components_each_give_a_finding_with_the_observation_ref(
        self, table: Table
    ) -> None:
        parsed = parse_request(sample("panel-components.json"), table)
        assert [
            (f.ref, f.target, f.modality, f.polarity, f.grade, f.side) for f in parsed.findings
        ] == [
            (
                "Observation/motor-panel-left",
                "knee-extension",
                "knee-extension",
                Polarity.NORMAL,
                5,
                Side.LEFT,
            ),
            (
                "Observation/motor-panel-left",
                "ankle-dorsiflexion",
                "ankle-dorsiflexion",
                Polarity.DECREASED,
                4,
                Side.LEFT,
            ),
            (
                "Observation/motor-panel-left",
                "great-toe-extension",
                "great-toe-extension",
                Polarity.DECREASED,
                3,
                Side.LEFT,
            ),
            (
                "Observation/motor-panel-left",
                "ankle-plantarflexion",
                "ankle-plantarflexion",
                Polarity.NORMAL,
                5,
                Side.LEFT,
            ),
            (
                "Observation/sensory-panel-dorsum",
                DORSUM_OF_FOOT,
                "light-touch",
                Polarity.DECREASED,
                1,
                Side.LEFT,
            ),
            (
                "Observation/sensory-panel-dorsum",
                DORSUM_OF_FOOT,
                "pin-prick",
                Polarity.ABSENT,
                0,
                Side.LEFT,
            ),
        ]
        assert parsed.used == ("Observation/motor-panel-left", "Observation/sensory-panel-dorsum")
        assert parsed.skipped == ()  # the BodyStructure both point to is used, not skipped
        assert parsed.warnings == (
            "Observation/motor-panel-left: component[4] not used: not examined "
            "(dataAbsentReason not-performed)",
        )

    def test_a_bundle_without_neuro_findings_is_nothing_to_localize(self, table: Table) -> None:
        with pytest.raises(NothingToLocalize) as caught:
            parse_request(sample("not-neuro.json"), table)
        assert (
            caught.value.message
            == "none of the 3 Observations is a neurological exam finding this service reads"
        )
        assert caught.value.expression == ("Bundle.entry",)

    def test_observations_about_two_patients_are_mixed_subjects(self, table: Table) -> None:
        with pytest.raises(MixedSubjects) as caught:
            parse_request(sample("mixed-subjects.json"), table)
        assert caught.value.expression == ("Bundle.entry[2].resource.subject",)
        assert caught.value.issues[0].code == "business-rule"
        assert "Patient/" not in caught.value.message  # no identifiers in diagnostics

    def test_every_structure_problem_of_a_bad_bundle_is_reported_at_once(
        self, table: Table
    ) -> None:
        with pytest.raises(InvalidRequest) as caught:
            parse_request(sample("invalid-structure.json"), table)
        assert sorted((i.expression[0], i.code) for i in caught.value.issues) == [
            ("Bundle.entry[0].resource.effectiveDateTime", "value"),
            ("Bundle.entry[0].resource.status", "code-invalid"),
            ("Bundle.entry[1].resource.performerName", "structure"),
            ("Bundle.entry[2].resource.status", "required"),
            ("Bundle.entry[3].resource.valueInteger", "value"),
            ("Bundle.timestamp", "value"),
            ("Bundle.type", "code-invalid"),
        ]


# -- sides and body structures (shared by test_parse_sides and test_parse_sites) ------------

LEFT, RIGHT, BILATERAL = "7771000", "24028007", "51440002"
MCODE_LATERALITY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
BODY_SITE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/bodySite"
LEFT_INGUINAL = "85119005"  # pre-coordinated left site in the table
KNEE_REGION = "72696002"  # identifies the patellar reflex
ANKLE_REGION = "344001"  # identifies the Achilles reflex


def laterality(code: str, url: str = MCODE_LATERALITY) -> dict[str, t.Any]:
    return {"url": url, "valueCodeableConcept": concept(code)}


def points_to(reference: str) -> dict[str, t.Any]:
    return {"url": BODY_SITE_EXTENSION, "valueReference": {"reference": reference}}


def body_structure(
    id: str = "bs1", side: str | None = LEFT, location: str | None = None
) -> dict[str, t.Any]:
    resource: dict[str, t.Any] = {
        "resourceType": "BodyStructure",
        "id": id,
        "patient": {"reference": "Patient/p1"},
    }
    if side:
        resource["locationQualifier"] = [concept(side)]
    if location:
        resource["location"] = concept(location)
    return resource


#: Short names for the results in the value tables of the parse tests.
A, D, N, H, X = (
    Polarity.ABSENT,
    Polarity.DECREASED,
    Polarity.NORMAL,
    Polarity.INCREASED,
    Polarity.ABNORMAL,
)  # absent, decreased, normal, high (increased), abnormal
