"""The engine's indexes of an exam (service.core.patterns.Exam) answer what a scan would.

The detectors ask the same questions many times per exam, so Exam looks each finding's table
row up once and keeps the sensory findings by nerve (issue 6). These properties compare the
indexes with the plain scans they replace, on generated exams with every side.
"""

from __future__ import annotations

import typing as t

from hypothesis import given, settings
from hypothesis import strategies as st

from service.core.evidence import contributions, mapping_of
from service.core.model import Finding, Kind, Polarity, Side
from service.core.patterns import Exam
from terminology import load_table
from terminology.codes import REGIONS

from ..strategies import exams, to_finding

TABLE = load_table()
NERVES = sorted({nerve for site in TABLE.sites.values() for nerve in site.nerves})
PROPERTY = settings(max_examples=300, derandomize=True, deadline=None, database=None)


def _scan(exam: Exam, side: Side | None, pick: t.Callable[[t.Any], bool]) -> list[Finding]:
    """The plain scan the indexes replace: sensory findings on *side* whose site row *pick*s."""
    return [
        f
        for f in exam.findings
        if f.kind is Kind.SENSORY
        and (row := mapping_of(f, TABLE)) is not None
        and (side is None or f.side in (side, Side.BILATERAL))
        and pick(row)
    ]


SIDES = st.sampled_from([Side.LEFT, Side.RIGHT, Side.BILATERAL, None])


@PROPERTY
@given(data=st.data(), items=exams(TABLE, min_size=2, max_size=16), side=SIDES)
def test_territory_is_the_scan_of_the_sensory_findings(
    data: st.DataObject, items: list, side: Side | None
) -> None:
    findings = [to_finding(item, f"Observation/o{i}") for i, item in enumerate(items)]
    exam = Exam(findings, TABLE)
    rows = [exam.rows[id(f)] for f in findings if f.kind is Kind.SENSORY]
    present = sorted({nerve for row in rows if row is not None for nerve in row.nerves})
    # mostly nerves the exam's findings lie in, so that the union and its order are exercised
    names = st.sampled_from(present or NERVES) | st.sampled_from(NERVES)
    nerves = data.draw(st.sets(names, min_size=1, max_size=4))
    scanned = _scan(exam, side, lambda row: not nerves.isdisjoint(row.nerves))
    assert exam.territory(nerves, side) == scanned


@PROPERTY
@given(items=exams(TABLE, min_size=2, max_size=16), side=SIDES, distal=st.booleans())
def test_zones_and_saddle_are_the_scans_of_the_sensory_findings(
    items: list, side: Side | None, distal: bool
) -> None:
    findings = [to_finding(item, f"Observation/o{i}") for i, item in enumerate(items)]
    exam = Exam(findings, TABLE)
    for region in REGIONS:
        scanned = _scan(exam, side, lambda row, r=region: row.region == r and row.distal is distal)
        assert exam.zone(region, distal, side) == scanned
    saddle = {"S3", "S4-5"}
    assert exam.saddle == _scan(exam, None, lambda row: any(w.segment in saddle for w in row.core))


@PROPERTY
@given(items=exams(TABLE, min_size=1, max_size=12))
def test_rows_and_contributions_match_a_lookup_per_finding(items: list) -> None:
    findings = [to_finding(item, f"Observation/o{i}") for i, item in enumerate(items)]
    exam = Exam(findings, TABLE)
    assert [exam.rows[id(f)] for f in findings] == [mapping_of(f, TABLE) for f in findings]
    assert contributions(findings, TABLE, exam.rows) == contributions(findings, TABLE)


def test_a_site_in_two_territories_is_found_once_in_their_union() -> None:
    site = next(s for s in TABLE.sites.values() if len(s.nerves) >= 2)
    finding = Finding(
        "Observation/o1", Kind.SENSORY, site.code, "light-touch", Polarity.DECREASED, Side.LEFT
    )
    exam = Exam([finding], TABLE)
    assert exam.territory(set(site.nerves), Side.LEFT) == [finding]
    assert exam.territory(set(site.nerves), Side.RIGHT) == []
