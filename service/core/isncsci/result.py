"""What the classifier answers: values in praxis notation, totals, and the steps behind them.

Plain frozen records, no behaviour beyond reading the notation back.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ELEMENTS", "Classification", "Outcome", "Possibility", "Step", "Totals"]

#: the eleven classification elements, in worksheet order (also the attribute names).
ELEMENTS: tuple[str, ...] = (
    "sensory_level_right",
    "sensory_level_left",
    "motor_level_right",
    "motor_level_left",
    "neurological_level_of_injury",
    "injury_complete",
    "asia_impairment_scale",
    "zpp_sensory_right",
    "zpp_sensory_left",
    "zpp_motor_right",
    "zpp_motor_left",
)


@dataclass(frozen=True, slots=True)
class Possibility:
    """One possible value of an element: its code (``C5``, ``INT``, ``NA``, ``C``, ``B``...) and
    whether a starred (non-SCI) item affected it (praxis writes ``C5*``)."""

    code: str
    starred: bool

    @property
    def text(self) -> str:
        return self.code + ("*" if self.starred else "")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One classification element, exactly as praxis writes it: ``C5``, ``NA,C6*``, ``B,C,D``.

    Several comma-separated values mean the exam cannot decide (an NT item): every possibility is
    listed, rostral to caudal (ZPP: ``NA`` first) or A to E.
    """

    text: str

    @property
    def possibilities(self) -> tuple[Possibility, ...]:
        return tuple(
            Possibility(part.rstrip("*"), part.endswith("*"))
            for part in self.text.split(",")
            if part
        )

    @property
    def decided(self) -> bool:
        """True when the exam leaves exactly one value."""
        return "," not in self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Step:
    """One sentence of reasoning, attached to the element it explains."""

    element: str
    text: str


@dataclass(frozen=True, slots=True)
class Totals:
    """The worksheet's 14 sums; ``None`` where an NT item blocks the sum (praxis ``ND``)."""

    upper_extremity_right: int | None
    lower_extremity_right: int | None
    light_touch_right: int | None
    pin_prick_right: int | None
    motor_right: int | None
    upper_extremity_left: int | None
    lower_extremity_left: int | None
    light_touch_left: int | None
    pin_prick_left: int | None
    motor_left: int | None
    upper_extremity: int | None
    lower_extremity: int | None
    light_touch: int | None
    pin_prick: int | None

    def as_text(self) -> dict[str, str]:
        """Each total as the worksheet writes it: a number or ``ND``."""
        return {
            name: "ND" if value is None else str(value)
            for name, value in ((f, getattr(self, f)) for f in self.__slots__)
        }


@dataclass(frozen=True, slots=True)
class Classification:
    """The full ISNCSCI classification of one exam, with its reasoning."""

    sensory_level_right: Outcome
    sensory_level_left: Outcome
    motor_level_right: Outcome
    motor_level_left: Outcome
    neurological_level_of_injury: Outcome
    injury_complete: Outcome
    asia_impairment_scale: Outcome
    zpp_sensory_right: Outcome
    zpp_sensory_left: Outcome
    zpp_motor_right: Outcome
    zpp_motor_left: Outcome
    totals: Totals
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    def as_text(self) -> dict[str, str]:
        """The eleven elements in praxis notation, keyed by :data:`ELEMENTS` names."""
        return {name: getattr(self, name).text for name in ELEMENTS}
