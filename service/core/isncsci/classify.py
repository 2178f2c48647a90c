"""Classify one ISNCSCI exam: the eleven elements, the totals and the reasoning.

The order is the worksheet's: sensory levels, motor levels, NLI, completeness, AIS, then the
zones of partial preservation (the motor ZPP looks at the AIS for non-key muscles). Pure and
deterministic: the same exam gives the same classification and the same steps.
"""

from __future__ import annotations

from .exam import MOTOR_LEVELS, Exam
from .grade import asia_impairment_scale, injury_complete
from .levels import motor_level, neurological_level, sensory_level
from .result import Classification, Outcome, Step
from .totals import totals
from .zpp import motor_zpp, sensory_zpp

__all__ = ["classify"]


def classify(exam: Exam) -> Classification:
    """Classify ``exam`` by the 2019 International Standards (praxis notation throughout).

    :param exam: a validated exam (see :func:`exam_from_praxis` and :class:`Side.build`).
    :return: the classification, its 14 totals and the steps that led to each element.
    """
    steps: list[Step] = []
    notes: list[str] = []
    for name in ("right", "left"):
        non_key = exam.side(name).lowest_non_key_muscle
        if non_key is not None and non_key not in MOTOR_LEVELS:
            notes.append(
                f"The {name} lowest non-key muscle with motor function ({non_key}) is not at a "
                "key-muscle level (C5-T1, L2-S1), so it does not change the classification."
            )
    sensory_right = sensory_level(exam.right, "right", steps)
    sensory_left = sensory_level(exam.left, "left", steps)
    vac, dap = exam.voluntary_anal_contraction, exam.deep_anal_pressure
    motor_right = motor_level(exam.right, "right", vac, steps)
    motor_left = motor_level(exam.left, "left", vac, steps)
    nli = neurological_level(exam, steps)
    complete = injury_complete(exam, steps)
    ais = asia_impairment_scale(exam, complete, motor_right, motor_left, nli, steps)
    return Classification(
        sensory_level_right=Outcome(sensory_right),
        sensory_level_left=Outcome(sensory_left),
        motor_level_right=Outcome(motor_right),
        motor_level_left=Outcome(motor_left),
        neurological_level_of_injury=Outcome(nli),
        injury_complete=Outcome(complete),
        asia_impairment_scale=Outcome(ais),
        zpp_sensory_right=Outcome(sensory_zpp(exam.right, "right", dap, steps)),
        zpp_sensory_left=Outcome(sensory_zpp(exam.left, "left", dap, steps)),
        zpp_motor_right=Outcome(motor_zpp(exam.right, "right", vac, ais, motor_right, steps)),
        zpp_motor_left=Outcome(motor_zpp(exam.left, "left", vac, ais, motor_left, steps)),
        totals=totals(exam),
        steps=tuple(steps),
        notes=tuple(notes),
    )
