"""Completeness and the ASIA Impairment Scale (ISNCSCI 2019, steps 4-5).

- Complete (A): no sacral sparing: VAC No, DAP No, light touch and pin prick 0 at S4-5 on both
  sides.
- B: sensory sacral sparing, and no motor function more than three levels below the motor
  level on either side (key *or* non-key muscles, worksheet footnote).
- C or D: motor incomplete, i.e. VAC present, or sensory sparing with motor function (key or
  non-key muscle) more than three levels below the motor level on a side. C versus D counts
  *key* muscles below the NLI only: D when at least half grade 3 or more.
- E: everything normal (praxis still answers E for a never-injured exam; so do we).

An NT item gives every grade it allows; a grade that holds only because of a tagged item gets
a star. Pure functions, no I/O.
"""

from __future__ import annotations

import typing as t

from .exam import MOTOR_LEVELS, AnalFinding, Exam, Side
from .levels import INDEX, neurological_level
from .result import Step

__all__ = ["asia_impairment_scale", "injury_complete"]

_S45_MAY_BE_ABSENT = frozenset({"0", "NT", "0*", "NT*"})
_MAY_BE_BELOW_3 = frozenset({"0", "1", "2", "NT", "NT*"})
_BELOW_3_TAGGED = frozenset({"0*", "1*", "2*"})
_CERTAINLY_BELOW_3 = frozenset({"0", "1", "2"})
_BELOW_3_ANY_TAG = frozenset({"0*", "1*", "2*", "0**", "1**", "2**"})
_MAY_BE_WITHOUT_FUNCTION = frozenset({"0", "NT", "NT*", "0*"})


class Verdict(t.NamedTuple):
    holds: bool
    starred: bool


def _s45(exam: Exam) -> tuple[str, str, str, str]:
    r, left = exam.right, exam.left
    return (
        r.light_touch["S4_5"],
        r.pin_prick["S4_5"],
        left.light_touch["S4_5"],
        left.pin_prick["S4_5"],
    )


def injury_complete(exam: Exam, steps: list[Step]) -> str:
    """``C`` (no sacral sparing), ``I``, or the possibilities when an item is NT or tagged."""
    vac, dap = exam.voluntary_anal_contraction, exam.deep_anal_pressure
    sacral = _s45(exam)
    say = steps.append
    if vac is AnalFinding.NO and dap is AnalFinding.NO:
        if all(v == "0" for v in sacral):
            say(
                Step(
                    "injury_complete",
                    "Complete: no VAC, no DAP, no light touch or pin prick at S4-5.",
                )
            )
            return "C"
        if all(v in ("0", "0*") for v in sacral):
            say(
                Step(
                    "injury_complete",
                    "Complete or incomplete: S4-5 sensation 0 tagged not due to SCI.",
                )
            )
            return "C*,I*"
        if all(v in ("0", "0**") for v in sacral):
            say(Step("injury_complete", "Incomplete: S4-5 sensation 0 tagged, considered normal."))
            return "I*"
    if (
        vac is not AnalFinding.YES
        and dap is not AnalFinding.YES
        and all(v in _S45_MAY_BE_ABSENT for v in sacral)
    ):
        say(Step("injury_complete", "Complete or incomplete: sacral sparing not testable."))
        return "C,I"
    say(Step("injury_complete", "Incomplete: sacral sparing (VAC, DAP or S4-5 sensation) present."))
    return "I"


def _first_muscle_below(level_index: int) -> int:
    """Index in MOTOR_LEVELS of the first key muscle at or below the level at ``level_index``."""
    if level_index <= INDEX["C4"]:
        return 0
    if level_index <= INDEX["T1"]:
        return level_index - INDEX["C5"]
    if level_index <= INDEX["L1"]:
        return 5
    if level_index <= INDEX["S1"]:
        return level_index - INDEX["L2"] + 5
    return len(MOTOR_LEVELS)


def _levels(text: str) -> list[str]:
    return [part.rstrip("*") for part in text.split(",")]


def _more_than_three_below(level: str) -> int:
    return len(MOTOR_LEVELS) if level == "INT" else _first_muscle_below(INDEX[level] + 4)


def _sensory_sparing(exam: Exam) -> Verdict:
    sacral = _s45(exam)
    dap = exam.deep_anal_pressure
    return Verdict(
        dap is not AnalFinding.NO or any(v != "0" for v in sacral),
        dap is AnalFinding.NO
        and any(v != "0" for v in sacral)
        and all(v in ("0", "0*", "0**") for v in sacral),
    )


def _may_lack_motor_below(side: Side, motor_levels: str) -> Verdict:
    """Can the side have no motor function more than three levels below its motor level?"""
    starred = False
    for level in _levels(motor_levels):
        lacking = True
        for muscle in MOTOR_LEVELS[_more_than_three_below(level) :]:
            grade = side.motor[muscle]
            starred = starred or grade in ("0*", "0**")
            if grade not in _MAY_BE_WITHOUT_FUNCTION or muscle == side.lowest_non_key_muscle:
                lacking = False
                break
        if lacking:
            return Verdict(True, starred)
    return Verdict(False, False)


def _may_have_motor_below(side: Side, motor_levels: str) -> Verdict:
    """Can the side have motor function (key or non-key) more than three levels below?"""
    for level in _levels(motor_levels):
        for muscle in MOTOR_LEVELS[_more_than_three_below(level) :]:
            if side.motor[muscle] != "0" or muscle == side.lowest_non_key_muscle:
                return Verdict(True, side.motor[muscle] == "0**")
    return Verdict(False, False)


def _may_be_grade_c(exam: Exam, nli: str) -> Verdict:
    """Can fewer than half the key muscles below the NLI grade 3 or more?"""
    for level in _levels(nli):
        first = _first_muscle_below(INDEX["S4_5"] if level == "INT" else INDEX[level] + 1)
        half = len(MOTOR_LEVELS) - first
        weak = tagged = 0
        for muscle in MOTOR_LEVELS[first:]:
            for grade in (exam.left.motor[muscle], exam.right.motor[muscle]):
                if grade in _MAY_BE_BELOW_3:
                    weak += 1
                elif grade in _BELOW_3_TAGGED:
                    weak += 1
                    tagged += 1
            if weak - tagged > half:
                return Verdict(True, False)
        if weak > half >= weak - tagged:
            return Verdict(True, True)
    return Verdict(False, False)


def _may_be_grade_d(exam: Exam, nli: str) -> Verdict:
    """Can at least half the key muscles below the NLI grade 3 or more?"""
    verdict = Verdict(False, False)
    for level in _levels(nli):
        if level == "INT":
            break
        first = _first_muscle_below(INDEX[level] + 1)
        half = len(MOTOR_LEVELS) - first
        if half == 0:
            return Verdict(True, False)
        strong = tagged = 0
        for muscle in MOTOR_LEVELS[first:]:
            for grade in (exam.left.motor[muscle], exam.right.motor[muscle]):
                strong += grade not in _CERTAINLY_BELOW_3
                tagged += grade in _BELOW_3_ANY_TAG
            if strong - tagged >= half:
                return Verdict(True, False)
        if strong >= half:
            verdict = Verdict(True, verdict.starred or strong - tagged < half)
    return verdict


def asia_impairment_scale(
    exam: Exam, complete: str, motor_right: str, motor_left: str, nli: str, steps: list[Step]
) -> str:
    """The AIS grade (``A``...``E``), or every possible grade, comma-separated."""
    vac = exam.voluntary_anal_contraction
    say = steps.append
    if nli in ("INT", "INT*") and vac is AnalFinding.YES:
        say(
            Step("asia_impairment_scale", "E: sensation and motor function normal in all segments.")
        )
        return "E" + nli[3:]
    grades: list[str] = []
    if "C" in complete:
        grades.append("A*" if "*" in complete else "A")
        say(Step("asia_impairment_scale", "A possible: no sacral sparing."))
    sparing = _sensory_sparing(exam)
    right_lacks = _may_lack_motor_below(exam.right, motor_right)
    left_lacks = _may_lack_motor_below(exam.left, motor_left)
    if sparing.holds and vac is not AnalFinding.YES and right_lacks.holds and left_lacks.holds:
        starred = sparing.starred or (
            vac is AnalFinding.NO and (right_lacks.starred or left_lacks.starred)
        )
        grades.append("B*" if starred else "B")
        say(
            Step(
                "asia_impairment_scale",
                "B possible: sensory sacral sparing without motor function more than three levels "
                "below the motor level on either side.",
            )
        )
    incomplete = _motor_incomplete(exam, motor_right, motor_left)
    if incomplete.holds:
        why = (
            "voluntary anal contraction"
            if vac is not AnalFinding.NO
            else "sacral sensory sparing, motor function over three levels below a motor level"
        )
        grade_c = _may_be_grade_c(exam, nli)
        if grade_c.holds:
            plain = exam.without_stars()
            unstarred = _may_be_grade_c(plain, neurological_level(plain))
            starred = grade_c.starred or incomplete.starred or not unstarred.holds
            grades.append("C*" if starred else "C")
            say(
                Step(
                    "asia_impairment_scale",
                    f"C possible: motor incomplete ({why}), fewer than half "
                    "the key muscles below the NLI grade 3 or more.",
                )
            )
        grade_d = _may_be_grade_d(exam, nli)
        if grade_d.holds:
            grades.append("D*" if grade_d.starred or incomplete.starred else "D")
            say(
                Step(
                    "asia_impairment_scale",
                    f"D possible: motor incomplete ({why}), at least half "
                    "the key muscles below the NLI grade 3 or more.",
                )
            )
    if vac is not AnalFinding.NO and "INT" in nli:
        grades.append("E*" if "INT*" in nli else "E")
        say(Step("asia_impairment_scale", "E possible: the NLI may be intact."))
    return ",".join(grades)


def _motor_incomplete(exam: Exam, motor_right: str, motor_left: str) -> Verdict:
    if exam.voluntary_anal_contraction is not AnalFinding.NO:
        return Verdict(True, False)
    if not _sensory_sparing(exam).holds:
        return Verdict(False, False)
    right = _may_have_motor_below(exam.right, motor_right)
    left = _may_have_motor_below(exam.left, motor_left)
    if right.holds or left.holds:
        return Verdict(True, right.starred or left.starred)
    return Verdict(False, False)
