"""Read a ``$classify-isncsci`` request into an ISNCSCI exam (DESIGN section 9, the input).

No Flask here. The envelope (Bundle or Parameters, entry count, R4 structure) is read exactly as
for ``$localize-root`` (:mod:`.envelope`, :mod:`.structure`); then each Observation is one
worksheet item, recognised from its ``code`` (neuro-exam):

- ``light-touch`` / ``pin-prick``: the key point in ``bodySite`` (a spinal-segment code ``C2`` ...
  ``S4-5``, or a SNOMED CT site the table marks as that level's key point), the side (section 3;
  required, Bilateral counts for both), ``valueInteger`` 0-2;
- the ten key-muscle movement codes: the side in ``bodySite``, ``valueInteger`` 0-5;
- ``voluntary-anal-contraction`` / ``deep-anal-pressure``: ``valueBoolean`` (true = Yes);
- ``lowest-non-key-muscle-with-motor-function``: the side, ``valueCodeableConcept`` a segment code.

``dataAbsentReason`` instead of a value is NT. The non-SCI impairment extension (the
worksheet's star) is allowed on an abnormal or NT sensory/motor item only. An item missing from
the exam counts as NT and is named in :attr:`IsncsciRequest.missing`; two Observations giving
the same item different values are a 422 naming both. Every refusal names the element.
Other Observations and resources are skipped and listed in :attr:`IsncsciRequest.skipped`.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from terminology import NEURO_EXAM, SEGMENTS, SNOMED, SPINAL_SEGMENT, Table

from ...core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS, Exam, exam_from_praxis
from ...core.model import Side as Laterality
from ...errors import Issue, ServiceError, Unprocessable
from .envelope import (
    Slot,
    bundle_identifier,
    check_size,
    parameters_form,
    request_slots,
    root_type,
    slot_reference,
)
from .request import BodyStructures, content_key_of, subject_of
from .sites import read_place, resolve_side
from .structure import check_structure
from .times import effective_range

__all__ = [
    "ISNCSCI_CODES",
    "KEY_MUSCLES",
    "NON_SCI_IMPAIRMENT",
    "IsncsciRequest",
    "parse_isncsci",
]

#: The Observation extension carrying the worksheet's star (impairment not due to the SCI).
NON_SCI_IMPAIRMENT = "http://neuroroot.org/fhir/StructureDefinition/isncsci-non-sci-impairment"
_STARS = {"consider-not-normal": "*", "consider-normal": "**"}
#: key-muscle movement code (neuro-exam) -> the level it stands for
KEY_MUSCLES: dict[str, str] = {
    "elbow-flexion": "C5",
    "wrist-extension": "C6",
    "elbow-extension": "C7",
    "finger-flexion": "C8",
    "finger-abduction": "T1",
    "hip-flexion": "L2",
    "knee-extension": "L3",
    "ankle-dorsiflexion": "L4",
    "great-toe-extension": "L5",
    "ankle-plantarflexion": "S1",
}
VAC, DAP, NON_KEY = (
    "voluntary-anal-contraction",
    "deep-anal-pressure",
    "lowest-non-key-muscle-with-motor-function",
)
#: every neuro-exam code this operation reads
ISNCSCI_CODES = frozenset({"light-touch", "pin-prick", *KEY_MUSCLES, VAC, DAP, NON_KEY})
_USABLE_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
_SCALES = {"light-touch": ("light touch", 2), "pin-prick": ("pin prick", 2)}
_SIDE_NAMES = {
    Laterality.RIGHT: ("right",),
    Laterality.LEFT: ("left",),
    Laterality.BILATERAL: ("right", "left"),
}
_OPERATION = "$classify-isncsci"


@dataclass(frozen=True, slots=True)
class IsncsciRequest:
    """What the classifier and the writer need from a request.

    :param exam: the worksheet, every missing item as NT.
    :param missing: the items the exam did not hold (e.g. ``right light touch C2``), in worksheet
        order; they count as NT.
    :param skipped: one sentence per resource or Observation not used, and why.
    :param warnings: other things the answer should say (a side read from free text).
    :param derived_from: Reference dicts of the Observations used, in input order.
    :param subject: the common subject Reference, or None.
    :param effective_start: the earliest effective[x] of the used Observations, as given.
    :param effective_end: the latest one.
    :param identifier: Bundle.identifier as (system, value), if any.
    :param content_key: sha256 of the used Observations (order-independent).
    """

    exam: Exam
    missing: tuple[str, ...]
    skipped: tuple[str, ...]
    warnings: tuple[str, ...]
    derived_from: tuple[dict[str, t.Any], ...]
    subject: dict[str, t.Any] | None
    effective_start: str | None
    effective_end: str | None
    identifier: tuple[str, str] | None
    content_key: str


def parse_isncsci(document: t.Any, table: Table, *, max_entries: int = 5000) -> IsncsciRequest:
    """Turn a decoded ``$classify-isncsci`` body into an exam.

    :raise InvalidRequest: not FHIR, broken structure, a bad Parameters form (400).
    :raise PayloadTooLarge: too many entries (413).
    :raise Unprocessable: an item out of range, without a side or key point, a star on a
        normal item, two values for one item, mixed subjects, nothing usable (422).
    """
    try:
        root = root_type(document)
        check_size(document, root, max_entries)
        form_issues, bundle = parameters_form(document) if root == "Parameters" else ([], None)
        check_structure(document, root, form_issues)
    except ServiceError as exc:  # the shared envelope speaks of $localize-root
        exc.issues = tuple(
            Issue(i.message.replace("$localize-root", _OPERATION), i.expression, i.code)
            for i in exc.issues
        )
        exc.message = exc.issues[0].message if exc.issues else exc.message
        raise
    if root == "Bundle":
        bundle = (document, "Bundle")
    slots = request_slots(document, bundle)
    return _Reader(slots, table).read(bundle_identifier(bundle[0]) if bundle else None)


class _Reader:
    def __init__(self, slots: list[Slot], table: Table) -> None:
        self.slots = slots
        self.table = table
        self.resolve = BodyStructures(slots)
        #: item key -> (praxis token, expression that gave it)
        self.items: dict[tuple[str, ...], tuple[str, str]] = {}
        self.skipped: list[str] = []
        self.warnings: list[str] = []
        self.used: dict[str, tuple[Slot, dict[str, t.Any]]] = {}

    def read(self, identifier: tuple[str, str] | None) -> IsncsciRequest:
        for slot in self.slots:
            ref, reference = slot_reference(slot)
            kind = slot.resource.get("resourceType")
            if kind != "Observation":
                if kind != "BodyStructure":
                    self.skipped.append(f"{ref}: a {kind} is not an ISNCSCI exam item")
                continue
            if self._observation(slot, ref):
                self.used.setdefault(ref, (slot, reference))
        if not self.items:
            where = self.slots[0].label.rsplit("[", 1)[0] if self.slots else "Bundle.entry"
            raise Unprocessable(
                "nothing usable for ISNCSCI: no Observation is a light-touch or pin-prick score at "
                "a key point, a key-muscle grade, anal contraction, deep anal pressure or the "
                f"lowest non-key muscle with motor function ({len(self.skipped)} skipped)",
                where,
            )
        exam_json, missing = self._exam()
        used = [slot for slot, _ in self.used.values()]
        start, end = effective_range([slot.resource for slot in used])
        return IsncsciRequest(
            exam=exam_from_praxis(exam_json),
            missing=tuple(missing),
            skipped=tuple(self.skipped),
            warnings=tuple(dict.fromkeys(self.warnings)),
            derived_from=tuple(reference for _, reference in self.used.values()),
            subject=subject_of(used),
            effective_start=start,
            effective_end=end,
            identifier=identifier,
            content_key=content_key_of(slot.resource for slot in used),
        )

    # -- one Observation ------------------------------------------------------------------------

    def _observation(self, slot: Slot, ref: str) -> bool:
        """Read one Observation; True when it gave an ISNCSCI item."""
        observation, path = slot.resource, slot.path
        code = _exam_code(observation.get("code"))
        if code is None:
            self.skipped.append(f"{ref}: not an ISNCSCI exam item (code)")
            return False
        status = observation.get("status")
        if status not in _USABLE_STATUS:
            self.skipped.append(f"{ref}: status {status} is not usable")
            return False
        star = self._star(observation, path, code)
        if code in (VAC, DAP):
            self._anal(observation, path, code)
        elif code == NON_KEY:
            level = self._non_key_level(observation, path)
            for side in self._sides(observation, path):
                self._put((NON_KEY, side), level, f"{path}.valueCodeableConcept")
        elif code in KEY_MUSCLES:
            token, at = self._score(observation, path, 5, star)
            for side in self._sides(observation, path):
                self._put(("motor", side, KEY_MUSCLES[code]), token, at)
        else:
            level = self._key_point(observation, path)
            token, at = self._score(observation, path, 2, star)
            for side in self._sides(observation, path):
                self._put((code, side, level), token, at)
        return True

    def _put(self, key: tuple[str, ...], token: str, at: str) -> None:
        known = self.items.get(key)
        if known is None:
            self.items[key] = (token, at)
            return
        if known[0] != token:
            raise Unprocessable.many(
                [
                    Issue(
                        f"two Observations give {_item_name(key)} different values; keep one",
                        (known[1], at),
                        "business-rule",
                    )
                ]
            )

    def _sides(self, observation: dict[str, t.Any], path: str) -> tuple[str, ...]:
        place = read_place(observation, path, self.table, self.resolve)
        self.warnings.extend(place.warnings)
        side = resolve_side(place.sides, f"{path}.bodySite")
        if side is None and place.text_side is not None:
            side = place.text_side
            self.warnings.append(f"{path}.bodySite: the side was read from the free text")
        if side is None:
            raise Unprocessable(
                f"{path}.bodySite: an ISNCSCI item needs its side (right, left or bilateral) as "
                "a SNOMED CT laterality extension on bodySite (24028007 right, 7771000 left, "
                "51440002 bilateral)",
                f"{path}.bodySite",
            )
        return _SIDE_NAMES[side]

    def _key_point(self, observation: dict[str, t.Any], path: str) -> str:
        body_site = observation.get("bodySite")
        codings = body_site.get("coding") if isinstance(body_site, dict) else None
        if not isinstance(codings, list) or not codings:
            raise Unprocessable(
                f"{path}.bodySite: a sensory score needs its key point in bodySite.coding "
                f"({SPINAL_SEGMENT} C2 ... S4-5, or a SNOMED CT key-point site)",
                f"{path}.bodySite",
            )
        for coding in codings:
            if not isinstance(coding, dict):
                continue
            system, code = coding.get("system"), coding.get("code")
            if system == SPINAL_SEGMENT and code in SEGMENTS:
                return "S4_5" if code == "S4-5" else str(code)
            if system == SNOMED and isinstance(code, str):
                site = self.table.site(SNOMED, code.split(":", 1)[0].split("|", 1)[0].strip())
                if site is not None and site.key_point:
                    return "S4_5" if site.key_point == "S4-5" else site.key_point
        raise Unprocessable(
            f"{path}.bodySite: no coding names an ISNCSCI key point (a {SPINAL_SEGMENT} code "
            "C2 ... S4-5, or a SNOMED CT site the terminology table marks as a level's key point)",
            f"{path}.bodySite.coding",
        )

    def _score(
        self, observation: dict[str, t.Any], path: str, top: int, star: str
    ) -> tuple[str, str]:
        values = [key for key in observation if key.startswith("value")]
        absent = "dataAbsentReason" in observation
        if absent and values:
            raise Unprocessable(
                f"{path}: give either a value or dataAbsentReason (not testable), not both",
                [f"{path}.{values[0]}", f"{path}.dataAbsentReason"],
            )
        if absent:
            return "NT" + star, f"{path}.dataAbsentReason"
        if values != ["valueInteger"]:
            found = values[0] if values else "no value"
            raise Unprocessable(
                f"{path}: an ISNCSCI {'motor' if top == 5 else 'sensory'} score is valueInteger "
                f"0-{top} (or dataAbsentReason for not testable), not {found}",
                f"{path}.{values[0]}" if values else f"{path}.value[x]",
            )
        value = observation["valueInteger"]
        at = f"{path}.valueInteger"
        if not 0 <= value <= top:
            raise Unprocessable(f"{at}: the grade is outside 0-{top}", at)
        if star and value == top:
            raise Unprocessable(
                f"{path}.extension: the non-SCI impairment tag is allowed only on an abnormal or "
                f"not-testable item, and this item is normal ({top})",
                [f"{path}.extension", at],
            )
        return f"{value}{star}", at

    def _star(self, observation: dict[str, t.Any], path: str, code: str) -> str:
        extensions = observation.get("extension")
        found = ""
        for k, extension in enumerate(extensions if isinstance(extensions, list) else ()):
            if not isinstance(extension, dict) or extension.get("url") != NON_SCI_IMPAIRMENT:
                continue
            at = f"{path}.extension[{k}]"
            if code not in _SCALES and code not in KEY_MUSCLES:
                raise Unprocessable(
                    f"{at}: the non-SCI impairment tag applies to sensory and motor scores only",
                    at,
                )
            value = extension.get("valueCode")
            if value not in _STARS:
                raise Unprocessable(
                    f"{at}.valueCode must be consider-not-normal or consider-normal",
                    f"{at}.valueCode",
                )
            if found and found != _STARS[value]:
                raise Unprocessable(f"{at}: two different non-SCI impairment tags", at)
            found = _STARS[value]
        return found

    def _anal(self, observation: dict[str, t.Any], path: str, code: str) -> None:
        values = [key for key in observation if key.startswith("value")]
        if "dataAbsentReason" in observation and not values:
            self._put((code,), "NT", f"{path}.dataAbsentReason")
            return
        if values != ["valueBoolean"]:
            found = values[0] if values else "no value"
            raise Unprocessable(
                f"{path}: {code} is valueBoolean (true = yes) or dataAbsentReason (not testable), "
                f"not {found}",
                f"{path}.{values[0]}" if values else f"{path}.value[x]",
            )
        self._put((code,), "Yes" if observation["valueBoolean"] else "No", f"{path}.valueBoolean")

    def _non_key_level(self, observation: dict[str, t.Any], path: str) -> str:
        concept = observation.get("valueCodeableConcept")
        at = f"{path}.valueCodeableConcept"
        codings = concept.get("coding") if isinstance(concept, dict) else None
        for coding in codings if isinstance(codings, list) else ():
            if (
                isinstance(coding, dict)
                and coding.get("system") == SPINAL_SEGMENT
                and coding.get("code") in SEGMENTS[:-1]
            ):
                return str(coding["code"])
        raise Unprocessable(
            f"{at}: the lowest non-key muscle with motor function is a {SPINAL_SEGMENT} code "
            "C2 ... S3",
            at,
        )

    # -- the worksheet --------------------------------------------------------------------------

    def _exam(self) -> tuple[dict[str, t.Any], list[str]]:
        missing: list[str] = []

        def cell(key: tuple[str, ...]) -> str:
            found = self.items.get(key)
            if found is None:
                missing.append(_item_name(key))
                return "NT"
            return found[0]

        exam: dict[str, t.Any] = {}
        for side in ("right", "left"):
            out: dict[str, t.Any] = {
                "lightTouch": {lv: cell(("light-touch", side, lv)) for lv in SENSORY_LEVELS},
                "pinPrick": {lv: cell(("pin-prick", side, lv)) for lv in SENSORY_LEVELS},
                "motor": {lv: cell(("motor", side, lv)) for lv in MOTOR_LEVELS},
            }
            non_key = self.items.get((NON_KEY, side))
            if non_key is not None:
                out["lowestNonKeyMuscleWithMotorFunction"] = non_key[0]
            exam[side] = out
        exam["voluntaryAnalContraction"] = cell((VAC,))
        exam["deepAnalPressure"] = cell((DAP,))
        return exam, missing


def _exam_code(concept: t.Any) -> str | None:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    for coding in codings if isinstance(codings, list) else ():
        if (
            isinstance(coding, dict)
            and coding.get("system") == NEURO_EXAM
            and coding.get("code") in ISNCSCI_CODES
        ):
            return str(coding["code"])
    return None


def _item_name(key: tuple[str, ...]) -> str:
    """``right light touch C2``, ``right motor C5``, ``voluntary anal contraction``."""
    if len(key) == 1:
        return key[0].replace("-", " ")
    if key[0] == NON_KEY:
        return f"{key[1]} lowest non-key muscle with motor function"
    scale = {"light-touch": "light touch", "pin-prick": "pin prick"}.get(key[0], key[0])
    return f"{key[1]} {scale} {key[2].replace('_', '-')}"
