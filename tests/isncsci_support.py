"""Shared helpers of the ISNCSCI parity tests: the reference's case format and its answers.

``specs/2019.json`` of praxis ``isncsci`` holds flat cases (``c6RightTouch``, ``analContraction``)
with the expected answers under ``totals``; the reference library itself takes a nested ``Exam``
(``right.lightTouch.C6``) and answers ``classification`` and ``totals`` objects. These helpers
turn both into the same flat dict of 25 strings, keyed by our names, so that a comparison is a
dict equality and a disagreement prints readably.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

from service.core.isncsci import ELEMENTS, MOTOR_LEVELS, SENSORY_LEVELS, Classification

CASES = Path(__file__).parent / "data" / "isncsci" / "2019.json"

#: our element / total name -> the key under ``totals`` in 2019.json
SPEC_KEYS: dict[str, str] = {
    "sensory_level_right": "rightSensory",
    "sensory_level_left": "leftSensory",
    "motor_level_right": "rightMotor",
    "motor_level_left": "leftMotor",
    "neurological_level_of_injury": "neurologicalLevelOfInjury",
    "injury_complete": "injuryComplete",
    "asia_impairment_scale": "asiaImpairmentScale",
    "zpp_sensory_right": "rightSensoryZpp",
    "zpp_sensory_left": "leftSensoryZpp",
    "zpp_motor_right": "rightMotorZpp",
    "zpp_motor_left": "leftMotorZpp",
    "upper_extremity_right": "rightUpperMotorTotal",
    "lower_extremity_right": "rightLowerMotorTotal",
    "light_touch_right": "rightTouchTotal",
    "pin_prick_right": "rightPrickTotal",
    "motor_right": "rightMotorTotal",
    "upper_extremity_left": "leftUpperMotorTotal",
    "lower_extremity_left": "leftLowerMotorTotal",
    "light_touch_left": "leftTouchTotal",
    "pin_prick_left": "leftPrickTotal",
    "motor_left": "leftMotorTotal",
    "upper_extremity": "upperMotorTotal",
    "lower_extremity": "lowerMotorTotal",
    "light_touch": "touchTotal",
    "pin_prick": "prickTotal",
}


def load_cases() -> list[dict[str, t.Any]]:
    return json.loads(CASES.read_text(encoding="utf-8"))


def case_exam(case: dict[str, t.Any]) -> dict[str, t.Any]:
    """A 2019.json case as the reference's nested ``Exam`` object."""

    def side(name: str) -> dict[str, t.Any]:
        cap = name.capitalize()
        out: dict[str, t.Any] = {
            "lightTouch": {lv: case[f"{lv.lower()}{cap}Touch"] for lv in SENSORY_LEVELS},
            "pinPrick": {lv: case[f"{lv.lower()}{cap}Prick"] for lv in SENSORY_LEVELS},
            "motor": {lv: case[f"{lv.lower()}{cap}Motor"] for lv in MOTOR_LEVELS},
        }
        non_key = case.get(f"{name}LowestNonKeyMuscleWithMotorFunction")
        if non_key:
            out["lowestNonKeyMuscleWithMotorFunction"] = non_key
        return out

    return {
        "right": side("right"),
        "left": side("left"),
        "voluntaryAnalContraction": case["analContraction"],
        "deepAnalPressure": case["analSensation"],
    }


def case_expected(case: dict[str, t.Any]) -> dict[str, str]:
    return {ours: str(case["totals"][theirs]) for ours, theirs in SPEC_KEYS.items()}


def ours(result: Classification) -> dict[str, str]:
    """Our classification as the same flat dict of 25 strings."""
    return {**result.as_text(), **result.totals.as_text()}


def reference_answer(answer: dict[str, t.Any]) -> dict[str, str]:
    """One line of ``isncsci_oracle.js`` as the same flat dict."""
    c, tot = answer["classification"], answer["totals"]
    levels, zpp = c["neurologicalLevels"], c["zoneOfPartialPreservations"]
    out = {
        "sensory_level_right": levels["sensoryRight"],
        "sensory_level_left": levels["sensoryLeft"],
        "motor_level_right": levels["motorRight"],
        "motor_level_left": levels["motorLeft"],
        "neurological_level_of_injury": c["neurologicalLevelOfInjury"],
        "injury_complete": c["injuryComplete"],
        "asia_impairment_scale": c["ASIAImpairmentScale"],
        "zpp_sensory_right": zpp["sensoryRight"],
        "zpp_sensory_left": zpp["sensoryLeft"],
        "zpp_motor_right": zpp["motorRight"],
        "zpp_motor_left": zpp["motorLeft"],
    }
    for side in ("right", "left"):
        for ours_name, theirs in (
            ("upper_extremity", "upperExtremity"),
            ("lower_extremity", "lowerExtremity"),
            ("light_touch", "lightTouch"),
            ("pin_prick", "pinPrick"),
            ("motor", "motor"),
        ):
            out[f"{ours_name}_{side}"] = str(tot[side][theirs])
    for ours_name, theirs in (
        ("upper_extremity", "upperExtremity"),
        ("lower_extremity", "lowerExtremity"),
        ("light_touch", "lightTouch"),
        ("pin_prick", "pinPrick"),
    ):
        out[ours_name] = str(tot[theirs])
    return out


assert set(ELEMENTS) <= set(SPEC_KEYS)
