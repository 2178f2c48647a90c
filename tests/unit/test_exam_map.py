"""The exam map: per-dermatome sensory states and reflex/muscle markers, and its extension."""

from __future__ import annotations

import typing as t
from pathlib import Path

from service.core import Finding, Kind, Polarity, Side
from service.core.exam_map import exam_map, state_of
from service.fhir.write.exam_map import parse_exam_map, render_exam_map
from terminology import default_table
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

TABLE = default_table()


def _site(segment: str) -> str:
    """A SNOMED site whose only core segment is *segment* (looked up in the table)."""
    for site in TABLE.sites.values():
        if [w.segment for w in site.core] == [segment]:
            return site.code
    raise AssertionError(f"no site for {segment}")


def sensory(
    ref: str, segment: str, side: Side | None, polarity: Polarity, modality: str = "light-touch"
) -> Finding:
    return Finding(ref, Kind.SENSORY, _site(segment), modality, polarity, side)


def test_state_rules() -> None:
    assert [state_of(1, 0), state_of(0, 2), state_of(1, 1), state_of(0, 0)] == [
        "abnormal",
        "normal",
        "mixed",
        "untested",
    ]


def test_states_per_dermatome_and_side() -> None:
    found = exam_map(
        [
            sensory("o1", "L5", Side.LEFT, Polarity.DECREASED),
            sensory("o2", "L5", Side.LEFT, Polarity.ABSENT),
            sensory("o3", "L5", Side.RIGHT, Polarity.NORMAL),
            sensory("o4", "S1", Side.LEFT, Polarity.NORMAL),
            sensory("o5", "S1", Side.LEFT, Polarity.DECREASED),
            sensory("o6", "C6", Side.BILATERAL, Polarity.NORMAL),
            sensory("o7", "C7", None, Polarity.ABSENT),
            sensory("o8", "L4", Side.LEFT, Polarity.ABSENT, modality="vibration"),
            Finding(
                "o9", Kind.REFLEX, "reflex-achilles", "reflex-achilles", Polarity.ABSENT, Side.LEFT
            ),
        ],
        TABLE,
    )
    states = {(d.segment, d.side): d.state for d in found.dermatomes}
    assert states == {
        ("L5", "left"): "abnormal",
        ("L5", "right"): "normal",
        ("S1", "left"): "mixed",
        ("C6", "left"): "normal",
        ("C6", "right"): "normal",
    }
    assert found.unsided == 1  # C7 without a side counts on neither side; vibration is no test
    assert [(m.kind, m.segment, m.side, m.state) for m in found.markers] == [
        ("reflex", "S1", "left", "abnormal")
    ]


def test_extension_round_trips() -> None:
    found = exam_map(
        [
            sensory("o1", "L5", Side.LEFT, Polarity.DECREASED),
            Finding(
                "o2",
                Kind.MOTOR,
                "great-toe-extension",
                "great-toe-extension",
                Polarity.NORMAL,
                Side.RIGHT,
            ),
        ],
        TABLE,
    )
    extension = render_exam_map(found)
    assert parse_exam_map({"extension": [extension]}) == found
    assert parse_exam_map({}) is None


EXAM_MAP = "http://neuroroot.org/fhir/StructureDefinition/exam-map"
SAMPLES = sorted(
    p
    for p in (Path(__file__).parents[1] / "data" / "samples").glob("*.json")
    if not p.name.endswith(".expected.json")
)


def test_every_sample_result_carries_a_valid_exam_map(client: t.Any) -> None:
    """R4B and the official R4 schema (FHIR.js sees the same resources: tests/test_fhirjs.py)."""
    mapped = 0
    for sample in SAMPLES:
        answer = client.post(
            "/fhir/ClinicalImpression/$localize-root",
            data=sample.read_bytes(),
            headers=FHIR_HEADERS,
        )
        if answer.status_code != 200:
            continue
        resource = answer.get_json()
        assert_valid_r4(resource)
        extension = [e for e in resource["extension"] if e["url"] == EXAM_MAP]
        assert len(extension) == 1, sample.name
        found = parse_exam_map(resource)
        assert found is not None
        mapped += bool(found.dermatomes or found.markers)
    assert mapped >= len(SAMPLES) // 2 > 0
