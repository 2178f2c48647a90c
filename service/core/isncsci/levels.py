"""Sensory levels, motor levels and the neurological level of injury (ISNCSCI 2019, steps 1-3).

Each level is found by walking down the key points from C1 and *probing* the next one: may the
walk go on (everything so far can be normal), may it stop here (this level is a possible
answer), and did a starred item decide it. An NT item lets both happen, which is how every
possible answer is listed. The star rules are the reference classifier's (praxis ``isncsci``
2.0.6): a tag marks the answer once it decided whether the walk continued.

Motor levels in regions without key muscles (C1-C4, T2-L1, S2-S5) follow sensation; at T1 and
S1 (the last key muscle of each limb) the motor level also needs intact sensation down to the
next key point block. Pure functions, no I/O.
"""

from __future__ import annotations

import typing as t

from .exam import KEY_MUSCLES, MOTOR_LEVELS, SENSORY_LEVELS, AnalFinding, Exam, Side
from .result import Step

__all__ = ["LEVELS", "motor_level", "neurological_level", "sensory_level"]

#: every level a classification can name, C1 (above the first key point) to S4-5.
LEVELS: tuple[str, ...] = ("C1", *SENSORY_LEVELS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(LEVELS)}

_SENSORY_ABNORMAL = frozenset({"0", "1", "0*", "1*"})
_SENSORY_NT_STARRED_NORMAL = frozenset({"0**", "1**"})
_MOTOR_WEAK = frozenset({"0", "1", "2"})  # certainly below 3
_MOTOR_WEAK_TAGGED = frozenset({"0*", "1*", "2*"})
_MOTOR_MAY_BE_WEAK = _MOTOR_WEAK | _MOTOR_WEAK_TAGGED | {"NT", "NT*"}
_MOTOR_WEAK_NORMAL_TAG = frozenset({"0**", "1**", "2**"})
_MOTOR_NOT_NORMAL_TAG = frozenset({"0*", "1*", "2*", "NT*"})
_MOTOR_UNSTARRED_NON_NORMAL = frozenset({"3", "4", "3*", "4*", "NT"})
_BLOCKS = {"T1": ("C4", "T1"), "S1": ("L1", "S1")}  # key-muscle block ends -> levels to check


class Probe(t.NamedTuple):
    """What one level contributes to a walk."""

    goes_on: bool  #: the walk may continue below this level
    label: str | None  #: this level is a possible answer (with its star), else None
    starred: bool  #: the walk's star flag after this level
    why: str | None = None  #: the reason, when the level matters


def _mark(level: str, starred: bool) -> str:
    return level + "*" if starred else level


def _pair(side: Side, level: str) -> tuple[str, str]:
    if level == "C1":
        return "2", "2"
    return side.light_touch[level], side.pin_prick[level]


def _display(level: str) -> str:
    return "S4-5" if level == "S4_5" else level


def probe_sensory(side: Side, level: str, below: str, starred: bool) -> Probe:
    """May ``level`` be the sensory level, judging by the key point ``below`` it?"""
    lt, pp = _pair(side, below)
    if lt == "2" and pp == "2":
        return Probe(True, None, starred)
    seen = f"{_display(below)} light touch {lt}, pin prick {pp}"
    if lt in _SENSORY_ABNORMAL or pp in _SENSORY_ABNORMAL:
        return Probe(False, _mark(level, starred), starred, f"{seen}: not normal")
    if "NT*" in (lt, pp):
        return Probe(False, level + "*", True, f"{seen}: not testable, tagged not normal")
    if "NT" in (lt, pp):
        taints = lt in _SENSORY_NT_STARRED_NORMAL or pp in _SENSORY_NT_STARRED_NORMAL
        return Probe(
            True,
            _mark(level, starred),
            starred or taints,
            f"{seen}: not testable, may be normal or not",
        )
    return Probe(True, None, True, f"{seen}: tagged, considered normal")


def probe_key_muscle(side: Side, muscle: str, below: str, starred: bool) -> Probe:
    """May ``muscle``'s level be the motor level (grade 3 or more here, normal above, and the
    muscle ``below`` possibly weaker than 3)?  ``below == muscle`` at the end of a limb."""
    here, under = side.motor[muscle], side.motor[below]
    here_normal = here == "5" or here.endswith("**")
    goes_on = (here_normal or here == "NT") and under not in _MOTOR_WEAK
    listed = not here_normal or under in _MOTOR_MAY_BE_WEAK
    label = None
    if listed:
        forced = here in _MOTOR_NOT_NORMAL_TAG or (
            here in _MOTOR_WEAK_NORMAL_TAG and under in _MOTOR_MAY_BE_WEAK - _MOTOR_WEAK
        )
        label = muscle + "*" if forced else _mark(muscle, starred)
    if here in _MOTOR_UNSTARRED_NON_NORMAL or here == "5":
        taints = here == "5" and under in _MOTOR_WEAK_NORMAL_TAG
    elif here.endswith("**"):
        taints = under not in _MOTOR_WEAK
    else:
        taints = True
    why = f"{muscle} {KEY_MUSCLES[muscle]} {here}" + (
        f", {below} {KEY_MUSCLES[below]} {under}" if below != muscle else ""
    )
    return Probe(goes_on, label, starred or taints, why if listed or not goes_on else None)


def probe_before_key_muscles(side: Side, level: str, first: str, starred: bool) -> Probe:
    """C4 or L1: may the motor level stop above the first key muscle ``first`` (C5 or L2)?"""
    grade = side.motor[first]
    listed = grade in _MOTOR_MAY_BE_WEAK
    return Probe(
        grade not in _MOTOR_WEAK,
        _mark(level, starred) if listed else None,
        starred or grade in _MOTOR_WEAK_NORMAL_TAG,
        f"{first} {KEY_MUSCLES[first]} {grade}" if listed else None,
    )


def _block_sensation(side: Side, last_muscle: str) -> Probe:
    """Is sensation intact across the block of the limb ending at ``last_muscle``?"""
    start, end = _BLOCKS[last_muscle]
    goes_on, label, starred = True, None, False
    for level in LEVELS[INDEX[start] : INDEX[end] + 1]:
        probe = probe_sensory(side, level, LEVELS[INDEX[level] + 1], False)
        goes_on = goes_on and probe.goes_on
        label = probe.label or label
        starred = starred or probe.starred
    return Probe(goes_on, label, starred)


def probe_last_key_muscle(side: Side, muscle: str, starred: bool) -> Probe:
    """T1 or S1: the last key muscle of a limb also needs intact sensation in the block below."""
    grade = side.motor[muscle]
    sensed = _block_sensation(side, muscle)
    grade_normal = grade == "5" or grade.endswith("**")
    goes_on = (
        not (grade in {"3", "4", "3*", "4*"} or grade in _MOTOR_NOT_NORMAL_TAG) and sensed.goes_on
    )
    label = None
    if grade == "NT" or not (grade_normal and sensed.goes_on and not sensed.label):
        forced = grade in _MOTOR_NOT_NORMAL_TAG or (
            grade in _MOTOR_WEAK_NORMAL_TAG and (sensed.label is not None or not sensed.goes_on)
        )
        label = muscle + "*" if forced else _mark(muscle, starred)
    taints = (
        grade in _MOTOR_NOT_NORMAL_TAG
        or grade in _MOTOR_WEAK_NORMAL_TAG
        or (grade in {"3**", "4**", "NT**"} and sensed.goes_on)
        or (grade in {"5", "NT"} and sensed.goes_on and sensed.starred and not sensed.label)
    )
    why = f"{muscle} {KEY_MUSCLES[muscle]} {grade}" + (
        "" if sensed.goes_on and not sensed.label else ", sensation below not certainly intact"
    )
    return Probe(goes_on, label, starred or taints, why if label or not goes_on else None)


def sensory_level(side: Side, name: str, steps: list[Step]) -> str:
    """The most caudal level with normal light touch and pin prick, and all above normal."""
    element = f"sensory_level_{name}"
    found: list[str] = []
    starred = False
    for level in LEVELS[:-1]:
        probe = probe_sensory(side, level, LEVELS[INDEX[level] + 1], starred)
        starred = probe.starred
        if probe.label:
            found.append(probe.label)
            steps.append(
                Step(element, f"{name.capitalize()} sensory level may be {level}: {probe.why}.")
            )
        if not probe.goes_on:
            return ",".join(found)
    found.append(_mark("INT", starred))
    steps.append(Step(element, f"{name.capitalize()} sensation is intact down to S4-5 (INT)."))
    return ",".join(found)


def motor_level(side: Side, name: str, vac: AnalFinding, steps: list[Step]) -> str:
    """The most caudal key muscle graded 3 or more with every level above normal.

    Where no key muscle is tested the motor level follows sensation; below S3 it depends on
    voluntary anal contraction (S4-5 motor function).
    """
    element = f"motor_level_{name}"
    found: list[str] = []
    starred = False
    for level in LEVELS:
        if level in ("C4", "L1"):
            probe = probe_before_key_muscles(side, level, LEVELS[INDEX[level] + 1], starred)
        elif level in ("T1", "S1"):
            probe = probe_last_key_muscle(side, level, starred)
        elif level in MOTOR_LEVELS:
            following = MOTOR_LEVELS[MOTOR_LEVELS.index(level) + 1]
            probe = probe_key_muscle(side, level, following, starred)
        elif level != "S4_5":
            probe = probe_sensory(side, level, LEVELS[INDEX[level] + 1], starred)
        else:
            return ",".join(_motor_level_at_s45(found, starred, vac, name, steps))
        starred = probe.starred
        if probe.label:
            found.append(probe.label)
            steps.append(
                Step(element, f"{name.capitalize()} motor level may be {level}: {probe.why}.")
            )
        if not probe.goes_on:
            break
    return ",".join(found)


def _motor_level_at_s45(
    found: list[str], starred: bool, vac: AnalFinding, name: str, steps: list[Step]
) -> list[str]:
    element = f"motor_level_{name}"
    s3_listed = "S3" in found or "S3*" in found
    if vac is AnalFinding.NO:
        if not s3_listed:
            found.append(_mark("S3", starred))
        steps.append(
            Step(element, f"{name.capitalize()} motor level S3: no voluntary anal contraction.")
        )
    elif vac is AnalFinding.NT:
        if not s3_listed:
            found.append(_mark("S3", starred))
        found.append(_mark("INT", starred))
        steps.append(
            Step(
                element,
                f"{name.capitalize()} motor level S3 or INT: anal contraction not testable.",
            )
        )
    else:
        found.append(_mark("INT", starred))
        steps.append(
            Step(element, f"{name.capitalize()} motor function intact, with anal contraction.")
        )
    return found


def neurological_level(exam: Exam, steps: list[Step] | None = None) -> str:
    """The most caudal level where sensation and motor function are normal on both sides."""
    found: list[str] = []
    starred = False
    for level in LEVELS[:-1]:
        below = LEVELS[INDEX[level] + 1]
        left = probe_sensory(exam.left, level, below, starred)
        right = probe_sensory(exam.right, level, below, starred)
        label = None
        if left.label or right.label:
            both_starred = bool(
                left.label and right.label and "*" in left.label and "*" in right.label
            )
            label = level + "*" if both_starred else _mark(level, starred)
        goes_on = left.goes_on and right.goes_on
        after = starred or left.starred or right.starred
        reasons = [
            f"right {right.why}" if right.label else "",
            f"left {left.why}" if left.label else "",
        ]
        if level in ("C4", "L1") or level in MOTOR_LEVELS:
            lm, rm = (_nli_motor_probe(side, level, starred) for side in (exam.left, exam.right))
            if lm.label or rm.label or label:
                both = bool(lm.label and rm.label and ("*" in lm.label or "*" in rm.label))
                label = level + "*" if both else _mark(level, starred)
            if goes_on:
                goes_on = lm.goes_on and rm.goes_on
                after = after or lm.starred or rm.starred
            reasons += [f"right {rm.why}" if rm.label else "", f"left {lm.why}" if lm.label else ""]
        starred = after
        if label:
            found.append(label)
            if steps is not None:
                why = (
                    "; ".join(r for r in reasons if r)
                    or "motor or sensory function below is not normal"
                )
                steps.append(Step("neurological_level_of_injury", f"NLI may be {level}: {why}."))
        if not goes_on:
            return ",".join(found)
    found.append(_mark("INT", starred))
    if steps is not None:
        steps.append(
            Step(
                "neurological_level_of_injury", "Sensation and motor function intact on both sides."
            )
        )
    return ",".join(found)


def _nli_motor_probe(side: Side, level: str, starred: bool) -> Probe:
    if level in ("C4", "L1"):
        return probe_before_key_muscles(side, level, LEVELS[INDEX[level] + 1], starred)
    if level in ("T1", "S1"):
        # the NLI needs only the last muscle itself here; sensation is probed separately
        return probe_key_muscle(side, level, level, starred)
    return probe_key_muscle(side, level, MOTOR_LEVELS[MOTOR_LEVELS.index(level) + 1], starred)
