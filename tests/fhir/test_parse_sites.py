"""Where a finding was made: body sites, reflex and movement targets, components (DESIGN §3)."""

from __future__ import annotations

import typing as t

import pytest

from service.core.model import Polarity, Side, Skipped
from service.fhir.read.sites import parse_expression
from terminology import NEURO_EXAM, Table

from .test_parse import (
    ANKLE_REGION,
    DORSUM_OF_FOOT,
    KNEE_REGION,
    LEFT,
    MEDIAL_MALLEOLUS,
    RIGHT,
    coding,
    concept,
    exam,
    observation,
    only,
    parse,
    site,
)

# -- sensory sites -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body_site", "reason"),
    [
        (None, "sensory finding without a coded body site, so no dermatome can be named"),
        (
            {"text": "foot"},
            "sensory finding without a coded body site, so no dermatome can be named",
        ),
        (site("80891009"), "body site 80891009 is not in the terminology table"),
        (site("80891009:272741003=7771000"), "body site 80891009 is not in the terminology table"),
    ],
    ids=[
        "no-body-site",
        "text-only-body-site",
        "site-not-in-table",
        "post-coordinated-site-not-in-table",
    ],
)
def test_a_sensory_finding_without_a_known_site_is_skipped(
    table: Table, body_site: dict[str, t.Any] | None, reason: str
) -> None:
    parsed = parse(table, observation(id="x", bodySite=body_site), observation(id="kept"))
    assert parsed.skipped == (Skipped("Observation/x", reason),)


def test_parse_expression_splits_focus_and_attributes() -> None:
    assert parse_expression("6417001") == ("6417001", {})
    assert parse_expression(
        " 6417001 |Medial malleolus| :272741003|Laterality|= 7771000 |Left| "
    ) == ("6417001", {"272741003": "7771000"})
    assert parse_expression("=== 6417001 : { 272741003 = 24028007 , 363698007 = 12345678 }") == (
        "6417001",
        {"272741003": "24028007", "363698007": "12345678"},
    )
    assert parse_expression("left foot") is None


# -- reflex and motor targets ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body_site", "target", "polarity"),
    [
        ("349006", site(KNEE_REGION), "reflex-patellar", Polarity.ABSENT),
        ("349006", site(f"{ANKLE_REGION}:272741003={LEFT}"), "reflex-achilles", Polarity.ABSENT),
        ("86854008", site(ANKLE_REGION), "reflex-achilles", Polarity.INCREASED),
        ("86854008", None, "hyperreflexia", Polarity.INCREASED),
        ("299872004", None, "reflex-patellar", Polarity.DECREASED),
    ],
    ids=[
        "absent-tendon-reflex-at-knee",
        "absent-tendon-reflex-at-left-ankle",
        "hyperreflexia-at-ankle",
        "hyperreflexia-without-site",
        "decreased-knee-reflex",
    ],
)
def test_the_reflex_comes_from_the_code_or_the_body_site(
    table: Table, code: str, body_site: dict[str, t.Any] | None, target: str, polarity: Polarity
) -> None:
    finding = only(parse(table, observation(code, bodySite=body_site)))
    assert (finding.target, finding.modality, finding.polarity) == (target, target, polarity)


def test_an_absent_tendon_reflex_without_a_site_naming_the_reflex_is_skipped(table: Table) -> None:
    parsed = parse(
        table,
        observation("349006", id="x", bodySite=site(MEDIAL_MALLEOLUS)),
        observation(id="kept"),
    )
    assert parsed.skipped == (
        Skipped(
            "Observation/x",
            "reflex finding without a body site that names the reflex "
            "(for example the patellar tendon or the knee)",
        ),
    )


@pytest.mark.parametrize(
    ("resource", "target"),
    [
        (exam("ankle-dorsiflexion", valueInteger=4), "ankle-dorsiflexion"),
        (
            observation(
                "249948009", method=concept("great-toe-extension", NEURO_EXAM), valueInteger=4
            ),
            "great-toe-extension",
        ),
        (
            observation(
                "249948009",
                bodySite=None,
                component=[
                    {"code": concept("ankle-plantarflexion", NEURO_EXAM), "valueInteger": 4}
                ],
            ),
            "ankle-plantarflexion",
        ),
        (observation("6077001", bodySite=None), "ankle-dorsiflexion"),
    ],
    ids=[
        "service-movement-code",
        "grade-of-muscle-power-with-method",
        "grade-of-muscle-power-with-component",
        "foot-drop",
    ],
)
def test_the_movement_comes_from_the_code_the_method_or_the_component(
    table: Table, resource: dict[str, t.Any], target: str
) -> None:
    finding = only(parse(table, resource))
    assert (finding.target, finding.modality, finding.polarity) == (
        target,
        target,
        Polarity.DECREASED,
    )


@pytest.mark.parametrize(
    "resource",
    [
        observation("249948009", id="x", valueInteger=4),
        observation("249948009", id="x", method=concept("bogus", NEURO_EXAM), valueInteger=4),
        observation("299471001", id="x", bodySite=None),
    ],
    ids=[
        "grade-without-movement",
        "grade-with-unknown-method",
        "weakness-of-foot-without-movement",
    ],
)
def test_strength_without_a_movement_is_skipped(table: Table, resource: dict[str, t.Any]) -> None:
    parsed = parse(table, resource, observation(id="kept"))
    assert parsed.skipped == (
        Skipped(
            "Observation/x",
            "muscle strength without the movement tested (give a "
            "movement code in component.code or Observation.method)",
        ),
    )


def test_components_share_the_observation_body_site_and_side(table: Table) -> None:
    panel = observation(
        "ISNCSCI",
        "http://example.org/panels",
        bodySite=site(f"{DORSUM_OF_FOOT}:272741003={RIGHT}"),
        component=[
            {"code": concept("light-touch", NEURO_EXAM), "valueInteger": 1},
            {"code": concept("pin-prick", NEURO_EXAM), "valueInteger": 2},
            {"code": {"coding": [coding("8867-4", "http://loinc.org")]}, "valueInteger": 60},
        ],
    )
    parsed = parse(table, panel)
    assert [(f.ref, f.target, f.modality, f.polarity, f.side) for f in parsed.findings] == [
        ("Observation/o1", DORSUM_OF_FOOT, "light-touch", Polarity.DECREASED, Side.RIGHT),
        ("Observation/o1", DORSUM_OF_FOOT, "pin-prick", Polarity.NORMAL, Side.RIGHT),
    ]
    assert parsed.warnings == (
        "Observation/o1: component[2] (code http://loinc.org|8867-4) is not a neurological "
        "exam finding this service reads; ignored",
    )


def test_a_panel_whose_components_all_fail_is_skipped_with_the_first_reason(table: Table) -> None:
    panel = observation(
        "249948009",
        id="x",
        component=[
            {
                "code": concept("hip-flexion", NEURO_EXAM),
                "dataAbsentReason": concept("not-performed", "urn:x"),
            }
        ],
    )
    parsed = parse(table, panel, observation(id="kept"))
    assert parsed.skipped == (
        Skipped("Observation/x", "not examined (dataAbsentReason not-performed)"),
    )
    assert parsed.warnings == ()
