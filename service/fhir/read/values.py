"""What an Observation (or one of its components) says: its kind, target and result.

DESIGN §3: the result is read from every source the element carries (the finding code itself,
``valueBoolean``, ``valueInteger``, ``valueString``, ``valueCodeableConcept``,
``interpretation``) and the sources must agree; a contradiction is a 422 naming the element.

Two results agree when they are equal, when one is ``abnormal`` (direction unknown) and the
other decreased, absent or increased (the specific one is kept), or when one is decreased and
the other absent (absent is kept: it is the more specific statement).
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from terminology import FindingCode, Table

from ...core.model import Kind, Polarity, Side
from ...errors import ContradictoryFinding, Issue, Unprocessable

__all__ = [
    "TEST_KINDS",
    "CodeReading",
    "NotExamined",
    "Result",
    "Source",
    "UnreadableValue",
    "REFLEX_STRINGS",
    "boolean_result",
    "combine",
    "contradiction",
    "finding_for",
    "read_code",
    "read_result",
    "scale_of",
]

_ABNORMAL_DIRECTIONS = frozenset({Polarity.DECREASED, Polarity.ABSENT, Polarity.INCREASED})
#: the reflex grades written as strings, and the grade each one is
REFLEX_STRINGS = {"0": 0, "1+": 1, "+": 1, "2+": 2, "++": 2, "3+": 3, "+++": 3, "4+": 4, "++++": 4}
_NOT_TESTABLE = re.compile(r"^NT\**$", re.IGNORECASE)
_SUPPORTED_VALUES = (
    "valueBoolean",
    "valueInteger",
    "valueString",
    "valueCodeableConcept",
    "valueQuantity",
)
#: the ``kind`` of a findings.csv row that names a test -> the finding's kind
TEST_KINDS = {"sensory": Kind.SENSORY, "reflex": Kind.REFLEX, "motor": Kind.MOTOR}


@dataclass(frozen=True, slots=True)
class Source:
    """One statement of the result, and the element that makes it."""

    polarity: Polarity
    expression: str
    says: str


@dataclass(frozen=True, slots=True)
class CodeReading:
    """What ``code`` says: the kind of test, what was tested, and possibly the result and side.

    :param target: reflex or movement id, or the sensory modality; None when the code leaves it
        to the body site (349006, 86854008) or to ``method``/``component`` (249948009).
    :param codes: ``system|code`` of the codings the table knows, for messages.
    """

    kind: Kind
    target: str | None
    sources: tuple[Source, ...]
    side: Side | None
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Result:
    """The agreed result of one finding."""

    polarity: Polarity
    grade: int | None
    side: Side | None
    side_expression: str | None


class NotExamined(Exception):
    """The element says the test was not done (``dataAbsentReason``, ISNCSCI ``NT``)."""


class UnreadableValue(Exception):
    """The element's value is of a type or code the service does not read (message: which)."""


def read_code(concept: t.Any, path: str, table: Table) -> CodeReading | None:
    """Read a ``code`` CodeableConcept at *path*; None when no coding is a neuro exam finding.

    :raise ContradictoryFinding: when two codings name different kinds, targets or sides.
    """
    known = []
    for i, coding in enumerate(_codings(concept)):
        row = finding_for(table, coding)
        if row is not None and row.kind in TEST_KINDS:
            known.append((i, row))
    if not known:
        return None
    kinds = {row.kind for _, row in known}
    targets = {row.target for _, row in known if row.target}
    sides = {row.side for _, row in known if row.side}
    if len(kinds) > 1 or len(targets) > 1 or len(sides) > 1:
        raise contradiction(
            f"{path} has codings that name different tests "
            f"({', '.join(f'{row.system}|{row.code}' for _, row in known)})",
            path,
        )
    sources = tuple(
        Source(
            Polarity(row.polarity),
            f"{path}.coding[{i}]" if len(known) > 1 else path,
            f"{row.code} ({row.display}) means {row.polarity}",
        )
        for i, row in known
        if row.polarity
    )
    return CodeReading(
        TEST_KINDS[known[0][1].kind],
        next(iter(targets), None),
        sources,
        Side(next(iter(sides))) if sides else None,
        tuple(f"{row.system}|{row.code}" for _, row in known),
    )


def finding_for(table: Table, coding: dict[str, t.Any]) -> FindingCode | None:
    """The table row of a coding, or None (a coding without a system is not looked up)."""
    system, code = coding.get("system"), coding.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        return None
    return table.finding(system, code)


def _codings(concept: t.Any) -> list[dict[str, t.Any]]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [c for c in concept["coding"] if isinstance(c, dict) and isinstance(c.get("code"), str)]


def read_result(
    element: dict[str, t.Any], path: str, reading: CodeReading, target: str, umn: bool, table: Table
) -> Result | None:
    """The agreed result of *element* (an Observation or a component) at *path*.

    :param reading: what its code says; *target* is the resolved reflex/movement/modality and
        *umn* whether it is an upper-motor-neuron sign (``true`` = sign present = increased).
    :return: None when nothing states a result.
    :raise NotExamined: ``dataAbsentReason`` or an ``NT`` score.
    :raise UnreadableValue: a value[x] type or code the service does not read, with no other source.
    :raise Unprocessable: a score out of its range (issue type ``value``).
    :raise ContradictoryFinding: two sources disagree.
    """
    if element.get("dataAbsentReason") is not None:
        raise NotExamined(_absent_reason(element["dataAbsentReason"]))
    sources: list[Source] = list(reading.sources)
    grade: int | None = None
    side, side_expression = reading.side, (path + ".code") if reading.side else None
    unread: str | None = None

    if "valueBoolean" in element:
        sources = _boolean(element["valueBoolean"], f"{path}.valueBoolean", sources, umn)
    if "valueInteger" in element:
        grade = element["valueInteger"]
        sources.append(_graded(reading.kind, umn, grade, f"{path}.valueInteger"))
    if "valueString" in element:
        grade = _string_grade(element["valueString"], reading.kind, f"{path}.valueString")
        sources.append(_graded(reading.kind, umn, grade, f"{path}.valueString"))
    if "valueQuantity" in element:
        grade = _quantity_grade(element["valueQuantity"], f"{path}.valueQuantity.value")
        sources.append(_graded(reading.kind, umn, grade, f"{path}.valueQuantity.value"))
    if "valueCodeableConcept" in element:
        expression = f"{path}.valueCodeableConcept"
        found, value_side = _coded_value(
            element["valueCodeableConcept"], expression, reading, target, table
        )
        sources.extend(found)
        if value_side is not None:
            if side is not None and side is not value_side:
                raise contradiction(
                    f"{expression} names the {value_side.value} side but "
                    f"{side_expression} the {side.value} side",
                    [expression, side_expression or f"{path}.code"],
                )
            side, side_expression = value_side, expression
        if not found:
            codes = _code_list(element["valueCodeableConcept"])
            unread = f"its result code ({codes}) is not one this service reads"
    others = [
        name for name in element if name.startswith("value") and name not in _SUPPORTED_VALUES
    ]
    if others:
        unread = f"its result ({others[0]}) is not a value type this service reads"
    for i, concept in enumerate(element.get("interpretation") or ()):
        sources.extend(_interpretation(concept, f"{path}.interpretation[{i}]", table))

    if not sources:
        if unread:
            raise UnreadableValue(unread)
        return None
    return Result(merge(sources), grade, side, side_expression)


def merge(sources: t.Sequence[Source]) -> Polarity:
    """The one result all *sources* agree on.

    :raise ContradictoryFinding: naming the disagreeing element first, then the one it contradicts.
    """
    current = sources[0]
    for source in sources[1:]:
        combined = combine(current.polarity, source.polarity)
        if combined is None:
            raise contradiction(
                f"{source.expression} contradicts {current.expression}: {source.says}, "
                f"but {current.says}",
                [source.expression, current.expression],
            )
        if combined is not current.polarity:
            current = source
    return current.polarity


def combine(a: Polarity, b: Polarity) -> Polarity | None:
    """The one result two statements *a* and *b* agree on (see the module docstring), or None."""
    if a is b:
        return a
    if Polarity.ABNORMAL in (a, b):
        other = b if a is Polarity.ABNORMAL else a
        return other if other in _ABNORMAL_DIRECTIONS else None
    if {a, b} == {Polarity.DECREASED, Polarity.ABSENT}:
        return Polarity.ABSENT
    return None


def _boolean(value: bool, expression: str, sources: list[Source], umn: bool) -> list[Source]:
    """``valueBoolean``: negates the finding codes, or is the result of a plain test code."""
    if sources:
        if value:
            return sources
        return [
            Source(_negate(s.polarity), expression, f"valueBoolean false negates {s.says}")
            for s in sources
        ]
    polarity = boolean_result(value, umn)
    says = ("sign " if umn else "") + ("present" if value else "absent")
    return [
        Source(
            polarity,
            expression,
            f"valueBoolean {str(value).lower()} means {says} ({polarity.value})",
        )
    ]


def boolean_result(value: bool, umn: bool) -> Polarity:
    """What a plain ``valueBoolean`` says: a test present (normal) or absent, or an upper motor
    neuron sign present (increased) or absent (normal)."""
    if umn:
        return Polarity.INCREASED if value else Polarity.NORMAL
    return Polarity.NORMAL if value else Polarity.ABSENT


def _negate(polarity: Polarity) -> Polarity:
    return Polarity.ABNORMAL if polarity is Polarity.NORMAL else Polarity.NORMAL


#: (scale name, top grade, grade -> result) of each kind of score ("umn": upper motor neuron).
_SCALES: dict[t.Any, tuple[str, int, dict[int, Polarity]]] = {
    Kind.SENSORY: (
        "ISNCSCI sensory score",
        2,
        {0: Polarity.ABSENT, 1: Polarity.DECREASED, 2: Polarity.NORMAL},
    ),
    Kind.MOTOR: (
        "MRC muscle grade",
        5,
        {0: Polarity.ABSENT, 5: Polarity.NORMAL} | dict.fromkeys(range(1, 5), Polarity.DECREASED),
    ),
    "umn": (
        "grade of an upper motor neuron sign",
        4,
        {0: Polarity.NORMAL} | dict.fromkeys(range(1, 5), Polarity.INCREASED),
    ),
    Kind.REFLEX: (
        "reflex grade",
        4,
        {
            0: Polarity.ABSENT,
            1: Polarity.DECREASED,
            2: Polarity.NORMAL,
            3: Polarity.INCREASED,
            4: Polarity.INCREASED,
        },
    ),
}


def scale_of(kind: Kind, umn: bool) -> tuple[str, int, dict[int, Polarity]]:
    """(name, top grade, grade -> result) of the score of a *kind* of test (*umn*: an upper
    motor neuron sign)."""
    return _SCALES[kind if kind is not Kind.REFLEX or not umn else "umn"]


def _graded(kind: Kind, umn: bool, grade: int, expression: str) -> Source:
    """A numeric score on the scale of *kind*.

    :raise Unprocessable: (issue type ``value``) when the score is outside its scale.
    """
    scale, top, table = scale_of(kind, umn)
    if grade not in table:
        raise _value_error(
            f"{expression} is {grade}, outside the {scale} range 0-{top}", expression
        )
    return Source(table[grade], expression, f"{scale} {grade} means {table[grade].value}")


def contradiction(message: str, expression: str | t.Sequence[str]) -> ContradictoryFinding:
    """A 422 ``business-rule`` issue: one Observation states two different things."""
    expressions = (expression,) if isinstance(expression, str) else tuple(expression)
    return t.cast(
        ContradictoryFinding,
        ContradictoryFinding.many([Issue(message, expressions, "business-rule")]),
    )


def _value_error(message: str, expression: str) -> Unprocessable:
    """A 422 whose issue type is ``value`` (a score the service cannot read)."""
    return t.cast(Unprocessable, Unprocessable.many([Issue(message, (expression,), "value")]))


def _string_grade(value: str, kind: Kind, expression: str) -> int:
    text = value.strip()
    if _NOT_TESTABLE.match(text):
        raise NotExamined("not examined (scored NT, not testable)")
    if kind is Kind.REFLEX and text in REFLEX_STRINGS:
        return REFLEX_STRINGS[text]
    if kind is not Kind.REFLEX and text.isdigit() and text.isascii():
        if len(text) > 18:  # past any scale (and int() refuses over 4,300 digits)
            raise _value_error(
                f"{expression} is a number of {len(text)} digits, outside the range of any score",
                expression,
            )
        return int(text)
    wanted = (
        "a reflex grade 0, 1+, 2+, 3+, 4+ (or +, ++, +++, ++++)"
        if kind is Kind.REFLEX
        else "a whole-number score"
    )
    raise _value_error(f"{expression} is not {wanted}", expression)


def _quantity_grade(quantity: t.Any, expression: str) -> int:
    value = quantity.get("value") if isinstance(quantity, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise _value_error(f"{expression} must be a whole-number score", expression)
    return int(value)


def _coded_value(
    concept: t.Any, expression: str, reading: CodeReading, target: str, table: Table
) -> tuple[list[Source], Side | None]:
    """Sources and side stated by ``valueCodeableConcept``: interpretation or finding codes."""
    sources: list[Source] = []
    sides = set()
    for coding in _codings(concept):
        row = finding_for(table, coding)
        if row is None or row.polarity is None:
            continue
        if row.kind != "value":
            if TEST_KINDS.get(row.kind) is not reading.kind or (
                row.target and row.target != target and target not in (None, "sensation")
            ):
                raise contradiction(
                    f"{expression} is a finding about a different test ({row.code} "
                    f"{row.display}) than {expression.rsplit('.', 1)[0]}.code",
                    expression,
                )
            if row.side:
                sides.add(Side(row.side))
        sources.append(
            Source(
                Polarity(row.polarity),
                expression,
                f"{row.code} ({row.display}) means {row.polarity}",
            )
        )
    if len(sides) > 1:
        raise contradiction(f"{expression} names both sides", expression)
    return sources, next(iter(sides), None)


def _interpretation(concept: t.Any, expression: str, table: Table) -> list[Source]:
    out = []
    for coding in _codings(concept):
        row = finding_for(table, coding)
        if row is not None and row.kind == "value" and row.polarity:
            out.append(
                Source(
                    Polarity(row.polarity),
                    expression,
                    f"interpretation {row.code} ({row.display}) means {row.polarity}",
                )
            )
    return out


def _absent_reason(concept: t.Any) -> str:
    codes = [c["code"] for c in _codings(concept)]
    return (
        f"not examined (dataAbsentReason {codes[0]})"
        if codes
        else "not examined (dataAbsentReason given)"
    )


def _code_list(concept: t.Any) -> str:
    codes = [f"{c.get('system', '')}|{c['code']}" for c in _codings(concept)[:3]]
    return ", ".join(codes) if codes else "text only, no coding"
