"""The 128 validation cases of the reference classifier (praxis ``isncsci``, specs/2019.json).

Each case goes through our core and must give the same 11 classification fields and 14 totals
as the reference's expected ``totals``.
"""

from __future__ import annotations

import typing as t

import pytest

from service.core.isncsci import classify, exam_from_praxis
from tests.isncsci_support import case_exam, case_expected, load_cases, ours

CASES = load_cases()


def test_all_128_reference_cases_are_vendored() -> None:
    assert len(CASES) == 128
    assert len({c["id"] for c in CASES}) == 128


@pytest.mark.parametrize("case", CASES, ids=[f"case-{c['id']}" for c in CASES])
def test_reference_case_classifies_as_expected(case: dict[str, t.Any]) -> None:
    result = classify(exam_from_praxis(case_exam(case)))
    assert ours(result) == case_expected(case)
