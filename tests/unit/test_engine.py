"""The engine on its own: findings in, ranked hypotheses out (no Flask, no FHIR)."""

from __future__ import annotations

import itertools
import typing as t

import pytest

from service.core import Finding, Kind, Polarity, Side, localize
from service.core import weights as w
from terminology import Table

L, R = Side.LEFT, Side.RIGHT
_ids = itertools.count()


def sense(
    site: str,
    side: Side | None = L,
    polarity: Polarity = Polarity.DECREASED,
    modality: str = "light-touch",
) -> Finding:
    return Finding(f"Observation/s{next(_ids)}", Kind.SENSORY, site, modality, polarity, side)


def reflex(rid: str, side: Side | None = L, polarity: Polarity = Polarity.DECREASED) -> Finding:
    return Finding(f"Observation/r{next(_ids)}", Kind.REFLEX, rid, rid, polarity, side)


def motor(move: str, side: Side | None = L, polarity: Polarity = Polarity.DECREASED) -> Finding:
    return Finding(f"Observation/m{next(_ids)}", Kind.MOTOR, move, move, polarity, side)


NORMAL = Polarity.NORMAL
MEDIAL_MALLEOLUS, DORSUM, HEEL, GREAT_TOE, SOLE = (
    "6417001",
    "2402003",
    "76853006",
    "78883009",
    "37136002",
)
PERIANAL, THUMB, MIDDLE, LITTLE = "397158004", "76505004", "65531009", "12406000"


def top(findings: list[Finding], table: Table) -> t.Any:
    return localize(findings, table).hypotheses[0]


def root_score(findings: list[Finding], table: Table, segment: str, side: Side | None = L) -> float:
    hypotheses = localize(findings, table).hypotheses
    return next((h.score for h in hypotheses if h.segments == (segment,) and h.side is side), 0.0)


class TestRoots:
    def test_classic_three_kind_picture_is_a_probable_single_root(self, table: Table) -> None:
        h = top(
            [sense(MEDIAL_MALLEOLUS), reflex("reflex-patellar"), motor("ankle-dorsiflexion")], table
        )
        assert (h.pattern, h.segments, h.side, h.confidence) == (
            "radiculopathy",
            ("L4",),
            L,
            "probable",
        )
        assert h.text == "Left L4 radiculopathy"
        assert 0.5 < h.score <= 1.0

    def test_one_kind_of_evidence_is_only_possible_and_capped(self, table: Table) -> None:
        h = top([sense(DORSUM), sense("25763004"), sense("55078004")], table)
        assert h.segments == ("L5",) and h.confidence == "possible"
        assert h.score <= w.SINGLE_KIND_CAP

    def test_a_reflex_outweighs_a_key_point_sensation(self, table: Table) -> None:
        findings = [sense(MEDIAL_MALLEOLUS), reflex("reflex-achilles")]
        assert root_score(findings, table, "S1") > root_score(findings, table, "L4")

    def test_a_normal_core_finding_counts_against_its_segment(self, table: Table) -> None:
        base = [sense(DORSUM), motor("great-toe-extension")]
        assert root_score(
            base + [motor("hip-abduction", polarity=NORMAL)], table, "L5"
        ) < root_score(base, table, "L5")

    def test_the_great_toe_alone_leaves_l4_and_l5_both_possible(self, table: Table) -> None:
        hypotheses = localize([sense(GREAT_TOE)], table).hypotheses
        roots = {h.segments[0]: h for h in hypotheses if h.pattern == "radiculopathy"}
        assert {"L4", "L5"} <= set(roots)
        assert all(h.confidence == "possible" and h.score < 0.3 for h in roots.values())

    def test_findings_without_a_side_give_a_root_without_a_side(self, table: Table) -> None:
        h = top([sense(MEDIAL_MALLEOLUS, None), reflex("reflex-patellar", None)], table)
        assert h.side is None and h.text == "L4 radiculopathy (side not stated)"
        assert any(
            "did not state a side" in c for c in localize([sense(HEEL, None)], table).caveats
        )

    def test_adjacent_roots_with_their_own_evidence_give_a_two_root_hypothesis(
        self, table: Table
    ) -> None:
        findings = [
            sense(MEDIAL_MALLEOLUS),
            reflex("reflex-patellar"),
            motor("ankle-dorsiflexion"),
            sense(DORSUM),
            motor("great-toe-extension"),
            reflex("reflex-medial-hamstring"),
        ]
        pairs = [h for h in localize(findings, table).hypotheses if h.segments == ("L4", "L5")]
        assert pairs and pairs[0].pattern == "polyradiculopathy"

    def test_one_finding_spanning_two_roots_does_not_make_a_two_root_hypothesis(
        self, table: Table
    ) -> None:
        hypotheses = localize([motor("hip-adduction"), sense("61248009")], table).hypotheses
        assert not any(
            len(h.segments) == 2
            and h.score > max(x.score for x in hypotheses if len(x.segments) == 1)
            for h in hypotheses
        )

    def test_every_score_lies_in_zero_to_one_and_the_ranking_is_by_score(
        self, table: Table
    ) -> None:
        findings = [
            sense(s, side) for s in (DORSUM, HEEL, MEDIAL_MALLEOLUS, THUMB) for side in (L, R)
        ]
        findings += [
            reflex(r, side) for r in ("reflex-achilles", "reflex-patellar") for side in (L, R)
        ]
        scores = [h.score for h in localize(findings, table).hypotheses]
        assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)


class TestPatterns:
    def test_a_symmetric_stocking_loss_with_both_ankle_jerks_is_polyneuropathy(
        self, table: Table
    ) -> None:
        findings = [sense(s, side) for s in (DORSUM, SOLE) for side in (L, R)]
        findings += [reflex("reflex-achilles", side) for side in (L, R)]
        findings += [reflex("reflex-patellar", side, NORMAL) for side in (L, R)]
        h = top(findings, table)
        assert h.pattern == "polyneuropathy" and h.side is Side.BILATERAL

    def test_one_sided_distal_loss_is_not_polyneuropathy(self, table: Table) -> None:
        hypotheses = localize(
            [sense(DORSUM), sense(SOLE), reflex("reflex-achilles")], table
        ).hypotheses
        assert all(h.pattern != "polyneuropathy" for h in hypotheses)

    def test_any_saddle_loss_is_an_urgent_cauda_equina_flag(self, table: Table) -> None:
        assessment = localize([sense(PERIANAL, L)], table)
        assert assessment.urgent and assessment.summary.startswith("URGENT")
        assert any(h.pattern == "cauda-equina" and h.urgent for h in assessment.hypotheses)

    def test_bilateral_root_signs_flag_possible_cauda_equina_but_not_urgent(
        self, table: Table
    ) -> None:
        # issue 11: bilateral radicular leg signs flag possible CES (sphincter history, PVR,
        # MRI); URGENT follows the guideline triggers only (clinical-rules-2 section 9)
        findings = [
            f
            for side in (L, R)
            for f in (
                sense("35739000", side),
                reflex("reflex-achilles", side),
                motor("ankle-plantarflexion", side),
                motor("hip-extension", side),
            )
        ]
        assessment = localize(findings, table)
        ces = [h for h in assessment.hypotheses if h.pattern == "bilateral-radiculopathy"]
        assert ces and not ces[0].urgent and not assessment.urgent
        assert any("post-void residual" in r for r in ces[0].reasons)

    def test_upper_motor_neuron_signs_are_myelopathy_not_a_root(self, table: Table) -> None:
        findings = [
            reflex("hoffmann", R, Polarity.INCREASED),
            reflex("plantar-response", L, Polarity.INCREASED),
            reflex("clonus", L, Polarity.INCREASED),
        ]
        h = top(findings, table)
        assert h.pattern == "myelopathy" and h.text == "Cervical myelopathy" and h.score >= 0.8
        assert all(x.pattern != "radiculopathy" for x in localize(findings, table).hypotheses)

    def test_foot_drop_with_normal_inversion_and_hip_abduction_is_peroneal(
        self, table: Table
    ) -> None:
        findings = [
            motor("ankle-dorsiflexion"),
            motor("great-toe-extension"),
            sense(DORSUM),
            motor("ankle-inversion", polarity=NORMAL),
            motor("hip-abduction", polarity=NORMAL),
        ]
        assert top(findings, table).pattern == "peroneal-neuropathy"

    def test_foot_drop_with_weak_inversion_is_l5_not_peroneal(self, table: Table) -> None:
        findings = [
            motor("ankle-dorsiflexion"),
            motor("great-toe-extension"),
            sense(DORSUM),
            motor("ankle-inversion"),
            motor("hip-abduction", polarity=NORMAL),
        ]
        hypotheses = localize(findings, table).hypotheses
        assert hypotheses[0].segments == ("L5",)
        assert all(h.pattern != "peroneal-neuropathy" for h in hypotheses)

    def test_a_mimic_needs_a_discriminating_finding_to_be_reported(self, table: Table) -> None:
        hypotheses = localize([motor("ankle-dorsiflexion"), sense(DORSUM)], table).hypotheses
        assert all(h.pattern != "peroneal-neuropathy" for h in hypotheses)

    def test_ulnar_numbness_with_a_spared_medial_forearm_and_apb_is_ulnar_neuropathy(
        self, table: Table
    ) -> None:
        findings = [
            sense(LITTLE, R),
            sense("82002001", R),
            sense("731076007", R, NORMAL),
            motor("thumb-abduction", R, NORMAL),
        ]
        assert top(findings, table).pattern == "ulnar-neuropathy"

    def test_median_numbness_with_normal_c6_reflexes_is_carpal_tunnel(self, table: Table) -> None:
        findings = [
            sense(THUMB),
            sense(MIDDLE),
            sense("83738005"),
            reflex("reflex-biceps", polarity=NORMAL),
            reflex("reflex-brachioradialis", polarity=NORMAL),
            motor("thumb-abduction"),
        ]
        assert top(findings, table).pattern == "carpal-tunnel"


class TestContract:
    def test_no_abnormal_finding_localizes_nothing(self, table: Table) -> None:
        assessment = localize(
            [sense(DORSUM, L, NORMAL), reflex("reflex-achilles", R, NORMAL)], table
        )
        assert not assessment.localized and assessment.hypotheses == ()
        assert "did not localize" in assessment.summary

    @pytest.mark.parametrize("seed", range(5))
    def test_the_answer_does_not_depend_on_the_order_of_findings(
        self, table: Table, seed: int
    ) -> None:
        import random

        findings = [
            sense(MEDIAL_MALLEOLUS),
            reflex("reflex-patellar"),
            motor("ankle-dorsiflexion"),
            sense(DORSUM, R),
            sense(GREAT_TOE),
            motor("ankle-inversion", polarity=NORMAL),
        ]
        shuffled = findings[:]
        random.Random(seed).shuffle(shuffled)
        assert localize(findings, table) == localize(shuffled, table)

    def test_every_hypothesis_explains_itself(self, table: Table) -> None:
        for h in localize(
            [sense(HEEL), reflex("reflex-achilles"), motor("ankle-plantarflexion")], table
        ).hypotheses:
            assert h.reasons and h.support
            assert all(e.ref.startswith("Observation/") and e.weight > 0 for e in h.support)


def test_a_root_without_a_side_keeps_its_capital_in_the_summary(table: Table) -> None:
    """A root with no side reads "L4 radiculopathy (side not stated)" mid-sentence, not "l4"."""
    a = localize([reflex("reflex-patellar", None, Polarity.ABSENT)], table)
    assert a.summary.startswith("Most likely: L4 radiculopathy (side not stated)"), a.summary
    assert " l3" not in a.summary and " l4" not in a.summary
    sided = localize([reflex("reflex-patellar", L, Polarity.ABSENT)], table)
    assert sided.summary.startswith("Most likely: left L4 radiculopathy"), sided.summary


def test_an_eponym_keeps_its_capital_in_the_summary(table: Table) -> None:
    a = localize(
        [
            motor("hip-flexion", L),
            motor("knee-extension", L),
            motor("ankle-dorsiflexion", L),
            sense("78883009", L, modality="vibration"),
            reflex("plantar-response", L, Polarity.INCREASED),
            sense("2402003", R, modality="pin-prick"),
            sense("122474001", R, modality="pin-prick"),
            sense("61248009", R, modality="pin-prick"),
        ],
        table,
    )
    assert a.hypotheses[0].pattern == "brown-sequard"
    assert a.summary.startswith("Most likely: Brown-Sequard syndrome"), a.summary


def test_a_repeated_finding_counts_once_with_a_note(table: Table) -> None:
    """An export that repeats a row (same test, site, side, result; another id) must not double
    that finding's weight or change the reading."""
    exam = [
        reflex("reflex-achilles", L, Polarity.ABSENT),
        motor("ankle-plantarflexion", L),
        sense("699909001", L),
    ]
    repeated = [*exam, exam[1]._replace(ref="Observation/zz-repeat")]
    once, twice = localize(exam, table), localize(repeated, table)
    assert [(h.text, h.score, h.confidence) for h in twice.hypotheses] == [
        (h.text, h.score, h.confidence) for h in once.hypotheses
    ]
    assert any("Observation/zz-repeat" in c and "counted once" in c for c in twice.caveats)
    assert "Observation/zz-repeat" in twice.used
