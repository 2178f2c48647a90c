"""The real terminology table: pinned shape, clinical spot checks, lookups and negatives.

The SNOMED CT codes were taken from /work/shared/reference/terminology-codes.md (each row's
``sources`` column names where the code was seen); these tests do not read that file, which may be
absent on a fresh clone. They check what can be checked offline: every code's Verhoeff check
digit, every source cited, and the mappings the clinical references agree on.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from importlib.resources import files

import pytest

import terminology
from terminology import (
    INTERPRETATION,
    KNOWN_SYSTEMS,
    NEURO_EXAM,
    SEGMENTS,
    SNOMED,
    Table,
    UnknownCodeError,
    Weighted,
    default_table,
)
from terminology.schemas import is_sctid


def top_segment(row: terminology.Site | terminology.Reflex | terminology.Movement) -> str:
    """The segment a row weighs most (the first one on a tie)."""
    return max(row.segments, key=lambda item: item.weight).segment


def packaged_keys(name: str, *columns: str) -> list[tuple[str, ...]]:
    text = files("terminology").joinpath("data", name).read_text(encoding="utf-8")
    return [tuple(row[c] for c in columns) for row in csv.DictReader(io.StringIO(text))]


# --- shape -------------------------------------------------------------------------------------


def test_row_counts_are_pinned(table: Table) -> None:
    counts = {
        name: len(getattr(table, name))
        for name in (
            "sources",
            "sites",
            "reflexes",
            "movements",
            "findings",
            "patterns",
            "laterality",
            "diagnoses",
        )
    }
    assert counts == {
        "sources": 57,
        "sites": 127,
        "reflexes": 13,
        "movements": 22,
        "findings": 110,
        "patterns": 22,
        "laterality": 5,
        "diagnoses": 4,
    }


def test_table_has_at_least_eighty_body_sites(table: Table) -> None:
    assert len(table.sites) >= 80


def test_version_is_one_calendar_version_line(table: Table) -> None:
    year, minor, patch = table.version.split(".")
    assert len(year) == 4 and minor.isdigit() and patch.isdigit()


def test_segments_run_cranio_caudal_from_c2_to_s4_5() -> None:
    assert len(SEGMENTS) == 28
    assert SEGMENTS[:2] == ("C2", "C3") and SEGMENTS[7:9] == ("T1", "T2")
    assert SEGMENTS[-6:] == ("L4", "L5", "S1", "S2", "S3", "S4-5")
    assert {SNOMED, NEURO_EXAM, INTERPRETATION} == KNOWN_SYSTEMS


def test_every_row_cites_a_known_source_and_every_source_is_cited(table: Table) -> None:
    rows = [
        *table.sites.values(),
        *table.reflexes.values(),
        *table.movements.values(),
        *table.findings.values(),
        *table.patterns.values(),
        *table.laterality.values(),
        *table.diagnoses.values(),
    ]
    cited = {key for row in rows for key in row.sources}
    assert all(row.sources for row in rows)
    assert cited == set(table.sources)


def test_every_site_cites_a_code_source_and_a_mapping_source(table: Table) -> None:
    code_sources = {"ehdsi", "fhir-bs", "sct-csv", "be-ig", "dicom", "r4-bs", "ihtsdo-tpl", "fhims"}
    for site in table.sites.values():
        assert code_sources & set(site.sources), site.code
        assert set(site.sources) - code_sources, site.code


def test_every_snomed_code_has_a_valid_check_digit(table: Table) -> None:
    codes = [code for system, code in [*table.sites, *table.findings] if system == SNOMED]
    codes += [code for reflex in table.reflexes.values() for code in reflex.sites]
    codes += [p.snomed for p in table.patterns.values() if p.snomed]
    assert codes and all(is_sctid(code) for code in codes)


def test_mappings_iterate_in_file_order(table: Table) -> None:
    assert list(table.sites) == packaged_keys("sites.csv", "system", "code")
    assert list(table.findings) == packaged_keys("findings.csv", "system", "code")
    assert [(k,) for k in table.movements] == packaged_keys("movements.csv", "id")


def test_mappings_and_rows_are_read_only(table: Table) -> None:
    with pytest.raises(TypeError):
        table.sites[(SNOMED, "1")] = table.lookup_site(SNOMED, "6417001")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.lookup_site(SNOMED, "6417001").display = "x"  # type: ignore[misc]


def test_default_table_is_loaded_once() -> None:
    assert default_table() is default_table()


def test_public_api_names_all_exist() -> None:
    assert all(hasattr(terminology, name) for name in terminology.__all__)


# --- sites -------------------------------------------------------------------------------------

KEY_POINTS = [
    ("43631005", "C2"),
    ("77621008", "C3"),
    ("85856004", "C4"),
    ("699905007", "C5"),
    ("76505004", "C6"),
    ("65531009", "C7"),
    ("40206004", "C7"),
    ("12406000", "C8"),
    ("699896000", "T1"),
    ("31167009", "T1"),
    ("91470000", "T2"),
    ("24142002", "T4"),
    ("90290004", "T10"),
    ("26893007", "T12"),
    ("61248009", "L2"),
    ("122474001", "L3"),
    ("6417001", "L4"),
    ("2402003", "L5"),
    ("76853006", "S1"),
    ("84607009", "S1"),
    ("699909001", "S1"),
    ("32361000", "S2"),
    ("69030007", "S3"),
    ("397158004", "S4-5"),
]


@pytest.mark.parametrize(("code", "segment"), KEY_POINTS, ids=[f"{c}-{s}" for c, s in KEY_POINTS])
def test_isncsci_key_point_site_maps_to_its_segment_at_full_weight(
    table: Table, code: str, segment: str
) -> None:
    site = table.lookup_site(SNOMED, code)
    assert site.key_point == segment
    assert Weighted(segment, 1.0) in site.core
    assert top_segment(site) == segment


def test_key_points_cover_the_isncsci_levels_that_have_verified_codes(table: Table) -> None:
    levels = {site.key_point for site in table.sites.values()} - {None}
    assert levels == set(SEGMENTS) - {"T3", "T5", "T6", "T7", "T8", "T9", "T11", "L1"}


def test_inguinal_region_is_t12_key_point_with_l1_variable(table: Table) -> None:
    site = table.lookup_site(SNOMED, "26893007")
    assert site.core == (Weighted("T12", 1.0),)
    assert [w.segment for w in site.variable] == ["L1"]


@pytest.mark.parametrize(
    ("code", "pair"),
    [
        ("78883009", {"L4", "L5"}),
        ("83738005", {"C6", "C7"}),
        ("82002001", {"C7", "C8"}),
    ],
    ids=["great-toe", "index-finger", "ring-finger"],
)
def test_disputed_zone_is_split_between_two_roots_with_neither_core(
    table: Table, code: str, pair: set[str]
) -> None:
    site = table.lookup_site(SNOMED, code)
    assert site.core == ()
    assert {w.segment for w in site.variable} == pair
    weights = [site.weight(segment) for segment in pair]
    assert all(0 < w < 1 for w in weights) and max(weights) - min(weights) <= 0.2
    assert site.note and "Disputed" in site.note


# --- issue 11 item 7: the audit's mapping fixes (terminology-audit sections 3 and 5) ----------


@pytest.mark.parametrize(
    ("code", "pair"),
    [
        ("6564004", {"L4", "L5"}),
        ("731040006", {"L4", "L5"}),
        ("25763004", {"L4", "L5"}),
    ],
    ids=["medial-sole", "entire-medial-sole", "anterior-leg"],
)
def test_shared_lower_limb_zones_are_split_evenly_with_no_core(
    table: Table, code: str, pair: set[str]
) -> None:
    """Medial foot and anterior leg are L4/L5 disagreement zones (clinical-rules 2.3):
    split weight, no core, so a finding there cannot by itself name L4 (or L5)."""
    site = table.lookup_site(SNOMED, code)
    assert site.core == () and site.key_point is None
    assert {w.segment for w in site.variable} == pair
    assert site.weight("L4") == site.weight("L5") == 0.5


def test_anterior_leg_is_not_common_peroneal_territory_alone(table: Table) -> None:
    assert table.lookup_site(SNOMED, "25763004").nerves == ()


@pytest.mark.parametrize("code", ["17957002", "731068005"])
def test_antecubital_fossa_carries_neither_key_point_and_splits_c5_and_t1(
    table: Table, code: str
) -> None:
    """ISNCSCI puts C5 on the lateral and T1 on the medial side of the fossa."""
    site = table.lookup_site(SNOMED, code)
    assert site.key_point is None and site.core == ()
    assert site.weight("C5") == site.weight("T1") > site.weight("C6") > 0


def test_medial_lower_limb_has_no_core_and_no_nerve(table: Table) -> None:
    site = table.lookup_site(SNOMED, "699920001")
    twin = table.lookup_site(SNOMED, "699910006")
    assert site.core == twin.core == () and site.nerves == twin.nerves == ()
    assert {"L2", "L3", "L4"} <= {w.segment for w in site.variable}


def test_first_web_space_is_deep_peroneal_l5_and_lateral_heel_is_the_s1_key_point(
    table: Table,
) -> None:
    web = table.lookup_site(SNOMED, "264472001")
    assert top_segment(web) == "L5" and web.nerves == ("deep-peroneal",) and web.distal
    heel = table.lookup_site(SNOMED, "699909001")
    assert heel.key_point == "S1" and heel.nerves == ("sural",)


def test_weakness_of_toe_needs_the_movement_and_disturbance_is_abnormal(table: Table) -> None:
    """299575007 names no toe and no direction (extension L5; flexion S1-S2); 80910005 covers
    increased or altered sensation too, so it is abnormal, not decreased."""
    toe = table.lookup_finding(SNOMED, "299575007")
    assert (toe.kind, toe.target, toe.polarity) == ("motor", None, "decreased")
    disturbance = table.lookup_finding(SNOMED, "80910005")
    assert (disturbance.target, disturbance.polarity) == ("sensation", "abnormal")


@pytest.mark.parametrize(
    ("code", "reflex_id"),
    [
        ("70258002", "reflex-achilles"),
        ("49076000", "reflex-patellar"),
        ("699960000", "reflex-biceps"),
        ("699956003", "reflex-biceps"),
        ("699996001", "reflex-triceps"),
    ],
    ids=["ankle-joint", "knee-joint", "biceps-tendon", "biceps-muscle-tendon", "triceps"],
)
def test_joint_and_tendon_sites_name_their_reflex(table: Table, code: str, reflex_id: str) -> None:
    assert is_sctid(code)
    reflex = table.reflex_for_site(code)
    assert reflex is not None and reflex.id == reflex_id


def test_great_toe_leans_to_l5_over_l4(table: Table) -> None:
    toe = table.lookup_site(SNOMED, "78883009")
    assert toe.weight("L5") > toe.weight("L4") > 0
    assert toe.weight("S1") == 0.0


def test_site_segments_are_core_then_variable(table: Table) -> None:
    site = table.lookup_site(SNOMED, "2402003")
    assert site.segments == (Weighted("L5", 1.0), Weighted("L4", 0.3))


@pytest.mark.parametrize(
    ("lateral", "parent", "side"),
    [
        ("85119005", "26893007", "left"),
        ("37117007", "26893007", "right"),
        ("723031008", "122474001", "left"),
        ("723032001", "122474001", "right"),
    ],
    ids=["left-inguinal", "right-inguinal", "left-femoral-condyle", "right-femoral-condyle"],
)
def test_precoordinated_lateral_site_carries_its_side_and_the_parent_mapping(
    table: Table, lateral: str, parent: str, side: str
) -> None:
    site, base = table.lookup_site(SNOMED, lateral), table.lookup_site(SNOMED, parent)
    assert site.side == side and base.side is None
    assert site.segments == base.segments


@pytest.mark.parametrize(
    ("code", "nerve"),
    [
        ("61248009", "femoral"),
        ("61248009", "lateral-femoral-cutaneous"),
        ("6417001", "saphenous"),
        ("2402003", "superficial-peroneal"),
        ("264472001", "deep-peroneal"),
        ("35739000", "sural"),
        ("76853006", "tibial"),
        ("76853006", "sural"),
        ("699909001", "sural"),
        ("699919007", "tibial"),
        ("76505004", "median"),
        ("76505004", "radial"),
        ("40206004", "radial"),
        ("699905007", "musculocutaneous"),
        ("12406000", "ulnar"),
        ("731076007", "medial-antebrachial-cutaneous"),
        ("731037006", "musculocutaneous"),
        ("16982005", "axillary"),
        ("397158004", "pudendal"),
        ("73958006", "obturator"),
    ],
)
def test_site_names_the_peripheral_nerve_territory_for_mimic_detection(
    table: Table, code: str, nerve: str
) -> None:
    assert nerve in table.lookup_site(SNOMED, code).nerves


@pytest.mark.parametrize(
    ("code", "distal"),
    [
        ("2402003", True),
        ("76853006", True),
        ("78883009", True),
        ("6417001", True),
        ("85562004", True),
        ("12406000", True),
        ("61248009", False),
        ("731076007", False),
        ("32361000", False),
    ],
)
def test_hands_feet_and_ankles_are_distal_and_proximal_sites_are_not(
    table: Table, code: str, distal: bool
) -> None:
    assert table.lookup_site(SNOMED, code).distal is distal


# --- reflexes and movements ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reflex_id", "segment"),
    [
        ("reflex-patellar", "L4"),
        ("reflex-medial-hamstring", "L5"),
        ("reflex-achilles", "S1"),
        ("reflex-biceps", "C5"),
        ("reflex-brachioradialis", "C6"),
        ("reflex-triceps", "C7"),
        ("reflex-anal", "S4-5"),
    ],
)
def test_reflex_localizes_to_its_root(table: Table, reflex_id: str, segment: str) -> None:
    reflex = table.lookup_reflex(reflex_id)
    assert reflex.kind == "dtr"
    assert top_segment(reflex) == segment


def test_patellar_reflex_also_weighs_l3_and_l2(table: Table) -> None:
    patellar = table.lookup_reflex("reflex-patellar")
    assert patellar.weight("L4") > patellar.weight("L3") > patellar.weight("L2") > 0


def test_upper_motor_neuron_signs_have_no_segments_or_nerve(table: Table) -> None:
    umn = [r for r in table.reflexes.values() if r.kind == "umn"]
    assert {r.id for r in umn} == {
        "plantar-response",
        "hoffmann",
        "clonus",
        "hyperreflexia",
        "inverted-supinator",
    }
    assert all(r.segments == () and r.nerve is None for r in umn)


@pytest.mark.parametrize(
    ("code", "reflex_id"),
    [
        ("64234005", "reflex-patellar"),
        ("72696002", "reflex-patellar"),
        ("731478002", "reflex-achilles"),
        ("344001", "reflex-achilles"),
        ("699995002", "reflex-medial-hamstring"),
        ("6417001", None),
    ],
)
def test_body_site_identifies_the_reflex_of_an_absent_tendon_reflex(
    table: Table, code: str, reflex_id: str | None
) -> None:
    reflex = table.reflex_for_site(code)
    assert (reflex.id if reflex else None) == reflex_id


def test_movements_are_exactly_the_service_movement_codes(table: Table) -> None:
    assert set(table.movements) == {
        "hip-flexion",
        "knee-extension",
        "ankle-dorsiflexion",
        "great-toe-extension",
        "ankle-plantarflexion",
        "ankle-inversion",
        "ankle-eversion",
        "hip-abduction",
        "hip-adduction",
        "hip-extension",
        "shoulder-abduction",
        "elbow-flexion",
        "wrist-extension",
        "elbow-extension",
        "finger-flexion",
        "finger-abduction",
        "thumb-abduction",
        # issue 11: the muscles that tell the new nerve mimics from their roots
        "knee-flexion",
        "finger-extension",
        "wrist-flexion",
        "shoulder-external-rotation",
        "toe-flexion",  # tibial neuropathy's trigger (clinical-rules 2.6: S1/S2)
    }


@pytest.mark.parametrize(
    ("movement_id", "nerve", "segment"),
    [
        ("knee-flexion", "sciatic", "S1"),
        ("finger-extension", "radial", "C7"),
        ("wrist-flexion", "median", "C7"),
        ("shoulder-external-rotation", "suprascapular", "C5"),
    ],
)
def test_mimic_discriminating_muscles_have_their_nerve_and_root(
    table: Table, movement_id: str, nerve: str, segment: str
) -> None:
    """Sciatic (hamstrings), radial (finger extensors vs the median C7 wrist flexor) and
    suprascapular (infraspinatus) lesions are told from roots by these muscles."""
    move = table.lookup_movement(movement_id)
    assert (move.nerve, top_segment(move)) == (nerve, segment)


@pytest.mark.parametrize(
    ("movement_id", "segment"),
    [
        ("hip-flexion", "L2"),
        ("knee-extension", "L3"),
        ("ankle-dorsiflexion", "L4"),
        ("great-toe-extension", "L5"),
        ("ankle-plantarflexion", "S1"),
        ("hip-abduction", "L5"),
        ("ankle-inversion", "L5"),
        ("hip-extension", "S1"),
        ("shoulder-abduction", "C5"),
        ("elbow-flexion", "C5"),
        ("wrist-extension", "C6"),
        ("elbow-extension", "C7"),
        ("finger-flexion", "C8"),
        ("finger-abduction", "T1"),
    ],
)
def test_movement_localizes_to_its_myotome(table: Table, movement_id: str, segment: str) -> None:
    assert top_segment(table.lookup_movement(movement_id)) == segment


def test_l5_signature_muscles_are_outside_the_common_peroneal_nerve(table: Table) -> None:
    peroneal = {"common-peroneal", "deep-peroneal", "superficial-peroneal"}
    assert table.lookup_movement("ankle-dorsiflexion").nerve in peroneal
    assert table.lookup_movement("ankle-inversion").nerve == "tibial"
    assert table.lookup_movement("hip-abduction").nerve == "superior-gluteal"


def test_thumb_abduction_is_a_non_ulnar_c8_t1_muscle(table: Table) -> None:
    apb = table.lookup_movement("thumb-abduction")
    assert apb.nerve == "median" and {w.segment for w in apb.core} == {"C8", "T1"}


# --- findings and patterns ---------------------------------------------------------------------


FINDINGS = [
    (SNOMED, "299913001", ("sensory", "light-touch", "decreased", None)),
    (SNOMED, "299912006", ("sensory", "light-touch", "absent", None)),
    (SNOMED, "299911004", ("sensory", "light-touch", "normal", None)),
    (SNOMED, "299928001", ("sensory", "pin-prick", "decreased", None)),
    (SNOMED, "299925003", ("sensory", "pin-prick", None, None)),
    (SNOMED, "44077006", ("sensory", "sensation", "decreased", None)),
    (SNOMED, "299872004", ("reflex", "reflex-patellar", "decreased", None)),
    (SNOMED, "299871006", ("reflex", "reflex-patellar", "decreased", None)),
    (SNOMED, "299880006", ("reflex", "reflex-achilles", "increased", None)),
    (SNOMED, "299838007", ("reflex", "reflex-brachioradialis", "normal", None)),
    (SNOMED, "299891004", ("reflex", "plantar-response", "increased", "left")),
    (SNOMED, "299897000", ("reflex", "plantar-response", "absent", "right")),
    (SNOMED, "299885001", ("reflex", "clonus", "increased", None)),
    (SNOMED, "299870007", ("reflex", "reflex-bulbocavernosus", "absent", None)),
    (SNOMED, "349006", ("reflex", None, "absent", None)),
    (SNOMED, "86854008", ("reflex", None, "increased", None)),
    (SNOMED, "6077001", ("motor", "ankle-dorsiflexion", "decreased", None)),
    (SNOMED, "249948009", ("motor", None, None, None)),
    (NEURO_EXAM, "pin-prick", ("sensory", "pin-prick", None, None)),
    (NEURO_EXAM, "reflex-triceps", ("reflex", "reflex-triceps", None, None)),
    (NEURO_EXAM, "hip-abduction", ("motor", "hip-abduction", None, None)),
    (INTERPRETATION, "L", ("value", None, "decreased", None)),
    (INTERPRETATION, "LL", ("value", None, "decreased", None)),
    (INTERPRETATION, "HH", ("value", None, "increased", None)),
    (INTERPRETATION, "A", ("value", None, "abnormal", None)),
]


@pytest.mark.parametrize(
    ("system", "code", "meaning"),
    FINDINGS,
    ids=[f"{system.rsplit('/', 1)[-1]}|{code}" for system, code, _ in FINDINGS],
)
def test_finding_code_means_kind_target_polarity_and_side(
    table: Table, system: str, code: str, meaning: tuple[str | None, ...]
) -> None:
    finding = table.lookup_finding(system, code)
    assert (finding.kind, finding.target, finding.polarity, finding.side) == meaning


def test_every_reflex_movement_and_modality_is_a_service_exam_code(table: Table) -> None:
    service = {code for system, code in table.findings if system == NEURO_EXAM}
    assert service == {*table.reflexes, *table.movements, *terminology.MODALITIES}


def test_patterns_carry_the_snomed_codes_of_the_output_profile(table: Table) -> None:
    assert {code: p.snomed for code, p in table.patterns.items()} == {
        "radiculopathy": None,
        "polyradiculopathy": "75572007",
        "polyneuropathy": "42345000",
        "cauda-equina": "192970008",
        "myelopathy": "202664003",
        "peroneal-neuropathy": "399081005",
        "meralgia-paresthetica": "85007004",
        "femoral-neuropathy": None,
        "carpal-tunnel": "57406009",
        "ulnar-neuropathy": "359837005",
        "transverse-myelopathy": "16631009",
        "brown-sequard": None,
        "hemiparesis": None,
        "polyradiculoneuropathy": None,
        "bilateral-radiculopathy": None,
        "radial-neuropathy": None,
        "axillary-neuropathy": None,
        "suprascapular-neuropathy": None,
        "tibial-neuropathy": None,
        "sciatic-neuropathy": "52585001",
        "lumbosacral-plexopathy": None,
        "non-radicular-weakness": None,
    }


def test_cauda_equina_definition_names_the_guideline_urgent_triggers(table: Table) -> None:
    """Issue 11: URGENT follows SBNS/BASS 2018 and GIRFT 2023, not any bilateral leg sign."""
    ces = table.lookup_pattern("cauda-equina")
    assert {"sbns-bass-2018", "girft-ces-2023"} <= set(ces.sources)
    assert "saddle" in ces.definition and "both legs" in ces.definition
    bilateral = table.lookup_pattern("bilateral-radiculopathy")
    assert "not urgent" in bilateral.definition and "post-void residual" in bilateral.definition


# --- negatives ---------------------------------------------------------------------------------


def test_unknown_site_returns_none_and_lookup_raises(table: Table) -> None:
    assert table.site(SNOMED, "0000") is None
    with pytest.raises(UnknownCodeError) as excinfo:
        table.lookup_site(SNOMED, "0000")
    assert isinstance(excinfo.value, LookupError) and excinfo.value.code == "0000"


def test_known_code_in_the_wrong_system_is_not_found(table: Table) -> None:
    assert table.site("http://loinc.org", "6417001") is None
    assert table.finding(NEURO_EXAM, "299913001") is None


@pytest.mark.parametrize("method", ["lookup_reflex", "lookup_movement", "lookup_pattern"])
def test_unknown_service_id_raises_unknown_code_error(table: Table, method: str) -> None:
    with pytest.raises(UnknownCodeError, match="no-such-code"):
        getattr(table, method)("no-such-code")


def test_unknown_ids_return_none(table: Table) -> None:
    assert table.reflex("reflex-jaw") is None
    assert table.movement("toe-wiggle") is None
    assert table.pattern("plexopathy") is None
    assert table.finding(SNOMED, "0000") is None
    with pytest.raises(UnknownCodeError):
        table.lookup_finding(SNOMED, "0000")


def test_laterality_and_diagnosis_codes_are_table_data(table: Table) -> None:
    """The codes the service reads and writes for sides and root diagnoses come from
    laterality.csv and diagnoses.csv, not from constants in the code."""
    assert {side: table.laterality_for(side).code for side in ("left", "right", "bilateral")} == {
        "left": "7771000",
        "right": "24028007",
        "bilateral": "51440002",
    }
    assert table.side_of("419161000") == "left" and table.side_of("419465000") == "right"
    assert table.side_of("6417001") is None
    assert {s: table.diagnosis("radiculopathy", s).code for s in ("C6", "T4", "L5", "S1")} == {
        "C6": "54404000",
        "T4": "42452002",
        "L5": "128196005",
        "S1": "2415007",
    }
    assert table.diagnosis("polyneuropathy", "L5") is None
