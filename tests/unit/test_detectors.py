"""Each detector of issue 11 on its own, with its near miss: the same exam one finding away
from the other answer (no Flask, no FHIR)."""

from __future__ import annotations

import typing as t

from service.core import Finding, Kind, Polarity, Side, localize
from service.core import weights as w
from service.core.detection import BEFORE_ROOTS
from service.core.detectors import DETECTORS
from terminology import Table

from .test_engine import motor, reflex, sense

L, R = Side.LEFT, Side.RIGHT
N, INC, ABN = Polarity.NORMAL, Polarity.INCREASED, Polarity.ABNORMAL
NIPPLE, UMBILICUS, INGUINAL, ANT_THIGH, MED_CONDYLE = (
    "24142002",
    "90290004",
    "39687006",
    "61248009",
    "122474001",
)
GREAT_TOE = "78883009"
MED_MALLEOLUS, DORSUM, HEEL, SOLE, THUMB, MIDDLE, LITTLE = (
    "6417001",
    "2402003",
    "76853006",
    "37136002",
    "76505004",
    "65531009",
    "12406000",
)
PERIANAL = "397158004"


def patterns(findings: list[Finding], table: Table) -> dict[str, t.Any]:
    return {h.pattern: h for h in localize(findings, table).hypotheses}


def roots(findings: list[Finding], table: Table) -> dict[tuple[str, Side | None], t.Any]:
    return {
        (h.segments[0], h.side): h
        for h in localize(findings, table).hypotheses
        if h.pattern == "radiculopathy"
    }


def test_the_registry_runs_non_root_patterns_before_the_roots() -> None:
    stages = [d.stage for d in DETECTORS]
    assert stages == sorted(stages, key=lambda s: s != BEFORE_ROOTS)
    assert {d.name for d in DETECTORS} >= {"myelopathy", "polyneuropathy", "cauda-equina"}


class TestCord:
    LEVEL = [
        sense(s, side, modality=m)
        for s in (UMBILICUS, INGUINAL, MED_CONDYLE, DORSUM)
        for side in (L, R)
        for m in ("light-touch", "pin-prick")
    ]

    def test_a_trunk_level_with_umn_signs_is_a_cord_lesion_named_by_its_level(
        self, table: Table
    ) -> None:
        found = [*self.LEVEL, sense(NIPPLE, L, N), reflex("plantar-response", L, INC)]
        top = localize(found, table).hypotheses[0]
        assert top.pattern == "transverse-myelopathy" and "at or above T10" in top.text
        assert not any(h.confidence == "probable" for h in roots(found, table).values())

    def test_near_miss_loss_on_one_side_only_is_no_level(self, table: Table) -> None:
        found = [f for f in self.LEVEL if f.side is L] + [reflex("plantar-response", L, INC)]
        assert "transverse-myelopathy" not in patterns(found, table)

    def test_every_umn_encoding_counts_interpretation_a_too(self, table: Table) -> None:
        # an extensor plantar reported as interpretation A (abnormal) and an inverted supinator
        found = [reflex("plantar-response", L, ABN), reflex("inverted-supinator", R, ABN)]
        h = patterns(found, table)["myelopathy"]
        assert h.score >= w.MYELOPATHY_BY_SIGNS[2] and h.text.startswith("Cervical")

    def test_myeloradiculopathy_keeps_the_root_with_a_sign_at_the_level(self, table: Table) -> None:
        cord = [reflex("hoffmann", R, INC), reflex("plantar-response", R, INC)]
        root = [
            reflex("reflex-brachioradialis", R),
            motor("wrist-extension", R),
            sense(THUMB, R),
        ]
        found = patterns(cord + root, table)
        assert "myelopathy" in found
        assert roots(cord + root, table)[("C6", R)].confidence == "probable"
        # near miss: without the reduced reflex (the LMN sign), the cord explains the rest
        rest = roots(cord + root[1:], table)
        assert ("C6", R) not in rest or rest[("C6", R)].confidence == "possible"

    def test_brown_sequard_split(self, table: Table) -> None:
        found = [
            motor("knee-extension", L),
            motor("ankle-dorsiflexion", L),
            sense(DORSUM, L, modality="vibration"),
            sense(MED_CONDYLE, R, modality="pin-prick"),
            sense(DORSUM, R, modality="pin-prick"),
            sense(DORSUM, L, N, modality="pin-prick"),
            reflex("plantar-response", L, INC),
        ]
        h = patterns(found, table)["brown-sequard"]
        assert h.side is L and h.confidence == "probable"
        # near miss: pin prick lost on both sides is not a hemicord split
        both = [*found[:-2], sense(DORSUM, L, modality="pin-prick"), found[-1]]
        assert "brown-sequard" not in patterns(both, table)

    def test_hemiparesis_with_umn_signs_is_central_not_a_root(self, table: Table) -> None:
        found = [
            motor("shoulder-abduction", L),
            motor("elbow-extension", L),
            motor("hip-flexion", L),
            motor("ankle-dorsiflexion", L),
            reflex("plantar-response", L, INC),
            reflex("reflex-biceps", L, INC),
        ]
        top = localize(found, table).hypotheses[0]
        assert top.pattern == "hemiparesis" and top.side is L
        # near miss: no UMN sign
        assert "hemiparesis" not in patterns(found[:4], table)


class TestDiffuse:
    def test_four_limb_areflexic_weakness_is_polyradiculoneuropathy_not_cauda_equina(
        self, table: Table
    ) -> None:
        found = [
            f
            for side in (L, R)
            for f in (
                motor("shoulder-abduction", side),
                motor("hip-flexion", side),
                motor("ankle-dorsiflexion", side),
                reflex("reflex-biceps", side, Polarity.ABSENT),
                reflex("reflex-patellar", side, Polarity.ABSENT),
                reflex("reflex-achilles", side, Polarity.ABSENT),
            )
        ]
        a = localize(found, table)
        assert a.hypotheses[0].pattern == "polyradiculoneuropathy"
        assert "cauda-equina" not in {h.pattern for h in a.hypotheses}
        assert a.urgent and "cauda equina" not in a.summary.split(":")[1]
        # near miss: reflexes kept is not the GBS pattern
        kept = [f for f in found if f.kind is not Kind.REFLEX]
        assert "polyradiculoneuropathy" not in patterns(kept, table)

    def test_bilateral_radicular_leg_signs_flag_cauda_equina_without_urgency(
        self, table: Table
    ) -> None:
        found = [
            reflex("reflex-achilles", L),
            motor("ankle-plantarflexion", L),
            sense(HEEL, L),
            reflex("reflex-achilles", R),  # the partial side
        ]
        a = localize(found, table)
        flagged = patterns(found, table)
        assert "bilateral-radiculopathy" in flagged and not a.urgent
        # one finding more: saddle loss makes it urgent
        assert localize([*found, sense(PERIANAL, R)], table).urgent

    def test_severe_weakness_of_both_legs_is_urgent(self, table: Table) -> None:
        found = [
            Finding(
                f"Observation/g{i}",
                Kind.MOTOR,
                "knee-extension",
                "knee-extension",
                Polarity.DECREASED,
                side,
                grade,
            )
            for i, (side, grade) in enumerate(((L, 2), (R, 3)))
        ]
        assert localize(found, table).urgent
        milder = [f._replace(grade=4) for f in found]
        assert not localize(milder, table).urgent

    def test_one_root_skin_on_both_sides_with_asymmetric_reflexes_is_not_a_stocking(
        self, table: Table
    ) -> None:
        found = [sense(DORSUM, L), sense(DORSUM, R), reflex("reflex-medial-hamstring", L)]
        assert "polyneuropathy" not in patterns(found, table)
        stocking = [sense(s, side) for s in (DORSUM, SOLE) for side in (L, R)]
        stocking += [reflex("reflex-achilles", side) for side in (L, R)]
        assert "polyneuropathy" in patterns(stocking, table)

    def test_polyneuropathy_explains_away_the_ankle_jerks_but_not_a_residual_l5(
        self, table: Table
    ) -> None:
        stocking = [sense(s, side) for s in (DORSUM, SOLE) for side in (L, R)]
        stocking += [reflex("reflex-achilles", side) for side in (L, R)]
        assert not any(h.confidence == "probable" for h in roots(stocking, table).values())
        l5 = [
            motor("great-toe-extension", L),
            motor("hip-abduction", L),
            reflex("reflex-medial-hamstring", L),
        ]
        assert roots(stocking + l5, table)[("L5", L)].confidence == "probable"

    def test_a_stocking_reaching_the_hallux_is_not_one_roots_skin(self, table: Table) -> None:
        # hallux (L4/L5, maps disagree), sole and heel (S1) on both sides, both ankle jerks:
        # the loss crosses dermatomes, and a site with no core root is not "one side only"
        stocking = [sense(s, side) for s in (GREAT_TOE, SOLE, HEEL) for side in (L, R)]
        stocking += [reflex("reflex-achilles", side, Polarity.ABSENT) for side in (L, R)]
        h = patterns(stocking, table)["polyneuropathy"]
        assert h.confidence == "probable" and not h.against
        assert not any(r.confidence == "probable" for r in roots(stocking, table).values())

    def test_proximal_weakness_on_one_side_is_a_second_lesion_not_against_the_neuropathy(
        self, table: Table
    ) -> None:
        stocking = [sense(s, side) for s in (GREAT_TOE, SOLE, HEEL) for side in (L, R)]
        stocking += [reflex("reflex-achilles", side, Polarity.ABSENT) for side in (L, R)]
        l5 = [
            motor("great-toe-extension", L),
            motor("hip-abduction", L),
            motor("ankle-inversion", L),
        ]
        found = patterns(stocking + l5, table)
        assert found["polyneuropathy"].confidence == "probable"
        ranked = localize(stocking + l5, table).hypotheses
        assert ranked[0].pattern == "polyneuropathy"
        assert ("L5", L) in roots(stocking + l5, table)
        assert not any(
            r.confidence == "probable"
            for (s, _), r in roots(stocking + l5, table).items()
            if s == "S1"
        )
        # near miss: proximal weakness of both legs argues for roots, not a neuropathy
        both = [motor("hip-flexion", side) for side in (L, R)]
        both += [motor("knee-extension", side) for side in (L, R)]
        assert "polyneuropathy" not in patterns(stocking[:6] + both, table)

    def test_scattered_weakness_on_one_side_is_not_a_root(self, table: Table) -> None:
        found = [
            motor("shoulder-abduction", L),
            motor("finger-abduction", L),
            motor("ankle-plantarflexion", L),
        ]
        assert "non-radicular-weakness" in patterns(found, table)
        assert not any(h.confidence == "probable" for h in roots(found, table).values())

    def test_weakness_of_three_limbs_without_sensory_or_reflex_loss_is_not_a_nerve_or_root(
        self, table: Table
    ) -> None:
        found = [
            f
            for side in (L, R)
            for f in (
                motor("shoulder-abduction", side),
                motor("hip-flexion", side),
                reflex("reflex-biceps", side, N),
                reflex("reflex-patellar", side, N),
                sense(THUMB, side, N),
            )
        ]
        top = localize(found, table).hypotheses[0]
        assert top.pattern == "non-radicular-weakness" and top.confidence == "probable"
        # near miss: areflexia makes it the GBS picture instead
        areflexic = [
            reflex(f.target, f.side, Polarity.ABSENT) if f.kind is Kind.REFLEX else f for f in found
        ]
        assert localize(areflexic, table).hypotheses[0].pattern == "polyradiculoneuropathy"
        # near miss: weakness of two limbs (both legs) is left to roots and cauda equina
        legs = [f for f in found if f.target != "shoulder-abduction"]
        assert "non-radicular-weakness" not in patterns(legs, table)


class TestNormalsAndSensory:
    def test_normal_strength_weighs_less_than_normal_sensation(self) -> None:
        assert w.normal_units(Kind.MOTOR, "great-toe-extension", False) < w.normal_units(
            Kind.SENSORY, DORSUM, False
        )
        assert w.normal_units(Kind.REFLEX, "reflex-medial-hamstring", False) > w.normal_units(
            Kind.REFLEX, "reflex-achilles", False
        )

    def test_vibration_is_not_root_evidence(self, table: Table) -> None:
        a = localize([sense(DORSUM, L, modality="vibration")], table)
        assert not [h for h in a.hypotheses if h.pattern == "radiculopathy"]
        assert any("not weighed" in c for c in a.caveats)

    def test_one_key_point_change_in_a_normal_exam_names_that_root_possible(
        self, table: Table
    ) -> None:
        normal = [
            sense(s, side, N, m)
            for s in (MED_MALLEOLUS, HEEL, MED_CONDYLE, THUMB, MIDDLE, LITTLE)
            for side in (L, R)
            for m in ("light-touch", "pin-prick")
        ]
        normal += [
            motor(m, side, N) for m in ("great-toe-extension", "hip-abduction") for side in (L, R)
        ]
        normal += [
            sense(DORSUM, L, N, "light-touch"),
            sense(DORSUM, R, N, "pin-prick"),
            sense(DORSUM, R, N, "light-touch"),
        ]
        a = localize([*normal, sense(DORSUM, L, modality="pin-prick")], table)
        assert a.hypotheses[0].segments == ("L5",) and a.hypotheses[0].confidence == "possible"
        assert "points to no" not in a.summary


class TestMimics:
    def test_wrist_drop_with_triceps_kept_is_radial(self, table: Table) -> None:
        found = [
            motor("wrist-extension", R),
            motor("finger-extension", R),
            motor("elbow-extension", R, N),
            reflex("reflex-triceps", R, N),
            motor("wrist-flexion", R, N),
        ]
        assert localize(found, table).hypotheses[0].pattern == "radial-neuropathy"
        near = [
            *found[:2],
            motor("elbow-extension", R),
            reflex("reflex-triceps", R),
            motor("wrist-flexion", R),
        ]
        assert "radial-neuropathy" not in patterns(near, table)

    def test_deltoid_alone_is_axillary_and_spinati_alone_suprascapular(self, table: Table) -> None:
        ax = [
            motor("shoulder-abduction", L),
            motor("elbow-flexion", L, N),
            reflex("reflex-biceps", L, N),
            motor("shoulder-external-rotation", L, N),
        ]
        assert localize(ax, table).hypotheses[0].pattern == "axillary-neuropathy"
        ss = [
            motor("shoulder-external-rotation", L),
            motor("shoulder-abduction", L, N),
            reflex("reflex-biceps", L, N),
        ]
        assert localize(ss, table).hypotheses[0].pattern == "suprascapular-neuropathy"
        c5 = [motor("shoulder-abduction", L), motor("elbow-flexion", L), reflex("reflex-biceps", L)]
        assert "axillary-neuropathy" not in patterns(c5, table)

    def test_sciatic_spares_the_gluteals_unlike_l5_s1(self, table: Table) -> None:
        found = [
            motor("ankle-dorsiflexion", L),
            motor("ankle-plantarflexion", L),
            motor("knee-flexion", L),
            motor("hip-abduction", L, N),
            motor("hip-extension", L, N),
        ]
        assert localize(found, table).hypotheses[0].pattern == "sciatic-neuropathy"
        gluteal = [*found[:3], motor("hip-abduction", L), motor("hip-extension", L, N)]
        assert "sciatic-neuropathy" not in patterns(gluteal, table)

    def test_tibial_spares_hamstrings_and_gluteus_maximus(self, table: Table) -> None:
        found = [
            motor("ankle-plantarflexion", R),
            sense(SOLE, R),
            reflex("reflex-achilles", R),
            motor("hip-extension", R, N),
            motor("knee-flexion", R, N),
        ]
        assert "tibial-neuropathy" in patterns(found, table)

    def test_plexopathy_says_it_cannot_be_told_from_roots(self, table: Table) -> None:
        found = [
            motor("hip-flexion", L),
            motor("hip-adduction", L),
            motor("knee-extension", L),
            reflex("reflex-patellar", L),
        ]
        h = patterns(found, table)["lumbosacral-plexopathy"]
        assert any("paraspinal" in r and "EMG" in r for r in h.reasons)

    def test_several_roots_muscles_on_one_side_leave_no_probable_single_root(
        self, table: Table
    ) -> None:
        lumbar = [
            motor("hip-flexion", R),
            motor("hip-adduction", R),
            motor("knee-extension", R),
            reflex("reflex-patellar", R, Polarity.ABSENT),
            sense(ANT_THIGH, R),
        ]
        gluteal = [motor("hip-abduction", R), motor("hip-extension", R)]
        a = localize(lumbar + gluteal, table)
        assert a.hypotheses[0].pattern in ("lumbosacral-plexopathy", "polyradiculopathy")
        assert a.hypotheses[0].segments != ("L3",)
        capped = [h for h in a.hypotheses if h.pattern == "radiculopathy"]
        assert capped and all(h.confidence == "possible" for h in capped)
        assert any("EMG/NCS" in r for h in capped for r in h.reasons)
        # near miss: weakness of two nerves that one root supplies is that root's myotome
        l2 = [motor("hip-flexion", L), motor("hip-adduction", L), sense(ANT_THIGH, L)]
        assert roots(l2, table)[("L2", L)].confidence == "probable"

    def test_a_root_with_evidence_beyond_the_plexus_picture_stays_probable(
        self, table: Table
    ) -> None:
        # quadriceps, adductors, iliopsoas and the knee jerk (lumbar plexus or roots) plus a weak
        # tibialis anterior (L4 through the sciatic nerve, outside the lumbar plexus)
        found = [
            motor("hip-flexion", L),
            motor("hip-adduction", L),
            motor("knee-extension", L),
            reflex("reflex-patellar", L, Polarity.ABSENT),
            sense(MED_MALLEOLUS, L),
        ]
        assert roots(found, table)[("L4", L)].confidence == "possible"
        with_ta = roots([*found, motor("ankle-dorsiflexion", L)], table)
        assert with_ta[("L4", L)].confidence == "probable"

    def test_a_reflex_coded_at_the_knee_joint_is_the_knee_jerk(self, table: Table) -> None:
        assert table.reflex_for_site("49076000").id == "reflex-patellar"
        assert table.reflex_for_site("70258002").id == "reflex-achilles"
