"""The ISNCSCI core on its own: the typed exam refuses bad input by name, the classification
explains itself, and the package stays pure (no Flask, no FHIR)."""

from __future__ import annotations

import ast
import sys
import typing as t
from pathlib import Path

import pytest

from service.core import isncsci
from service.core.isncsci import (
    MOTOR_LEVELS,
    SENSORY_LEVELS,
    AnalFinding,
    Exam,
    Possibility,
    Score,
    Side,
    Tag,
    classify,
    exam_from_praxis,
)
from service.errors import InvalidExam, Unprocessable


def praxis_exam(
    sensory: str = "S4_5", motor: str = "S1", vac: str = "Yes", dap: str = "Yes"
) -> dict[str, t.Any]:
    """Normal down to ``sensory`` / ``motor`` on both sides, absent below."""

    def side() -> dict[str, t.Any]:
        lt = {
            lv: "2" if i <= SENSORY_LEVELS.index(sensory) else "0"
            for i, lv in enumerate(SENSORY_LEVELS)
        }
        mo = {
            lv: "5" if i <= MOTOR_LEVELS.index(motor) else "0" for i, lv in enumerate(MOTOR_LEVELS)
        }
        return {"lightTouch": lt, "pinPrick": dict(lt), "motor": mo}

    return {
        "right": side(),
        "left": side(),
        "voluntaryAnalContraction": vac,
        "deepAnalPressure": dap,
    }


class TestScore:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2", Score(2)),
            ("0*", Score(0, Tag.NOT_NORMAL)),
            ("NT**", Score(None, Tag.NORMAL)),
            (4, Score(4)),
        ],
    )
    def test_praxis_tokens_parse(self, text: object, expected: Score) -> None:
        assert Score.parse(text, "C5 right motor", top=5) == expected

    def test_token_round_trips(self) -> None:
        assert Score.parse("3**", "x", top=5).token == "3**"


class TestBadInput:
    @pytest.mark.parametrize(
        ("path", "value", "item"),
        [
            (("right", "motor", "C5"), "6", "C5 right motor"),
            (("left", "lightTouch", "T4"), "3", "T4 left light touch"),
            (("right", "pinPrick", "S4_5"), "-1", "S4_5 right pin prick"),
            (("left", "motor", "L3"), "5*", "L3 left motor"),
            (("right", "lightTouch", "C6"), "2**", "C6 right light touch"),
            (("right", "motor", "C7"), "4***", "C7 right motor"),
            (("left", "motor", "S1"), "strong", "S1 left motor"),
            (("left", "motor", "T1"), True, "T1 left motor"),
            (("right", "motor", "C5"), None, "C5 right motor"),
        ],
        ids=[
            "motor 6",
            "touch 3",
            "negative",
            "5 starred",
            "2 starred",
            "three stars",
            "word",
            "bool",
            "null",
        ],
    )
    def test_a_bad_cell_is_refused_naming_the_item(
        self, path: tuple[str, str, str], value: object, item: str
    ) -> None:
        exam = praxis_exam()
        exam[path[0]][path[1]][path[2]] = value
        with pytest.raises(InvalidExam) as caught:
            exam_from_praxis(exam)
        assert caught.value.item == item
        assert caught.value.message.startswith(item)

    def test_a_missing_cell_is_refused_not_guessed(self) -> None:
        exam = praxis_exam()
        del exam["left"]["pinPrick"]["C3"]
        with pytest.raises(InvalidExam, match="C3 left pin prick: missing"):
            exam_from_praxis(exam)

    def test_an_unknown_level_is_refused(self) -> None:
        exam = praxis_exam()
        exam["right"]["motor"]["T6"] = "5"
        with pytest.raises(InvalidExam, match="T6 right motor: not an ISNCSCI motor level"):
            exam_from_praxis(exam)

    @pytest.mark.parametrize("key", ["voluntaryAnalContraction", "deepAnalPressure"])
    def test_an_anal_finding_must_be_yes_no_or_nt(self, key: str) -> None:
        exam = praxis_exam()
        exam[key] = "maybe"
        with pytest.raises(InvalidExam, match="anal"):
            exam_from_praxis(exam)

    def test_a_non_key_muscle_must_name_a_level(self) -> None:
        exam = praxis_exam()
        exam["left"]["lowestNonKeyMuscleWithMotorFunction"] = "X9"
        with pytest.raises(InvalidExam, match="left lowest non-key muscle"):
            exam_from_praxis(exam)

    def test_the_error_is_a_422_kind_of_service_error_and_a_value_error(self) -> None:
        assert issubclass(InvalidExam, Unprocessable)
        assert issubclass(InvalidExam, ValueError)


class TestClassification:
    def test_an_intact_exam_is_grade_e_with_every_zpp_not_applicable(self) -> None:
        result = classify(exam_from_praxis(praxis_exam()))
        assert result.as_text() == {
            "sensory_level_right": "INT",
            "sensory_level_left": "INT",
            "motor_level_right": "INT",
            "motor_level_left": "INT",
            "neurological_level_of_injury": "INT",
            "injury_complete": "I",
            "asia_impairment_scale": "E",
            "zpp_sensory_right": "NA",
            "zpp_sensory_left": "NA",
            "zpp_motor_right": "NA",
            "zpp_motor_left": "NA",
        }
        assert result.totals.motor_right == 50 and result.totals.light_touch == 112

    def test_complete_c6_tetraplegia_is_a_with_zpp_at_c6(self) -> None:
        result = classify(exam_from_praxis(praxis_exam("C6", "C6", vac="No", dap="No")))
        text = result.as_text()
        assert (
            text["neurological_level_of_injury"],
            text["injury_complete"],
            text["asia_impairment_scale"],
        ) == (
            "C6",
            "C",
            "A",
        )
        assert text["zpp_motor_right"] == text["zpp_sensory_left"] == "C6"

    def test_each_level_says_which_key_point_decided_it(self) -> None:
        result = classify(exam_from_praxis(praxis_exam("C6", "C6", vac="No", dap="No")))
        said = {step.element: step.text for step in result.steps}
        assert "C7 light touch 0, pin prick 0: not normal" in said["sensory_level_right"]
        assert "C7 elbow extensors 0" in said["motor_level_left"]
        assert "no sacral sparing" in " ".join(
            s.text for s in result.steps if s.element == "asia_impairment_scale"
        )
        assert {step.element for step in result.steps} >= {
            "sensory_level_right", "motor_level_right", "neurological_level_of_injury",
            "injury_complete", "asia_impairment_scale", "zpp_sensory_right", "zpp_motor_left",
        }  # fmt: skip

    def test_an_nt_item_gives_every_possible_answer(self) -> None:
        exam = praxis_exam("C6", "C6", vac="NT", dap="No")
        exam["right"]["pinPrick"]["S4_5"] = "NT"
        exam["right"]["motor"]["C7"] = "NT"
        result = classify(exam_from_praxis(exam))
        assert result.asia_impairment_scale.text == "A,B,C"
        assert result.injury_complete.text == "C,I"
        assert result.zpp_motor_right.text == "NA,C6,C7"
        assert not result.asia_impairment_scale.decided
        assert result.totals.motor_right is None and result.totals.motor_left == 10
        assert result.totals.as_text()["pin_prick"] == "ND"

    def test_a_starred_item_marks_what_it_decided(self) -> None:
        exam = praxis_exam("C6", "C6", vac="No", dap="No")
        for side in ("right", "left"):
            exam[side]["lightTouch"]["S4_5"] = "0**"
        result = classify(exam_from_praxis(exam))
        assert result.injury_complete.text == "I*"
        assert result.asia_impairment_scale.possibilities[0] == Possibility("B", True)

    def test_a_non_key_muscle_makes_the_injury_motor_incomplete(self) -> None:
        exam = praxis_exam("C6", "C6", vac="No", dap="No")
        exam["right"]["lightTouch"]["S4_5"] = "1"
        exam["right"]["lowestNonKeyMuscleWithMotorFunction"] = "L2"
        result = classify(exam_from_praxis(exam))
        assert (result.asia_impairment_scale.text, result.zpp_motor_right.text) == ("C", "L2")
        assert result.zpp_sensory_right.text == "NA"

    def test_a_non_key_muscle_outside_the_key_levels_is_noted_and_ignored(self) -> None:
        exam = praxis_exam("C6", "C6", vac="No", dap="No")
        exam["right"]["lightTouch"]["S4_5"] = "1"
        exam["right"]["lowestNonKeyMuscleWithMotorFunction"] = "T8"
        result = classify(exam_from_praxis(exam))
        assert result.asia_impairment_scale.text == "B"
        assert any("T8" in note for note in result.notes)

    def test_the_classification_is_deterministic(self) -> None:
        exam = exam_from_praxis(praxis_exam("T4", "T1", vac="No", dap="Yes"))
        assert classify(exam) == classify(exam)

    def test_an_exam_built_side_by_side_equals_the_praxis_one(self) -> None:
        data = praxis_exam("L2", "L3")
        sides = [
            Side.build(n, data[n]["lightTouch"], data[n]["pinPrick"], data[n]["motor"])
            for n in ("right", "left")
        ]
        exam = Exam(sides[0], sides[1], AnalFinding.YES, AnalFinding.YES)
        assert exam == exam_from_praxis(data)
        assert exam.to_praxis() == data


def test_the_isncsci_core_imports_only_the_standard_library_and_service_errors() -> None:
    """The package contract: no Flask, no FHIR, no database, no I/O libraries."""
    allowed = set(sys.stdlib_module_names) | {"service.errors"}
    package = Path(isncsci.__file__).parent
    imported = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module or "")
    outside = {
        name for name in imported if name not in allowed and name.split(".")[0] not in allowed
    }
    assert outside == set()
    assert {"__future__", "service.errors"} <= imported  # the walk saw the imports
