"""Exam Observations read in one pass (issue 6: the request path near the floor; issue 12:
messy exams stay fast).

:func:`read_common` reads the shapes exam Observations come in without building the
intermediate records of the general reader (:func:`~.observation.read_observation`: paths,
sources, places), about four times faster, and *declines* (returns None) everything else, which
then goes the general way. It reads:

- ``code``: exactly one coding naming a test (not a result or a side itself), or, for a panel,
  a code that names no test (or a test without a result) with the findings in ``component``;
- ``bodySite``: SNOMED CT concepts, plain or post-coordinated with a laterality
  (``6417001:272741003=7771000``), laterality extensions, BodyStructure references (contained
  or in the request) read from their ``locationQualifier`` and ``location``, and the words
  left/right in ``bodySite.text`` when no code gives the side (with the general reader's
  warning);
- the result: ``valueInteger``, ``valueBoolean``, ``valueString`` (reflex grades ``2+``,
  ``++``; whole-number scores), ``valueCodeableConcept`` (interpretation codes or SNOMED CT
  findings of the same test), ``interpretation`` codes, alone or beside a value, all of which
  must agree; ``dataAbsentReason`` (the Observation is skipped as not examined).

It declines ``method``, Observation extensions, the other value types, a code or value the
table lacks or that names another test or a side, sides that disagree, a BodyStructure that is
not in the request, a text naming a side other than the coded one (or several sides), a score
out of its range, an ``NT`` score, a component that gives no finding: everything the general
reader would refuse, skip (but for ``dataAbsentReason``) or warn about (but for the side from
the text). So whenever it answers, the answer is the general reader's: the same findings, skip
and warnings. It only ever *looks* a BodyStructure up (:meth:`Structures.peek`) until it is sure
to answer; then it marks the ones it used, as the general reader would have.
``tests/fhir/test_parse_common.py`` checks this on every sample, the official examples and
generated exams (common and messy), with the fast reader switched on and off.

It relies on the structure check having passed (at most one ``value[x]`` per element).
"""

from __future__ import annotations

import typing as t

from terminology import SNOMED, Table

from ...core.model import Finding, Kind, Polarity, Side
from . import sites
from .observation import USED_STATUSES, ObservationReading, code_list
from .sites import BODY_SITE_EXTENSION, lateral_side, text_sides
from .values import REFLEX_STRINGS, TEST_KINDS, boolean_result, combine, scale_of

__all__ = ["Structures", "read_common"]

#: Elements of an Observation that only the general reader reads.
_GENERAL = frozenset(
    {
        "method",
        "extension",
        "valueQuantity",
        "valueRange",
        "valueRatio",
        "valueSampledData",
        "valueTime",
        "valueDateTime",
        "valuePeriod",
    }
)
#: The elements of a component this reader reads (anything else: the general reader).
_COMPONENT = frozenset(
    {
        "id",
        "code",
        "valueInteger",
        "valueBoolean",
        "valueString",
        "valueCodeableConcept",
        "interpretation",
    }
)
#: Elements that take an Observation off the straight path: a panel, or not examined.
_NOT_PLAIN = _GENERAL | {"component", "dataAbsentReason"}
_LATERALITY_ATTRIBUTE = "272741003"
#: grade -> result of each kind's score, and of an upper motor neuron sign (:func:`scale_of`)
_GRADES = {kind: scale_of(kind, False)[2] for kind in Kind}
_UMN_GRADES = scale_of(Kind.REFLEX, True)[2]
#: builds a :class:`Finding` from all its fields without the named tuple's Python-level
#: ``__new__`` (what that ``__new__`` itself does): a fifth of a microsecond per Observation
_new_finding = tuple.__new__
_NO_PLACE: tuple[t.Any, Side | None, list[str], Side | None, tuple[str, ...]] = (
    None,
    None,
    [],  # never appended to: there is no bodySite to read
    None,
    (),
)


class Structures(t.Protocol):
    """The BodyStructures of a request (``request.BodyStructures``)."""

    def __call__(self, reference: str, observation: dict[str, t.Any]) -> dict[str, t.Any] | None:
        """The BodyStructure *reference* points to, marked as used."""

    def peek(self, reference: str, observation: dict[str, t.Any]) -> dict[str, t.Any] | None:
        """The same, not marked."""


def read_common(
    observation: dict[str, t.Any], ref: str, table: Table, structures: Structures | None = None
) -> Finding | ObservationReading | None:
    """What *observation* (named *ref*) gives: its one finding, or a reading (several findings,
    a side from the text with its warning, or not examined), or None to decline."""
    if observation.get("status") not in USED_STATUSES:
        return None
    if not _NOT_PLAIN.isdisjoint(observation):
        if not _GENERAL.isdisjoint(observation):
            return None
        if "component" in observation:
            return _panel(observation, ref, table, structures)
    test = _one_row(observation.get("code"), table)
    if test is None or test.polarity or test.side or test.kind not in TEST_KINDS:
        return None
    if "dataAbsentReason" in observation:
        return _not_examined(observation["dataAbsentReason"])
    place = _place(observation.get("bodySite"), table, observation, structures)
    if place is None:
        return None
    finding = _finding(observation, ref, TEST_KINDS[test.kind], test.target, place, table)
    if finding is None or (place[3] is None and not place[4]):
        return finding
    if place[4]:
        _mark(place[4], observation, structures)
    if finding.side_from_text:
        side = finding.side
        assert side is not None  # a side read from text is always a side
        return ObservationReading([finding], None, [_text_warning(ref, side)])
    return finding


def _finding(
    element: dict[str, t.Any],
    ref: str,
    kind: Kind,
    code_target: str | None,
    place: tuple[t.Any, Side | None, list[str], Side | None, tuple[str, ...]],
    table: Table,
) -> Finding | None:
    """The finding of one item (the Observation or a component) at *place*, or None."""
    site, side, site_codes, text_side, _used = place
    target: str | None
    if kind is Kind.SENSORY:
        if site is None:
            return None
        target, modality = site.code, code_target or "sensation"
    else:
        target = code_target
        if kind is Kind.REFLEX and not target:
            target = next((r.id for code in site_codes if (r := table.reflex_for_site(code))), None)
        if target is None:
            return None
        modality = target
    if target is None:
        return None
    umn = kind is Kind.REFLEX and getattr(table.reflex(target), "kind", None) == "umn"
    grade = None
    if "valueInteger" in element and "interpretation" not in element:
        grade = element["valueInteger"]
        if type(grade) is not int:
            return None
        polarity = (_UMN_GRADES if umn else _GRADES[kind]).get(grade)
    elif "interpretation" in element:
        polarity, grade = _combined(element, kind, modality, umn, table)
    elif "valueBoolean" in element:
        value = element["valueBoolean"]
        polarity = boolean_result(value, umn) if type(value) is bool else None
    elif "valueString" in element:
        grade = _string_grade(element["valueString"], kind)
        polarity = None if grade is None else scale_of(kind, umn)[2].get(grade)
    else:
        polarity = _coded(element.get("valueCodeableConcept"), kind, modality, table)
    if polarity is None:
        return None
    fields: tuple[t.Any, ...]
    if side is None and text_side is not None:
        fields = (ref, kind, target, modality, polarity, text_side, grade, True)
    else:
        fields = (ref, kind, target, modality, polarity, side, grade, False)
    return _new_finding(Finding, fields)


def _combined(
    element: dict[str, t.Any], kind: Kind, modality: str, umn: bool, table: Table
) -> tuple[Polarity | None, int | None]:
    """(result, grade) of an element with ``interpretation``, alone or beside a value: every
    statement must agree (as :func:`.values.merge` decides), in the general reader's order."""
    grade = None
    polarity: Polarity | None = None
    if "valueInteger" in element or "valueString" in element:
        if "valueInteger" in element:
            grade = element["valueInteger"]
            if type(grade) is not int:
                return None, None
        else:
            grade = _string_grade(element["valueString"], kind)
            if grade is None:
                return None, None
        polarity = scale_of(kind, umn)[2].get(grade)
        if polarity is None:
            return None, None
    elif "valueBoolean" in element:
        value = element["valueBoolean"]
        if type(value) is not bool:
            return None, None
        polarity = boolean_result(value, umn)
    elif "valueCodeableConcept" in element:
        polarity = _coded(element["valueCodeableConcept"], kind, modality, table)
        if polarity is None:
            return None, None
    interpretation = element["interpretation"]
    if type(interpretation) is not list or not interpretation:
        return None, None
    for concept in interpretation:
        codings = concept.get("coding") if type(concept) is dict else None
        if type(codings) is not list or not codings:
            return None, None
        for coding in codings:
            row = _row(coding, table)
            if row is None or row.kind != "value" or not row.polarity:
                return None, None
            stated = Polarity(row.polarity)
            polarity = stated if polarity is None else combine(polarity, stated)
            if polarity is None:
                return None, None
    return polarity, grade


def _coded(concept: t.Any, kind: Kind, modality: str, table: Table) -> Polarity | None:
    """The result stated by a ``valueCodeableConcept``: interpretation codes, or SNOMED CT
    findings of the same test without a side; None when any coding is another thing."""
    codings = concept.get("coding") if type(concept) is dict else None
    if type(codings) is not list or not codings:
        return None
    polarity: Polarity | None = None
    for coding in codings:
        row = _row(coding, table)
        if row is None or not row.polarity:
            return None
        if row.kind != "value" and (
            TEST_KINDS.get(row.kind) is not kind
            or row.side
            or (row.target and row.target != modality and modality not in (None, "sensation"))
        ):
            return None
        stated = Polarity(row.polarity)
        polarity = stated if polarity is None else combine(polarity, stated)
        if polarity is None:
            return None
    return polarity


def _string_grade(value: t.Any, kind: Kind) -> int | None:
    """The grade a ``valueString`` gives (as :func:`.values._string_grade`), or None."""
    if type(value) is not str:
        return None
    text = value.strip()
    if kind is Kind.REFLEX:
        return REFLEX_STRINGS.get(text)
    if text.isdigit() and text.isascii() and len(text) <= 3:
        return int(text)
    return None


def _panel(
    observation: dict[str, t.Any], ref: str, table: Table, structures: Structures | None
) -> ObservationReading | None:
    """A panel: the findings of its components, when every component gives one and the
    Observation's own code gives none (it names no test, or a test without a result)."""
    components = observation["component"]
    if (
        type(components) is not list
        or not components
        or "interpretation" in observation
        or "dataAbsentReason" in observation
        or any(name.startswith("value") for name in observation)
    ):
        return None
    code = observation.get("code")
    codings = code.get("coding") if type(code) is dict else None
    for coding in codings if type(codings) is list else ():
        row = _row(coding, table)
        # the panel's own code may name a test, but not one with a result or a side
        if (
            row is not None
            and row.kind in TEST_KINDS
            and (len(t.cast(list[t.Any], codings)) != 1 or row.polarity or row.side)
        ):
            return None
    place = _place(observation.get("bodySite"), table, observation, structures)
    if place is None:
        return None
    findings = []
    for component in components:
        if type(component) is not dict or not _COMPONENT.issuperset(component):
            return None
        test = _one_row(component.get("code"), table)
        if test is None or test.polarity or test.side or test.kind not in TEST_KINDS:
            return None
        finding = _finding(component, ref, TEST_KINDS[test.kind], test.target, place, table)
        if finding is None:
            return None
        findings.append(finding)
    _site, side, _codes, text_side, used = place
    if used:
        _mark(used, observation, structures)
    warnings = [_text_warning(ref, text_side)] if side is None and text_side is not None else []
    return ObservationReading(findings, None, warnings)


def _not_examined(reason: t.Any) -> ObservationReading | None:
    """An Observation whose ``dataAbsentReason`` says it was not done: skipped, as the general
    reader skips it (before it reads the site)."""
    if reason is None:
        return None
    codes = code_list(reason, with_system=False)
    return ObservationReading(
        [],
        (
            "not-examined",
            f"not examined (dataAbsentReason {codes})"
            if codes
            else "not examined (dataAbsentReason)",
        ),
        [],
    )


def _text_warning(ref: str, side: Side) -> str:
    """The general reader's warning for a side read from ``bodySite.text``."""
    return f"{ref}: side ({side.value}) taken from the words of bodySite.text; no code gave it"


def _row(coding: t.Any, table: Table) -> t.Any:
    """The table row of one coding, or None."""
    if type(coding) is not dict:
        return None
    system, code = coding.get("system"), coding.get("code")
    if type(system) is not str or type(code) is not str:
        return None
    return table.finding(system, code)


def _one_row(concept: t.Any, table: Table) -> t.Any:
    """The table row of a CodeableConcept of exactly one coding, or None."""
    codings = concept.get("coding") if type(concept) is dict else None
    if type(codings) is not list or len(codings) != 1 or type(codings[0]) is not dict:
        return None
    system, code = codings[0].get("system"), codings[0].get("code")
    if type(system) is not str or type(code) is not str:
        return None
    return table.findings.get((system, code))


def _place(
    body_site: t.Any,
    table: Table,
    observation: dict[str, t.Any],
    structures: Structures | None,
) -> tuple[t.Any, Side | None, list[str], Side | None, tuple[str, ...]] | None:
    """(table site or None, coded side or None, SNOMED site codes, side named by the text when
    no code names one, BodyStructure references used) of a bodySite; None to decline."""
    if body_site is None:
        return _NO_PLACE
    if type(body_site) is not dict:
        return None
    sides: set[Side] = set()
    references = None
    for extension in body_site.get("extension") or ():
        if type(extension) is not dict:
            return None
        if extension.get("url") == BODY_SITE_EXTENSION:
            references = [*(references or ()), extension]
        value = extension.get("valueCodeableConcept")
        for coding in value.get("coding") or () if type(value) is dict else ():
            if type(coding) is not dict:
                return None
            code = coding.get("code")
            if coding.get("system") == SNOMED and type(code) is str:
                side = lateral_side(table, code.strip())
                if side is not None:
                    sides.add(side)
    site = None
    codes: list[str] = []
    for coding in body_site.get("coding") or ():
        code = coding.get("code") if type(coding) is dict else None
        if type(code) is not str or coding.get("system") != SNOMED:
            return None
        if not (code.isascii() and code.isdigit() and 6 <= len(code) <= 18):
            parsed = sites._expression(code)
            if parsed is None:
                return None
            code, attributes = parsed
            lateral = attributes.get(_LATERALITY_ATTRIBUTE)
            if lateral is not None and (side := lateral_side(table, lateral)) is not None:
                sides.add(side)
        codes.append(code)
        row = table.sites.get((SNOMED, code))
        if row is not None and site is None:
            site = row
            if row.side:
                sides.add(Side(row.side))
    used: tuple[str, ...] = ()
    if references is not None:
        if structures is None:
            return None
        for extension in references:
            reference = extension.get("valueReference")
            if type(reference) is not dict:
                continue
            target = reference.get("reference")
            structure = structures.peek(target, observation) if type(target) is str else None
            if structure is None:
                return None  # the general reader warns
            qualifiers = structure.get("locationQualifier")
            if qualifiers is not None:
                if type(qualifiers) is not list:
                    return None
                for qualifier in qualifiers:
                    if not _laterality(qualifier, table, sides):
                        return None
            if not codes:
                location = structure.get("location")
                if location is not None:
                    site = _location(location, table, codes, sides)
                    if site is False:
                        return None
            used += (t.cast(str, target),)  # a str: peek found a structure for it
    if len(sides) > 1:
        return None
    side = next(iter(sides), None)
    text = body_site.get("text")
    text_side = None
    if text and type(text) is str:
        named = text_sides(text)
        if named:
            if len(named) > 1 or (side is not None and named[0] is not side):
                return None  # the general reader warns
            text_side = named[0]
    return site, side, codes, text_side, used


def _laterality(concept: t.Any, table: Table, sides: set[Side]) -> bool:
    """Add the SNOMED CT laterality codes of *concept* to *sides*; False to decline."""
    if type(concept) is not dict:
        return False
    for coding in concept.get("coding") or ():
        if type(coding) is not dict:
            return False
        code = coding.get("code")
        if coding.get("system") == SNOMED and type(code) is str:
            side = lateral_side(table, code.strip())
            if side is not None:
                sides.add(side)
    return True


def _location(location: t.Any, table: Table, codes: list[str], sides: set[Side]) -> t.Any:
    """The table site of a BodyStructure's ``location`` (adding its codes and sides), None when
    the table has none, False to decline."""
    codings = location.get("coding") if type(location) is dict else None
    if codings is None:
        return None
    if type(codings) is not list:
        return False
    site = None
    for coding in codings:
        code = coding.get("code") if type(coding) is dict else None
        if type(code) is not str or coding.get("system") != SNOMED:
            return False
        parsed = sites._expression(code)
        if parsed is None:
            return False
        code, attributes = parsed
        lateral = attributes.get(_LATERALITY_ATTRIBUTE)
        if lateral is not None and (side := lateral_side(table, lateral)) is not None:
            sides.add(side)
        codes.append(code)
        row = table.site(SNOMED, code)
        if row is not None and site is None:
            site = row
            if row.side:
                sides.add(Side(row.side))
    return site


def _mark(used: tuple[str, ...], observation: dict[str, t.Any], structures: t.Any) -> None:
    """Mark the BodyStructures an answered Observation used, as the general reader does."""
    for reference in used:
        structures(reference, observation)
