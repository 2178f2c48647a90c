"""The typed ISNCSCI exam: what the examiner recorded, validated once at the door.

Pure data, no Flask, no FHIR, no I/O. Every score is kept in praxis notation (``"2"``, ``"0*"``,
``"NT**"``), the notation the 2019 worksheet, the reference classifier and the classification's
output all share; :class:`Score` is the typed form of one cell. Construction refuses anything the
standard does not allow and names the item (``C5 right motor``) in the :class:`InvalidExam` error.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from service.errors import InvalidExam

__all__ = [
    "MOTOR_LEVELS",
    "SENSORY_LEVELS",
    "AnalFinding",
    "Exam",
    "Score",
    "Side",
    "Tag",
    "exam_from_praxis",
]

#: the key points, rostral to caudal; praxis spells S4-5 ``S4_5``.
SENSORY_LEVELS: tuple[str, ...] = (
    "C2", "C3", "C4", "C5", "C6", "C7", "C8",
    "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12",
    "L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4_5",
)  # fmt: skip
#: the ten key muscles, by the level they stand for.
MOTOR_LEVELS: tuple[str, ...] = ("C5", "C6", "C7", "C8", "T1", "L2", "L3", "L4", "L5", "S1")
#: what the key muscles test, for the reasoning sentences.
KEY_MUSCLES: dict[str, str] = {
    "C5": "elbow flexors",
    "C6": "wrist extensors",
    "C7": "elbow extensors",
    "C8": "finger flexors",
    "T1": "finger abductors",
    "L2": "hip flexors",
    "L3": "knee extensors",
    "L4": "ankle dorsiflexors",
    "L5": "long toe extensors",
    "S1": "ankle plantar flexors",
}
#: levels a "lowest non-key muscle with motor function" may name (C1 and S4-5 have none).
NON_KEY_LEVELS: frozenset[str] = frozenset(SENSORY_LEVELS[:-1])


class Tag(StrEnum):
    """The worksheet's star: an impairment not due to the spinal cord injury."""

    NONE = ""
    NOT_NORMAL = "*"  #: consider not normal for classification
    NORMAL = "**"  #: consider normal for classification


class AnalFinding(StrEnum):
    """Voluntary anal contraction or deep anal pressure."""

    YES = "Yes"
    NO = "No"
    NT = "NT"


@dataclass(frozen=True, slots=True)
class Score:
    """One cell of the worksheet: a grade (``None`` = not testable) and its star tag."""

    grade: int | None
    tag: Tag = Tag.NONE

    @property
    def token(self) -> str:
        """The praxis notation: ``2``, ``0*``, ``NT**``."""
        return ("NT" if self.grade is None else str(self.grade)) + self.tag

    @classmethod
    def parse(cls, text: object, item: str, *, top: int) -> Score:
        """Read one praxis cell, refusing grades over ``top`` and stars on a normal grade.

        :param text: the cell, e.g. ``"4**"``; a bare int is accepted too.
        :param item: how to name the cell in an error, e.g. ``C5 right motor``.
        :param top: the normal grade (2 sensory, 5 motor).
        :raise InvalidExam: the cell is not a grade of that scale.
        """
        if isinstance(text, bool) or not isinstance(text, str | int):
            raise InvalidExam(
                f"{item}: expected a grade 0-{top} or NT, got {type(text).__name__}", item
            )
        raw = str(text).strip()
        body = raw.rstrip("*")
        stars = len(raw) - len(body)
        if stars > 2:
            raise InvalidExam(f"{item}: {raw!r} has more than two stars", item)
        tag = (Tag.NONE, Tag.NOT_NORMAL, Tag.NORMAL)[stars]
        if body.upper() == "NT":
            return cls(None, tag)
        if not (body.isascii() and body.isdigit()) or int(body) > top:
            raise InvalidExam(f"{item}: {raw!r} is not a grade 0-{top} or NT", item)
        grade = int(body)
        if tag and grade == top:
            # 2019: "5*" is gone; only an abnormal or NT score may be tagged.
            raise InvalidExam(f"{item}: a normal grade ({grade}) cannot carry a star", item)
        return cls(grade, tag)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of the exam, in praxis tokens keyed by level (``C2``...``S4_5``; ``C5``...``S1``).

    Build it with :meth:`build`, which validates; the mappings are read-only views.
    """

    light_touch: Mapping[str, str]
    pin_prick: Mapping[str, str]
    motor: Mapping[str, str]
    lowest_non_key_muscle: str | None = None

    @classmethod
    def build(
        cls,
        name: str,
        light_touch: Mapping[str, object],
        pin_prick: Mapping[str, object],
        motor: Mapping[str, object],
        lowest_non_key_muscle: str | None = None,
    ) -> Side:
        """Validate one side; a level missing from a mapping is an error (say ``NT`` instead).

        :param name: ``right`` or ``left``, for the error messages.
        :raise InvalidExam: a missing, unknown or out-of-range item, named.
        """
        cells: list[dict[str, str]] = []
        for scale, levels, top, values in (
            ("light touch", SENSORY_LEVELS, 2, light_touch),
            ("pin prick", SENSORY_LEVELS, 2, pin_prick),
            ("motor", MOTOR_LEVELS, 5, motor),
        ):
            if not isinstance(values, Mapping):
                raise InvalidExam(
                    f"{name} {scale}: expected an object keyed by level", f"{name} {scale}"
                )
            unknown = sorted(set(values) - set(levels))
            if unknown:
                item = f"{unknown[0]} {name} {scale}"
                raise InvalidExam(f"{item}: not an ISNCSCI {scale} level", item)
            row = {}
            for level in levels:
                item = f"{level} {name} {scale}"
                if level not in values:
                    raise InvalidExam(f"{item}: missing (record NT if it was not testable)", item)
                row[level] = Score.parse(values[level], item, top=top).token
            cells.append(row)
        if lowest_non_key_muscle is not None and lowest_non_key_muscle not in NON_KEY_LEVELS:
            item = f"{name} lowest non-key muscle with motor function"
            raise InvalidExam(f"{item}: {lowest_non_key_muscle!r} is not a level C2-S3", item)
        return cls(
            light_touch=_frozen(cells[0]),
            pin_prick=_frozen(cells[1]),
            motor=_frozen(cells[2]),
            lowest_non_key_muscle=lowest_non_key_muscle,
        )

    def without_stars(self) -> Side:
        """The same side with every tag dropped (``0**`` read as ``0``)."""
        return Side(
            light_touch=_frozen({k: v.rstrip("*") for k, v in self.light_touch.items()}),
            pin_prick=_frozen({k: v.rstrip("*") for k, v in self.pin_prick.items()}),
            motor=_frozen({k: v.rstrip("*") for k, v in self.motor.items()}),
            lowest_non_key_muscle=self.lowest_non_key_muscle,
        )


@dataclass(frozen=True, slots=True)
class Exam:
    """A whole ISNCSCI exam: both sides, VAC and DAP."""

    right: Side
    left: Side
    voluntary_anal_contraction: AnalFinding
    deep_anal_pressure: AnalFinding

    def side(self, name: str) -> Side:
        return self.right if name == "right" else self.left

    def without_stars(self) -> Exam:
        """The exam as if no item had been tagged."""
        return Exam(
            self.right.without_stars(),
            self.left.without_stars(),
            self.voluntary_anal_contraction,
            self.deep_anal_pressure,
        )

    def to_praxis(self) -> dict[str, t.Any]:
        """The exam as praxis's ``Exam`` object (JSON-ready), e.g. to replay it in the reference."""

        def side(s: Side) -> dict[str, t.Any]:
            out: dict[str, t.Any] = {
                "lightTouch": dict(s.light_touch),
                "pinPrick": dict(s.pin_prick),
                "motor": dict(s.motor),
            }
            if s.lowest_non_key_muscle is not None:
                out["lowestNonKeyMuscleWithMotorFunction"] = s.lowest_non_key_muscle
            return out

        return {
            "right": side(self.right),
            "left": side(self.left),
            "voluntaryAnalContraction": str(self.voluntary_anal_contraction),
            "deepAnalPressure": str(self.deep_anal_pressure),
        }


def exam_from_praxis(data: Mapping[str, t.Any]) -> Exam:
    """Build an :class:`Exam` from praxis's ``Exam`` shape (``right.lightTouch.C2`` ...).

    :raise InvalidExam: anything missing or out of range, named.
    """
    if not isinstance(data, Mapping):
        raise InvalidExam("exam: expected an object", "exam")
    sides = []
    for name in ("right", "left"):
        raw = data.get(name)
        if not isinstance(raw, Mapping):
            raise InvalidExam(f"{name}: expected an object with lightTouch, pinPrick, motor", name)
        non_key = raw.get("lowestNonKeyMuscleWithMotorFunction") or None
        if non_key is not None and not isinstance(non_key, str):
            item = f"{name} lowest non-key muscle with motor function"
            raise InvalidExam(f"{item}: expected a level name", item)
        sides.append(
            Side.build(
                name,
                raw.get("lightTouch", {}),
                raw.get("pinPrick", {}),
                raw.get("motor", {}),
                non_key,
            )
        )
    anal = []
    for key, label in (
        ("voluntaryAnalContraction", "voluntary anal contraction"),
        ("deepAnalPressure", "deep anal pressure"),
    ):
        try:
            # None or a non-string (a number, a list) raises ValueError here, reported below
            anal.append(AnalFinding(t.cast(str, data.get(key))))
        except ValueError:
            raise InvalidExam(f"{label}: expected Yes, No or NT", label) from None
    return Exam(sides[0], sides[1], anal[0], anal[1])


def _frozen(row: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(row)
