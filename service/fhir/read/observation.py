"""One Observation in, its findings (or the reason it was not used) out.

An Observation gives one finding from its own ``code`` and value, and one more per ``component``
whose code is a neuro exam finding (panel-style exports), all sharing the Observation's
``bodySite`` and ``ref``. See DESIGN §3 for the kinds; :mod:`.values` reads results and
:mod:`.sites` the site and side.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from terminology import NEURO_EXAM, SNOMED, Table

from ...core.model import Finding, Kind, Polarity, Side
from .sites import Place, Resolver, SideSource, read_place, resolve_side
from .values import (
    CodeReading,
    NotExamined,
    UnreadableValue,
    finding_for,
    read_code,
    read_result,
)

__all__ = [
    "STATUS_REASONS",
    "USED_STATUSES",
    "ObservationReading",
    "code_list",
    "read_observation",
]

#: Observation.status values whose results are read.
USED_STATUSES = frozenset({"final", "amended", "corrected", "preliminary"})
#: Why an Observation with one of the other statuses is not used, in a clinician's words.
STATUS_REASONS = {
    "entered-in-error": "recorded in error (status entered-in-error)",
    "cancelled": "the examination was cancelled (status cancelled)",
    "registered": "no result yet (status registered)",
    "unknown": "its status is unknown, so the result cannot be relied on (status unknown)",
}


@dataclass(slots=True)
class ObservationReading:
    """What one Observation gave: findings, or why it gave none (``skip`` = (category, reason)),
    and warnings for the answer."""

    findings: list[Finding] = field(default_factory=list)
    skip: tuple[str, str] | None = None
    warnings: list[str] = field(default_factory=list)


class _Problem(Exception):
    """One item (the Observation or a component) gives no finding; args = (category, reason)."""


def read_observation(
    observation: dict[str, t.Any], path: str, ref: str, table: Table, resolve: Resolver
) -> ObservationReading:
    """Read *observation* (at *path*, named *ref* in the answer).

    :raise ContradictoryFinding: the Observation states two different results or sides.
    :raise Unprocessable: a score out of its range.
    """
    out = ObservationReading()
    status = observation.get("status")
    if status not in USED_STATUSES:
        out.skip = ("status", STATUS_REASONS.get(str(status), f"status {status} is not read"))
        return out
    top = read_code(observation.get("code"), f"{path}.code", table)
    components = [
        (i, c) for i, c in enumerate(observation.get("component") or ()) if isinstance(c, dict)
    ]
    readings = [
        (i, c, read_code(c.get("code"), f"{path}.component[{i}].code", table))
        for i, c in components
    ]
    if top is None and not any(reading for _, _, reading in readings):
        out.skip = (
            "not-neuro",
            f"not a neurological exam finding this service reads "
            f"(code {code_list(observation.get('code'))})",
        )
        return out

    reader = _Reader(observation, path, ref, table, resolve)
    problems: list[tuple[str, str]] = []
    partial: list[str] = []
    last: tuple[str, str] | None = None
    if top is not None:
        try:
            out.findings.append(reader.finding(observation, path, top))
        except _Problem as problem:
            if _states_result(observation) or not components:
                problems.append(problem.args)
                partial.append(f"{ref}: its own result not used: {problem.args[1]}")
            else:  # a panel's own code without a result is expected; its components say more
                last = problem.args
    for i, component, reading in readings:
        label = f"component[{i}]"
        if reading is None:
            partial.append(
                f"{ref}: {label} (code {code_list(component.get('code'))}) is not a "
                "neurological exam finding this service reads; ignored"
            )
            continue
        try:
            out.findings.append(reader.finding(component, f"{path}.{label}", reading))
        except _Problem as problem:
            problems.append(problem.args)
            partial.append(f"{ref}: {label} not used: {problem.args[1]}")
    if last is not None:
        problems.append(last)
    if out.findings:
        out.warnings.extend(partial)
    else:
        out.skip = problems[0] if problems else ("no-result", "no result given")
    out.warnings.extend(reader.warnings)
    return out


class _Reader:
    """Reads the items of one Observation; computes its site and coded sides once."""

    def __init__(
        self, observation: dict[str, t.Any], path: str, ref: str, table: Table, resolve: Resolver
    ):
        self.observation, self.path, self.ref, self.table, self.resolve = (
            observation,
            path,
            ref,
            table,
            resolve,
        )
        self._place: Place | None = None
        self.warnings: list[str] = []

    @property
    def place(self) -> Place:
        if self._place is None:
            self._place = read_place(self.observation, self.path, self.table, self.resolve)
            self.warnings.extend(f"{self.ref}: {w}" for w in self._place.warnings)
        return self._place

    def finding(self, element: dict[str, t.Any], item_path: str, reading: CodeReading) -> Finding:
        """The finding of one item (the Observation itself or a component)."""
        if element.get("dataAbsentReason") is not None:
            codes = code_list(element["dataAbsentReason"], with_system=False)
            reason = (
                f"not examined (dataAbsentReason {codes})"
                if codes
                else "not examined (dataAbsentReason)"
            )
            raise _Problem("not-examined", reason)
        target, modality = self._target(reading)
        reflex = self.table.reflex(target) if reading.kind is Kind.REFLEX else None
        umn = reflex is not None and reflex.kind == "umn"
        try:
            result = read_result(element, item_path, reading, modality, umn, self.table)
        except NotExamined as absent:
            raise _Problem("not-examined", str(absent)) from None
        except UnreadableValue as unread:
            raise _Problem("unreadable", str(unread)) from None
        if result is None:
            raise _Problem(
                "no-result",
                "no result given (no value, interpretation or finding code that states one)",
            )
        side, from_text = self._side(result.side, result.side_expression)
        return Finding(
            self.ref, reading.kind, target, modality, result.polarity, side, result.grade, from_text
        )

    def _target(self, reading: CodeReading) -> tuple[str, str]:
        """(target, modality) of an item; raises :class:`_Problem` when it cannot be known."""
        if reading.kind is Kind.SENSORY:
            place = self.place
            if place.site is None:
                if not place.site_codes:
                    raise _Problem(
                        "no-site",
                        "sensory finding without a coded body site, so no dermatome can be named",
                    )
                codes = ", ".join(code for _, code in place.site_codes[:3])
                raise _Problem("site-unknown", f"body site {codes} is not in the terminology table")
            return place.site.code, reading.target or "sensation"
        if reading.kind is Kind.REFLEX:
            target = reading.target or self._reflex_from_site()
            if target is None:
                if any(source.polarity is Polarity.INCREASED for source in reading.sources):
                    target = "hyperreflexia"
                else:
                    raise _Problem(
                        "no-reflex",
                        "reflex finding without a body site that names the reflex "
                        "(for example the patellar tendon or the knee)",
                    )
            return target, target
        target = reading.target or self._movement_from_method()
        if target is None:
            raise _Problem(
                "no-movement",
                "muscle strength without the movement tested (give a movement "
                "code in component.code or Observation.method)",
            )
        return target, target

    def _reflex_from_site(self) -> str | None:
        for system, code in self.place.site_codes:
            reflex = self.table.reflex_for_site(code) if system == SNOMED else None
            if reflex is not None:
                return reflex.id
        return None

    def _movement_from_method(self) -> str | None:
        method = self.observation.get("method")
        for coding in (method.get("coding") or ()) if isinstance(method, dict) else ():
            if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
                continue
            row = finding_for(self.table, coding)
            if row is not None and row.kind == "motor" and row.target:
                return row.target
            if (
                coding.get("system") == NEURO_EXAM
                and self.table.movement(coding["code"]) is not None
            ):
                return t.cast(str, coding["code"])
        return None

    def _side(
        self, code_side: Side | None, code_expression: str | None
    ) -> tuple[Side | None, bool]:
        """The side from the coded sources, else from ``bodySite.text`` (with a warning)."""
        place = self.place
        sides = list(place.sides)
        if code_side is not None and code_expression is not None:
            sides.append(SideSource(code_side, code_expression))
        side = resolve_side(sides, f"{self.path}.bodySite")
        if side is not None:
            if place.text_side is not None and place.text_side is not side:
                self._warn(
                    f"{self.ref}: bodySite.text names the {place.text_side.value} side but the "
                    f"codes say {side.value}; the coded side was used"
                )
            return side, False
        if place.text_side is not None:
            self._warn(
                f"{self.ref}: side ({place.text_side.value}) taken from the words of "
                "bodySite.text; no code gave it"
            )
            return place.text_side, True
        if place.text_ambiguous:
            self._warn(
                f"{self.ref}: bodySite.text names more than one side; the side was left unknown"
            )
        return None, False

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def _states_result(element: dict[str, t.Any]) -> bool:
    return bool(element.get("interpretation")) or any(name.startswith("value") for name in element)


def code_list(concept: t.Any, *, with_system: bool = True) -> str:
    """The first three codes of a CodeableConcept (``system|code``), for messages."""
    codings = concept.get("coding") if isinstance(concept, dict) else None
    codes = [
        f"{c.get('system', '')}|{c['code']}" if with_system else c["code"]
        for c in (codings if isinstance(codings, list) else ())
        if isinstance(c, dict) and isinstance(c.get("code"), str)
    ]
    if not codes:
        return "without a coding" if with_system else ""
    return ", ".join(codes[:3]) + (", …" if len(codes) > 3 else "")
