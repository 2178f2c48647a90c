"""The side of a finding, from each laterality encoding, and conflicting sides (DESIGN §3)."""

from __future__ import annotations

import typing as t

import pytest

from service.core.model import Polarity, Side
from service.errors import ContradictoryFinding
from service.fhir.read.request import parse_request
from terminology import Table

from .test_parse import (
    BILATERAL,
    DORSUM_OF_FOOT,
    LEFT,
    LEFT_INGUINAL,
    MEDIAL_MALLEOLUS,
    RIGHT,
    body_structure,
    bundle,
    exam,
    laterality,
    observation,
    only,
    parse,
    points_to,
    site,
)

# -- the side ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body_site", "side"),
    [
        (site(MEDIAL_MALLEOLUS, extension=[laterality(LEFT)]), Side.LEFT),
        (
            site(
                MEDIAL_MALLEOLUS, extension=[laterality(RIGHT, "http://example.org/any-extension")]
            ),
            Side.RIGHT,
        ),
        (site(MEDIAL_MALLEOLUS, extension=[laterality(BILATERAL)]), Side.BILATERAL),
        (site(MEDIAL_MALLEOLUS, extension=[laterality("419161000")]), Side.LEFT),
        (site(f"{MEDIAL_MALLEOLUS}:272741003={LEFT}"), Side.LEFT),
        (
            site(
                f"{MEDIAL_MALLEOLUS} |Medial malleolus structure| : "
                f"272741003 |Laterality| = {RIGHT} |Right|"
            ),
            Side.RIGHT,
        ),
        (site(f"{MEDIAL_MALLEOLUS}:{{272741003={BILATERAL}}}"), Side.BILATERAL),
        (site(MEDIAL_MALLEOLUS, text="Left medial malleolus"), Side.LEFT),
        (site(MEDIAL_MALLEOLUS, text="RIGHT ankle, medial"), Side.RIGHT),
        (site(MEDIAL_MALLEOLUS), None),
        (site(MEDIAL_MALLEOLUS, text="leftover swelling near the malleolus"), None),
    ],
    ids=[
        "mcode-extension-left",
        "any-url-extension-right",
        "extension-bilateral",
        "r4-example-unilateral-left",
        "post-coordinated-left",
        "post-coordinated-with-terms-and-spaces",
        "post-coordinated-in-braces",
        "text-left",
        "text-right-upper-case",
        "no-side",
        "text-without-whole-word",
    ],
)
def test_the_side_is_read_from_each_encoding(
    table: Table, body_site: dict[str, t.Any], side: Side | None
) -> None:
    finding = only(parse(table, observation(bodySite=body_site)))
    assert (finding.target, finding.side) == (MEDIAL_MALLEOLUS, side)


def test_a_precoordinated_lateral_site_gives_its_side_and_is_the_target(table: Table) -> None:
    finding = only(parse(table, observation(bodySite=site(LEFT_INGUINAL))))
    assert (finding.target, finding.side) == (LEFT_INGUINAL, Side.LEFT)


@pytest.mark.parametrize(("code", "side"), [("299891004", Side.LEFT), ("299892006", Side.RIGHT)])
def test_a_finding_code_with_its_own_side_gives_the_side(
    table: Table, code: str, side: Side
) -> None:
    finding = only(parse(table, observation(code, bodySite=None)))
    assert (finding.target, finding.polarity, finding.side) == (
        "plantar-response",
        Polarity.INCREASED,
        side,
    )


def test_a_side_from_text_is_flagged_and_warned_about(table: Table) -> None:
    parsed = parse(
        table, observation(bodySite=site(MEDIAL_MALLEOLUS, text="left medial malleolus"))
    )
    assert only(parsed).side_from_text
    assert parsed.warnings == (
        "Observation/o1: side (left) taken from the words of bodySite.text; no code gave it",
    )


def test_a_coded_side_wins_over_the_text_with_a_warning(table: Table) -> None:
    body_site = site(f"{MEDIAL_MALLEOLUS}:272741003={RIGHT}", text="left ankle")
    parsed = parse(table, observation(bodySite=body_site))
    assert (only(parsed).side, only(parsed).side_from_text) == (Side.RIGHT, False)
    assert parsed.warnings == (
        "Observation/o1: bodySite.text names the left side but the codes say right; "
        "the coded side was used",
    )


def test_text_naming_both_sides_leaves_the_side_unknown_with_a_warning(table: Table) -> None:
    parsed = parse(
        table, observation(bodySite=site(MEDIAL_MALLEOLUS, text="left worse than right"))
    )
    assert only(parsed).side is None
    assert parsed.warnings == (
        "Observation/o1: bodySite.text names more than one side; the side was left unknown",
    )


# -- BodyStructure -----------------------------------------------------------------------------


def test_a_contained_body_structure_gives_the_side_and_the_site(table: Table) -> None:
    resource = observation(
        bodySite=None,
        contained=[body_structure("bs", RIGHT, DORSUM_OF_FOOT)],
        extension=[points_to("#bs")],
    )
    finding = only(parse(table, resource))
    assert (finding.target, finding.side) == (DORSUM_OF_FOOT, Side.RIGHT)


@pytest.mark.parametrize(
    ("reference", "full_url"),
    [
        ("urn:uuid:8d1e", "urn:uuid:8d1e"),
        ("BodyStructure/bs1", None),
        ("BodyStructure/bs1", "https://ehr.example.org/fhir/BodyStructure/bs1"),
        (
            "https://ehr.example.org/fhir/BodyStructure/bs1",
            "https://ehr.example.org/fhir/BodyStructure/bs1",
        ),
    ],
    ids=[
        "by-uuid-full-url",
        "by-relative-reference",
        "relative-reference-to-absolute-full-url",
        "by-absolute-url",
    ],
)
def test_a_body_structure_in_the_bundle_gives_the_side_and_is_not_reported(
    table: Table, reference: str, full_url: str | None
) -> None:
    document = bundle(
        body_structure(),
        observation(bodySite=site(MEDIAL_MALLEOLUS, extension=[points_to(reference)])),
        full_urls=[full_url],
    )
    parsed = parse_request(document, table)
    assert only(parsed).side is Side.LEFT
    assert parsed.skipped == ()


def test_a_body_structure_that_is_not_in_the_request_is_warned_about(table: Table) -> None:
    body_site = site(MEDIAL_MALLEOLUS, extension=[points_to("BodyStructure/elsewhere")])
    parsed = parse(table, observation(bodySite=body_site))
    assert only(parsed).side is None
    assert parsed.warnings == (
        "Observation/o1: Bundle.entry[0].resource.bodySite.extension[0] points to a "
        "BodyStructure that is not in the request; its side was not read",
    )


# -- conflicting sides -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body_site", "extra", "expression"),
    [
        (
            "299913001",
            site(f"{MEDIAL_MALLEOLUS}:272741003={RIGHT}", extension=[laterality(LEFT)]),
            {},
            ["bodySite", "bodySite.extension[0]", "bodySite.coding[0].code"],
        ),
        (
            "299913001",
            site(LEFT_INGUINAL, extension=[laterality(RIGHT)]),
            {},
            ["bodySite", "bodySite.extension[0]", "bodySite.coding[0]"],
        ),
        (
            "299891004",
            site(MEDIAL_MALLEOLUS, extension=[laterality(RIGHT)]),
            {},
            ["bodySite", "bodySite.extension[0]", "code"],
        ),
        (
            "299913001",
            site(MEDIAL_MALLEOLUS, extension=[laterality(LEFT), points_to("#bs")]),
            {"contained": [body_structure("bs", RIGHT)]},
            ["bodySite", "bodySite.extension[0]", "bodySite.extension[1]"],
        ),
        (
            "299913001",
            site(MEDIAL_MALLEOLUS, extension=[laterality(LEFT), laterality(BILATERAL)]),
            {},
            ["bodySite", "bodySite.extension[0]", "bodySite.extension[1]"],
        ),
    ],
    ids=[
        "extension-vs-post-coordination",
        "extension-vs-precoordinated-site",
        "finding-code-vs-extension",
        "extension-vs-body-structure",
        "left-vs-bilateral",
    ],
)
def test_two_coded_sides_that_disagree_are_a_contradiction_naming_body_site(
    table: Table,
    code: str,
    body_site: dict[str, t.Any],
    extra: dict[str, t.Any],
    expression: list[str],
) -> None:
    with pytest.raises(ContradictoryFinding) as caught:
        parse(table, observation(code, bodySite=body_site, **extra))
    assert caught.value.expression == tuple(
        f"Bundle.entry[0].resource.{name}" for name in expression
    )


@pytest.mark.parametrize("code", ["None:272741003=7771000", "foot muscles : 272741003 = 7771000"])
def test_a_side_in_a_code_that_is_no_expression_is_read_and_warned_about(
    table: Table, code: str
) -> None:
    """A form export with no site concept for a movement writes only the laterality refinement;
    the side it states is read (never silently lost), and the unreadable code is named."""
    motor = exam("ankle-plantarflexion", bodySite=site(code), valueInteger=3)
    parsed = parse(table, motor)
    assert (only(parsed).side, only(parsed).grade) == (Side.LEFT, 3)
    assert parsed.warnings == (
        "Observation/o1: Bundle.entry[0].resource.bodySite.coding[0].code is not a SNOMED CT "
        "concept id or expression; "
        "only its laterality (left) was read",
    )
