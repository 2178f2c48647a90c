"""Marshmallow schemas for the shape of one row of each terminology CSV file.

A schema checks one row on its own: vocabularies, segments, weights, code formats, and the rules
that tie the columns of a row together (a site needs a core or a variable zone; a key point must be
a core segment of weight 1.0). References between rows and files (source keys, finding targets,
duplicates) are checked by the loader. Schemas return plain values (``str``, ``None``, ``bool``,
tuples); the loader builds the dataclasses. Empty fields never reach a schema: the loader rejects
them first, since ``-`` is the explicit "none".

No Flask and no fhir.resources imports here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema

from .codes import (
    DISTAL,
    FINDING_KINDS,
    INTERPRETATION,
    KNOWN_SYSTEMS,
    NERVES,
    NEURO_EXAM,
    POLARITIES,
    REFLEX_KINDS,
    REGIONS,
    SEGMENTS,
    SENSORY_TARGETS,
    SIDES,
    SNOMED,
)

__all__ = [
    "NONE",
    "DiagnosisSchema",
    "FindingSchema",
    "LateralitySchema",
    "MovementSchema",
    "PatternSchema",
    "ReflexSchema",
    "SiteSchema",
    "SourceSchema",
    "is_sctid",
]

#: The explicit "none" of every optional column.
NONE = "-"

_SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_WEIGHT = re.compile(r"\d(?:\.\d{1,3})?")
_SCTID = re.compile(r"[1-9]\d{5,17}")
_INTERPRETATION_CODE = re.compile(r"[A-Z]{1,3}")

# Verhoeff dihedral-group tables: SNOMED CT identifiers end in a Verhoeff check digit, so a
# mistyped code (a swapped or wrong digit) is caught at load time rather than shipped.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # fmt: skip
# Verhoeff's position permutations: the i-th is the first one applied i times.
_P1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P = tuple(
    tuple(functools.reduce(lambda x, _: _P1[x], range(i), d) for d in range(10)) for i in range(8)
)


def is_sctid(code: str) -> bool:
    """Whether ``code`` is a well-formed SNOMED CT concept id (partition 00/10, Verhoeff check)."""
    if not _SCTID.fullmatch(code) or code[-3:-1] not in ("00", "10"):
        return False
    check = 0
    for position, digit in enumerate(reversed(code)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def _slug(text: str, what: str) -> str:
    if not _SLUG.fullmatch(text):
        raise ValidationError(f"malformed {what} {text!r} (lowercase words joined by '-')")
    return text


def _sctid(text: str) -> str:
    if not is_sctid(text):
        raise ValidationError(f"{text!r} is not a valid SNOMED CT concept id")
    return text


class _Column(fields.Field[Any]):
    """A CSV column: always a string; subclasses turn it into a value."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if not isinstance(value, str):
            raise ValidationError("not a string")
        return self.convert(value)

    def convert(self, text: str) -> Any:
        return text


class Text(_Column):
    """Free text; with ``optional=True``, ``-`` means none."""

    def __init__(self, *, optional: bool = False) -> None:
        super().__init__(required=True)
        self.optional = optional

    def convert(self, text: str) -> str | None:
        return None if self.optional and text == NONE else text


class Choice(_Column):
    """One value of a closed vocabulary; with ``optional=True``, ``-`` means none."""

    def __init__(self, choices: Collection[str], what: str, *, optional: bool = False) -> None:
        super().__init__(required=True)
        self.choices, self.what, self.optional = choices, what, optional

    def convert(self, text: str) -> str | None:
        if self.optional and text == NONE:
            return None
        if text not in self.choices:
            raise ValidationError(f"unknown {self.what} {text!r}")
        return text


class YesNo(_Column):
    def convert(self, text: str) -> bool:
        if text not in DISTAL:
            raise ValidationError(f"expected 'yes' or 'no', got {text!r}")
        return text == "yes"


class Slug(_Column):
    def __init__(self, what: str, *, optional: bool = False) -> None:
        super().__init__(required=True)
        self.what, self.optional = what, optional

    def convert(self, text: str) -> str | None:
        return None if self.optional and text == NONE else _slug(text, self.what)


class Words(_Column):
    """Space-separated items, each checked by ``item``; ``-`` is the empty tuple if ``optional``."""

    def __init__(self, item: Callable[[str], str], *, optional: bool) -> None:
        super().__init__(required=True)
        self.item, self.optional = item, optional

    def convert(self, text: str) -> tuple[str, ...]:
        if text == NONE:
            if self.optional:
                return ()
            raise ValidationError("at least one item is required")
        items = tuple(self.item(word) for word in _split(text))
        if len(set(items)) != len(items):
            raise ValidationError(f"an item is listed twice in {text!r}")
        return items


class WeightedList(_Column):
    """``SEG:weight`` items separated by single spaces, weight in (0, 1]; ``-`` is empty."""

    def convert(self, text: str) -> tuple[tuple[str, float], ...]:
        if text == NONE:
            return ()
        items: list[tuple[str, float]] = []
        for word in _split(text):
            segment, colon, weight = word.partition(":")
            if not colon or not _WEIGHT.fullmatch(weight):
                raise ValidationError(f"malformed item {word!r} (expected SEG:weight, e.g. L4:0.5)")
            if segment not in SEGMENTS:
                raise ValidationError(f"unknown segment {segment!r} in {word!r}")
            if not Decimal(0) < Decimal(weight) <= Decimal(1):
                raise ValidationError(f"weight out of (0, 1] in {word!r}")
            if any(segment == seen for seen, _ in items):
                raise ValidationError(f"segment {segment} is listed twice")
            items.append((segment, float(weight)))
        return tuple(items)


def _split(text: str) -> list[str]:
    words = text.split(" ")
    if "" in words:
        raise ValidationError(f"items must be separated by single spaces in {text!r}")
    return words


def _sources() -> Words:
    return Words(lambda word: _slug(word, "source key"), optional=False)


def _check_zones(data: Mapping[str, Any], *, required: bool) -> None:
    core, variable = data["core"], data["variable"]
    if required and not core and not variable:
        raise ValidationError("core and variable are both '-'; give at least one segment")
    both = {segment for segment, _ in core} & {segment for segment, _ in variable}
    if both:
        raise ValidationError(f"segment(s) {', '.join(sorted(both))} in both core and variable")


class SourceSchema(Schema):
    key = Slug("source key")
    citation = Text()
    url = Text(optional=True)

    @validates_schema
    def _url(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        url = data["url"]
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValidationError(f"url must start with http:// or https://, got {url!r}")


def _nerve(word: str) -> str:
    if word not in NERVES:
        raise ValidationError(f"unknown nerve {word!r}")
    return word


class SiteSchema(Schema):
    system = Choice(KNOWN_SYSTEMS, "code system")
    code = Text()
    display = Text()
    side = Choice(SIDES, "side", optional=True)
    region = Choice(REGIONS, "region")
    core = WeightedList(required=True)
    variable = WeightedList(required=True)
    # A skin area can lie in two nerves' territories (the anterolateral thigh: femoral and
    # lateral femoral cutaneous), so sites list every nerve; reflexes and movements have one.
    nerves = Words(_nerve, optional=True)
    distal = YesNo(required=True)
    key_point = Choice(SEGMENTS, "segment", optional=True)
    sources = _sources()
    note = Text(optional=True)

    @validates_schema
    def _row(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if data["system"] != SNOMED:
            raise ValidationError(f"sites must be SNOMED CT ({SNOMED}), got {data['system']!r}")
        _sctid(data["code"])
        _check_zones(data, required=True)
        key = data["key_point"]
        if key is not None and (key, 1.0) not in data["core"]:
            raise ValidationError(f"key point {key} must be a core segment with weight 1.0")


class ReflexSchema(Schema):
    id = Slug("reflex id")
    display = Text()
    kind = Choice(REFLEX_KINDS, "kind")
    core = WeightedList(required=True)
    variable = WeightedList(required=True)
    nerve = Choice(NERVES, "nerve", optional=True)
    sites = Words(_sctid, optional=True)
    sources = _sources()
    note = Text(optional=True)

    @validates_schema
    def _row(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if data["kind"] == "dtr":
            _check_zones(data, required=True)
        elif data["core"] or data["variable"] or data["nerve"] is not None:
            raise ValidationError(
                "an upper-motor-neuron sign (kind umn) has core, variable and nerve '-'"
            )


class MovementSchema(Schema):
    id = Slug("movement id")
    display = Text()
    core = WeightedList(required=True)
    variable = WeightedList(required=True)
    nerve = Choice(NERVES, "nerve", optional=True)
    sources = _sources()
    note = Text(optional=True)

    @validates_schema
    def _row(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        _check_zones(data, required=True)


class FindingSchema(Schema):
    system = Choice(KNOWN_SYSTEMS, "code system")
    code = Text()
    display = Text()
    kind = Choice(FINDING_KINDS, "kind")
    target = Slug("target", optional=True)
    polarity = Choice(POLARITIES, "polarity", optional=True)
    side = Choice(SIDES, "side", optional=True)
    sources = _sources()

    @validates_schema
    def _row(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        system, code, kind, target = data["system"], data["code"], data["kind"], data["target"]
        if system == SNOMED:
            _sctid(code)
        elif system == NEURO_EXAM:
            _slug(code, "service code")
        elif system == INTERPRETATION and not _INTERPRETATION_CODE.fullmatch(code):
            raise ValidationError(f"malformed interpretation code {code!r}")
        if kind == "sensory" and target not in SENSORY_TARGETS:
            raise ValidationError(f"a sensory target is one of {', '.join(SENSORY_TARGETS)}")
        if kind == "value" and target is not None:
            raise ValidationError("a value row has target '-'")


class PatternSchema(Schema):
    code = Slug("pattern code")
    display = Text()
    definition = Text()
    snomed = Text(optional=True)
    snomed_display = Text(optional=True)
    sources = _sources()

    @validates_schema
    def _row(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if data["snomed"] is not None:
            _sctid(data["snomed"])
        if (data["snomed"] is None) != (data["snomed_display"] is None):
            raise ValidationError("snomed and snomed_display are both given or both '-'")


#: The sides a laterality code states (a finding may be bilateral, unlike a table site).
LATERALITY_SIDES: tuple[str, ...] = (*SIDES, "bilateral")
#: A diagnosis row's region: the letter of a root's segment (C, T, L, S).
DIAGNOSIS_REGIONS: tuple[str, ...] = tuple(dict.fromkeys(segment[0] for segment in SEGMENTS))


class LateralitySchema(Schema):
    """A SNOMED CT laterality qualifier: read from any laterality encoding, and the one per side
    with ``emit`` = yes written on findings."""

    code = Text()
    display = Text()
    side = Choice(LATERALITY_SIDES, "side")
    emit = YesNo()
    sources = _sources()
    note = Text(optional=True)

    @validates_schema
    def _row(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        _sctid(data["code"])


class DiagnosisSchema(Schema):
    """The SNOMED CT diagnosis coded for a pattern whose first root lies in a region."""

    pattern = Slug("pattern code")
    region = Choice(DIAGNOSIS_REGIONS, "region")
    code = Text()
    display = Text()
    sources = _sources()
    note = Text(optional=True)

    @validates_schema
    def _row(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        _sctid(data["code"])
