"""Where an Observation was made: the body site and its side (DESIGN §3, laterality).

Sources of the side, in the contract's order: an extension on ``bodySite`` whose
valueCodeableConcept is SNOMED Left/Right/Bilateral (any URL); a post-coordinated SNOMED
expression in a bodySite code (``6417001:272741003=7771000``); a pre-coordinated lateral site of
the table (``Site.side``); a BodyStructure referenced through the extension
``http://hl7.org/fhir/StructureDefinition/bodySite``, read from its ``locationQualifier``. Coded
sides must agree (else 422 naming ``bodySite``). The words left/right/bilateral in
``bodySite.text`` are the last resort, used only when no code gives a side, with a warning.
"""

from __future__ import annotations

import functools
import re
import typing as t
from dataclasses import dataclass

from terminology import SNOMED, Table

from ...core.model import Side
from .values import contradiction

if t.TYPE_CHECKING:
    from terminology import Site

__all__ = [
    "BODY_SITE_EXTENSION",
    "Place",
    "SideSource",
    "lateral_side",
    "parse_expression",
    "read_place",
    "resolve_side",
    "text_sides",
]

#: The core R4 extension pointing at a BodyStructure.
BODY_SITE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/bodySite"
_SIDES = {side.value: side for side in Side}


def lateral_side(table: Table, code: str) -> Side | None:
    """The side a SNOMED CT laterality qualifier states (terminology/data/laterality.csv: the
    mCODE/eHDSI set and the FHIR R4 example value set's 419161000 / 419465000), or None."""
    side = table.side_of(code)
    return _SIDES[side] if side is not None else None


_LATERALITY_ATTRIBUTE = "272741003"
_TERM = re.compile(r"\|[^|]*\|")
#: a laterality refinement anywhere in a code, for codes that are not a valid expression
_LATERAL_REFINEMENT = re.compile(r"272741003\s*(?:\|[^|]*\|)?\s*=\s*#?(\d{6,18})")
_CONCEPT = re.compile(r"^\d{6,18}$")
#: the words naming a side; group n names the n-th side of :data:`_WORD_SIDES`
_WORDS = re.compile(r"\b(?:(left)|(right)|(bilateral|both sides))\b", re.IGNORECASE)
_WORD_SIDES = (Side.LEFT, Side.RIGHT, Side.BILATERAL)

Resolver = t.Callable[[str, dict[str, t.Any]], "dict[str, t.Any] | None"]


@dataclass(frozen=True, slots=True)
class SideSource:
    """One coded statement of the side, and the element that makes it."""

    side: Side
    expression: str


@dataclass(frozen=True, slots=True)
class Place:
    """The body site and the coded sides of one Observation.

    :param site: the table row of the first site code the table knows, or None.
    :param site_codes: ``(system, code)`` of every site code given (post-coordinated ones as their
        focus concept), in order; for messages and for :meth:`Table.reflex_for_site`.
    :param sides: the coded sides, in contract order (they may still disagree with a finding code).
    :param text_side: the side the free text names, used only when no code gives one.
    """

    site: Site | None
    site_codes: tuple[tuple[str, str], ...]
    sides: tuple[SideSource, ...]
    text_side: Side | None
    text_ambiguous: bool
    warnings: tuple[str, ...]


def parse_expression(code: str) -> tuple[str, dict[str, str]] | None:
    """Split a SNOMED CT compositional expression into its focus concept and attribute values.

    ``"6417001 |Medial malleolus| : 272741003 |Laterality| = 7771000 |Left|"`` gives
    ``("6417001", {"272741003": "7771000"})``; a plain concept id gives ``(code, {})``.
    :return: None when *code* is not a concept id or a simple expression.
    """
    text = re.sub(r"\s+", "", _TERM.sub("", code))
    for prefix in ("===", "<<<"):
        text = text.removeprefix(prefix)
    focus, _, refinement = text.partition(":")
    focus = focus.split("+", 1)[0]
    if not _CONCEPT.match(focus):
        return None
    attributes = {}
    for part in re.split(r"[,{}()]", refinement):
        name, equals, value = part.partition("=")
        if equals and _CONCEPT.match(name):
            attributes[name] = value.lstrip("#")
    return focus, attributes


#: :func:`parse_expression`, memoised for :func:`_site` (which only reads the result): the same
#: site codes come back Observation after Observation.
_expression = functools.lru_cache(maxsize=4096)(parse_expression)


def read_place(observation: dict[str, t.Any], path: str, table: Table, resolve: Resolver) -> Place:
    """Read the site and the coded sides of *observation* (at *path*).

    :param resolve: finds the BodyStructure a reference points to (``#id`` in ``contained``, a
        fullUrl or ``BodyStructure/id`` in the request), or None.
    :raise ContradictoryFinding: when the coded sides disagree.
    """
    found = observation.get("bodySite")
    body_site: dict[str, t.Any] = found if isinstance(found, dict) else {}
    sides: list[SideSource] = []
    warnings: list[str] = []
    at = f"{path}.bodySite"

    extensions = _list(body_site.get("extension"))
    for k, extension in enumerate(extensions):
        for code in _snomed_codes(extension.get("valueCodeableConcept")):
            if (side := lateral_side(table, code)) is not None:
                sides.append(SideSource(side, f"{at}.extension[{k}]"))

    site, site_codes, coded_sides = _site(_codings(body_site), at, table, warnings)
    sides.extend(coded_sides)

    references = [
        (f"{at}.extension[{k}]", ext)
        for k, ext in enumerate(extensions)
        if ext.get("url") == BODY_SITE_EXTENSION
    ]
    if "extension" in observation:
        references += [
            (f"{path}.extension[{k}]", ext)
            for k, ext in enumerate(_list(observation["extension"]))
            if ext.get("url") == BODY_SITE_EXTENSION
        ]
    for expression, extension in references:
        reference = extension.get("valueReference")
        if not isinstance(reference, dict):
            continue
        target = reference.get("reference")
        structure = resolve(target, observation) if isinstance(target, str) else None
        if structure is None:
            warnings.append(
                f"{expression} points to a BodyStructure that is not in the request; "
                "its side was not read"
            )
            continue
        for code in (
            c for q in _list(structure.get("locationQualifier")) for c in _snomed_codes(q)
        ):
            if (side := lateral_side(table, code)) is not None:
                sides.append(SideSource(side, expression))
        if not site_codes:
            site, site_codes, more = _site(
                _codings(structure.get("location")), f"{expression}.location", table, warnings
            )
            sides.extend(SideSource(s.side, expression) for s in more)

    resolve_side(sides, at)
    text = body_site["text"] if isinstance(body_site.get("text"), str) else ""
    named = text_sides(text) if text else ()
    text_side = named[0] if len(named) == 1 else None
    return Place(site, tuple(site_codes), tuple(sides), text_side, len(named) > 1, tuple(warnings))


def text_sides(text: str) -> tuple[Side, ...]:
    """The sides the words of a free text name (left, right, bilateral / both sides)."""
    named = {match.lastindex for match in _WORDS.finditer(text)}
    return tuple(side for n, side in enumerate(_WORD_SIDES, 1) if n in named)


def resolve_side(sides: t.Sequence[SideSource], body_site: str) -> Side | None:
    """The one side all coded *sides* state, or None when there is none.

    :raise ContradictoryFinding: naming *body_site* and the two disagreeing elements.
    """
    if not sides:
        return None
    first = sides[0]
    for other in sides[1:]:
        if other.side is not first.side:
            expressions = list(dict.fromkeys([body_site, first.expression, other.expression]))
            raise contradiction(
                f"{body_site} states two different sides: {first.side.value} ({first.expression}) "
                f"and {other.side.value} ({other.expression})",
                expressions,
            )
    return first.side


def _site(
    codings: list[tuple[int, dict[str, t.Any]]], at: str, table: Table, warnings: list[str]
) -> tuple[Site | None, list[tuple[str, str]], list[SideSource]]:
    """The table site, the site codes and the coded sides of the codings of *at*.

    A SNOMED code that is neither a concept id nor a simple expression but carries a laterality
    refinement (``None:272741003=7771000``, a form export with no site concept) still states
    its side: the side is read, with a warning, rather than silently lost.
    """
    site: Site | None = None
    codes: list[tuple[str, str]] = []
    sides: list[SideSource] = []
    for j, coding in codings:
        system, code = coding.get("system"), coding["code"]
        expression = f"{at}.coding[{j}]"
        if system == SNOMED:
            parsed = _expression(code)
            if parsed is None:
                codes.append((SNOMED, code))
                lateral = _LATERAL_REFINEMENT.search(code)
                side = lateral_side(table, lateral.group(1)) if lateral else None
                if side is not None:
                    sides.append(SideSource(side, f"{expression}.code"))
                    warnings.append(
                        f"{expression}.code is not a SNOMED CT concept id or expression; only "
                        f"its laterality ({side.value}) was read"
                    )
                continue
            code, attributes = parsed
            qualifier = attributes.get(_LATERALITY_ATTRIBUTE)
            side = lateral_side(table, qualifier) if qualifier else None
            if side is not None:
                sides.append(SideSource(side, f"{expression}.code"))
        codes.append((system or "", code))
        row = table.site(system, code) if isinstance(system, str) else None
        if row is not None and site is None:
            site = row
            if row.side:
                sides.append(SideSource(Side(row.side), expression))
    return site, codes, sides


def _codings(concept: t.Any) -> list[tuple[int, dict[str, t.Any]]]:
    if not isinstance(concept, dict):
        return []
    return [
        (j, c) for j, c in enumerate(_list(concept.get("coding"))) if isinstance(c.get("code"), str)
    ]


def _snomed_codes(concept: t.Any) -> list[str]:
    return [c["code"].strip() for _, c in _codings(concept) if c.get("system") == SNOMED]


def _list(value: t.Any) -> list[dict[str, t.Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
