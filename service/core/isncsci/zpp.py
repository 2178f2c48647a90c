"""Zones of partial preservation, 2019 rules (not limited to complete injuries).

- Sensory ZPP applies on a side when DAP is absent (or NT) and that side's S4-5 light touch and
  pin prick may be absent; it is the most caudal dermatome with any sensation, else ``NA``.
- Motor ZPP applies on both sides unless voluntary anal contraction is present; it is the most
  caudal level with motor function below the motor level. Where no key muscle is tested the
  motor levels (which followed sensation) are part of the zone. With AIS C, a non-key muscle
  more than three levels below a level replaces it (Kirshblum et al. 2022, case 4).

Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from .exam import MOTOR_LEVELS, AnalFinding, Side
from .levels import INDEX, LEVELS
from .result import Step

__all__ = ["motor_zpp", "sensory_zpp"]

_MAY_BE_ABSENT = frozenset({"0", "NT", "0*", "NT*"})
_TAGGED_DIGIT = frozenset({"0*", "1*", "0**", "1**"})


def sensory_zpp(side: Side, name: str, dap: AnalFinding, steps: list[Step]) -> str:
    """The sensory zone of partial preservation of one side, in praxis notation."""
    element = f"zpp_sensory_{name}"
    lt, pp = side.light_touch["S4_5"], side.pin_prick["S4_5"]
    if dap is AnalFinding.YES or lt not in _MAY_BE_ABSENT or pp not in _MAY_BE_ABSENT:
        steps.append(
            Step(element, f"{name.capitalize()} sensory ZPP NA: sacral sensation preserved.")
        )
        return "NA"
    zone: list[str] = []
    sacral_absent = lt == "0" and pp == "0"
    if dap is AnalFinding.NT or not sacral_absent:
        zone.append("NA")
        steps.append(
            Step(
                element,
                f"{name.capitalize()} sensory ZPP may be NA: sacral sensation may be present.",
            )
        )
    found: list[str] = []
    starred = False
    for level in reversed(LEVELS[1 : INDEX["S3"] + 1]):
        lt, pp = side.light_touch[level], side.pin_prick[level]
        if lt == "0" and pp == "0":
            continue
        if lt not in _MAY_BE_ABSENT or pp not in _MAY_BE_ABSENT:
            found.insert(0, level + ("*" if starred else ""))
            steps.append(
                Step(
                    element,
                    f"{name.capitalize()} sensory ZPP {level}: lowest dermatome with "
                    f"sensation (light touch {lt}, pin prick {pp}).",
                )
            )
            break
        if "NT" in (lt, pp) or "NT*" in (lt, pp):
            found.insert(0, level + ("*" if starred else ""))
            steps.append(
                Step(element, f"{name.capitalize()} sensory ZPP may be {level}: not testable.")
            )
        else:  # 0* next to 0 or 0*: sensation absent for a reason other than the injury
            found.insert(0, level + "*")
            starred = True
    else:
        found.insert(0, "C1")
    return ",".join(zone + found)


def motor_zpp(
    side: Side, name: str, vac: AnalFinding, ais: str, motor_level: str, steps: list[Step]
) -> str:
    """The motor zone of partial preservation of one side, in praxis notation."""
    element = f"zpp_motor_{name}"
    if vac is AnalFinding.YES:
        steps.append(
            Step(element, f"{name.capitalize()} motor ZPP NA: voluntary anal contraction present.")
        )
        return "NA"
    zone: list[str] = ["NA"] if vac is AnalFinding.NT else []
    if zone:
        steps.append(
            Step(
                element, f"{name.capitalize()} motor ZPP may be NA: anal contraction not testable."
            )
        )
    levels = [part.rstrip("*") for part in motor_level.split(",")]
    top = INDEX[levels[0]]
    if any(level in ("S2", "S3", "INT") for level in levels):
        bottom = INDEX["S3"] if levels[-1] == "INT" else INDEX[levels[-1]]
    else:
        bottom = INDEX["S1"]
    non_key = side.lowest_non_key_muscle
    if non_key not in MOTOR_LEVELS or INDEX[non_key] > bottom:
        non_key = None
    weigh_non_key = non_key is not None and "C" in ais.upper()
    starred_at = _starred_levels(side, top, bottom)

    use_non_key = non_key_listed = False
    for i in range(bottom, top - 1, -1):
        level = LEVELS[i]
        replaced = weigh_non_key and INDEX[non_key] - i > 3  # type: ignore[index]
        label = level + ("*" if starred_at(i) else "")
        if level in MOTOR_LEVELS:
            grade = side.motor[level]
            function = grade[0] in "12345" or grade in ("NT**", "0**")
            maybe = grade in ("NT", "NT*", "0*")
            if function or maybe:
                if replaced:
                    use_non_key = True
                else:
                    zone.append(label)
                    non_key_listed = non_key_listed or level == non_key
                    verb = "is" if function else "may be"
                    steps.append(
                        Step(
                            element,
                            f"{name.capitalize()} motor ZPP {verb} {level}: {level} {grade}.",
                        )
                    )
                if function:
                    break
        elif level in levels:
            if replaced:
                use_non_key = True
            else:
                zone.append(label)
                steps.append(
                    Step(
                        element,
                        f"{name.capitalize()} motor ZPP includes {level}: a motor level "
                        "without a key muscle.",
                    )
                )
    if use_non_key and not non_key_listed and non_key:
        zone.append(non_key)
        steps.append(
            Step(
                element,
                f"{name.capitalize()} motor ZPP {non_key}: the lowest non-key muscle with "
                "motor function (AIS C).",
            )
        )
    zone.sort(key=lambda v: -1 if v == "NA" else INDEX[v.rstrip("*")])
    return ",".join(zone)


def _starred_levels(side: Side, top: int, bottom: int) -> Callable[[int], bool]:
    """Which levels of the motor ZPP range carry a star (a tagged item on or above them)."""

    def values(i: int) -> tuple[str, str, str]:
        level = LEVELS[i]
        lt, pp = ("2", "2") if level == "C1" else (side.light_touch[level], side.pin_prick[level])
        return lt, pp, side.motor.get(level, "")

    first_star = next((i for i in range(bottom + 1) if any("*" in v for v in values(i))), None)
    last_normal = bottom
    for i in range(top + 1, bottom + 1):
        lt, pp, motor = values(i)
        if not (_normalish(lt, "2") and _normalish(pp, "2") and _normalish(motor, "5")):
            last_normal = i - 1
            break

    def starred(i: int) -> bool:
        if first_star is None:
            return False
        lt, pp, motor = values(i)
        if LEVELS[i] in MOTOR_LEVELS:
            return motor in ("0*", "0**")
        if lt in _TAGGED_DIGIT or pp in _TAGGED_DIGIT:
            return True
        return first_star <= i <= last_normal

    return starred


def _normalish(value: str, normal: str) -> bool:
    return value == normal or value.endswith("**")
