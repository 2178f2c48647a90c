"""A seeded generator of ISNCSCI exams for the differential test against the reference.

Most exams are clinically shaped: a sensory level per side from C2 to S1 (the two sides close
together, sometimes far apart as in Brown-Sequard), a motor level near it, normal above, a
transition zone, and below it either nothing (complete, with a few levels of partial
preservation) or a patchy mix (incomplete, central cord with weaker arms than legs). On top,
some items are not testable, some abnormal items carry a star (``*`` or ``**``), VAC and DAP vary
(Yes / No / NT), and a side may name its lowest non-key muscle with motor function. A share of
exams is uniformly random over every allowed cell value, to reach combinations no clinician
would write. The same seed always gives the same exams.
"""

from __future__ import annotations

import random
import typing as t

from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS

_SENSORY_VALUES = ("0", "1", "2", "NT", "0*", "1*", "NT*", "0**", "1**", "NT**")
_MOTOR_VALUES = (
    "0", "1", "2", "3", "4", "5", "NT",
    "0*", "1*", "2*", "3*", "4*", "NT*",
    "0**", "1**", "2**", "3**", "4**", "NT**",
)  # fmt: skip
_NON_KEY = (*MOTOR_LEVELS, "C4", "T5", "T10", "L1", "S2")
_ANAL = ("Yes", "No", "NT")
#: level positions a clinically shaped injury starts at: C2 ... S1
_INJURY_LEVELS = SENSORY_LEVELS[: SENSORY_LEVELS.index("S1") + 1]


def exams(seed: int, n: int) -> t.Iterator[dict[str, t.Any]]:
    """``n`` exams in praxis's ``Exam`` shape, deterministic for ``seed``."""
    rng = random.Random(seed)
    for _ in range(n):
        yield uniform_exam(rng) if rng.random() < 0.15 else clinical_exam(rng)


def uniform_exam(rng: random.Random) -> dict[str, t.Any]:
    def side() -> dict[str, t.Any]:
        out: dict[str, t.Any] = {
            "lightTouch": {lv: rng.choice(_SENSORY_VALUES) for lv in SENSORY_LEVELS},
            "pinPrick": {lv: rng.choice(_SENSORY_VALUES) for lv in SENSORY_LEVELS},
            "motor": {lv: rng.choice(_MOTOR_VALUES) for lv in MOTOR_LEVELS},
        }
        if rng.random() < 0.3:
            out["lowestNonKeyMuscleWithMotorFunction"] = rng.choice(_NON_KEY)
        return out

    return {
        "right": side(),
        "left": side(),
        "voluntaryAnalContraction": rng.choice(_ANAL),
        "deepAnalPressure": rng.choice(_ANAL),
    }


def clinical_exam(rng: random.Random) -> dict[str, t.Any]:
    complete = rng.random() < 0.4
    central = not complete and rng.random() < 0.15
    base = rng.randrange(len(_INJURY_LEVELS))
    if not complete and rng.random() < 0.08:
        base = len(SENSORY_LEVELS) - 1  # recovered: intact down to S4-5 (AIS E, or nearly)
    spread = 6 if rng.random() < 0.1 else 2
    exam: dict[str, t.Any] = {}
    for name in ("right", "left"):
        level = min(max(base + rng.randint(-spread, spread), 0), len(SENSORY_LEVELS) - 1)
        exam[name] = _side(rng, level, complete, central)
    if complete:
        vac, dap = "No", "No"
    else:
        vac = "Yes" if base == len(SENSORY_LEVELS) - 1 else rng.choice(("Yes", "No", "No"))
        dap = rng.choice(("Yes", "Yes", "No"))
        if vac == "No" and dap == "No" and rng.random() < 0.7:
            # incomplete by S4-5 sensation
            name = rng.choice(("right", "left"))
            exam[name]["lightTouch"]["S4_5"] = rng.choice(("1", "2"))
    if rng.random() < 0.1:
        vac = "NT"
    if rng.random() < 0.1:
        dap = "NT"
    exam["voluntaryAnalContraction"], exam["deepAnalPressure"] = vac, dap
    _sprinkle(rng, exam)
    return exam


def _side(rng: random.Random, level: int, complete: bool, central: bool) -> dict[str, t.Any]:
    zone = rng.choice((0, 0, 1, 2, 3))  # levels of partial preservation below the level
    lt: dict[str, str] = {}
    pp: dict[str, str] = {}
    for i, lv in enumerate(SENSORY_LEVELS):
        if i <= level:
            lt[lv], pp[lv] = "2", "2"
        elif i <= level + zone:
            lt[lv], pp[lv] = rng.choice("012"), rng.choice("01")
        elif complete:
            lt[lv], pp[lv] = "0", "0"
        else:
            lt[lv], pp[lv] = rng.choice("0112"), rng.choice("0012")
    motor_level = level + rng.choice((-1, 0, 0, 0, 1))
    motor: dict[str, str] = {}
    for lv in MOTOR_LEVELS:
        i = SENSORY_LEVELS.index(lv)
        if i < motor_level:
            grade = "5"
        elif i == motor_level:
            grade = rng.choice("345")
        elif i <= motor_level + zone:
            grade = rng.choice("0123")
        elif complete:
            grade = "0"
        else:
            grade = rng.choice("0123455")
        if central and lv in MOTOR_LEVELS[:5] and grade in "45":
            grade = rng.choice("123")
        motor[lv] = grade
    side: dict[str, t.Any] = {"lightTouch": lt, "pinPrick": pp, "motor": motor}
    if rng.random() < 0.2:
        side["lowestNonKeyMuscleWithMotorFunction"] = rng.choice(_NON_KEY)
    return side


def _sprinkle(rng: random.Random, exam: dict[str, t.Any]) -> None:
    """Make some items NT and tag some abnormal ones, as the worksheet allows."""
    cells = [
        (name, scale, lv)
        for name in ("right", "left")
        for scale, levels in (
            ("lightTouch", SENSORY_LEVELS),
            ("pinPrick", SENSORY_LEVELS),
            ("motor", MOTOR_LEVELS),
        )
        for lv in levels
    ]
    if rng.random() < 0.35:
        for name, scale, lv in rng.sample(cells, rng.randint(1, 6)):
            exam[name][scale][lv] = "NT"
    if rng.random() < 0.35:
        for name, scale, lv in rng.sample(cells, rng.randint(1, 8)):
            value = exam[name][scale][lv]
            normal = "5" if scale == "motor" else "2"
            if value != normal:
                exam[name][scale][lv] = value + rng.choice(("*", "**"))
