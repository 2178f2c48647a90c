"""Parse a ``$localize-root`` request into domain findings (DESIGN §3, the input profile).

No Flask here: the HTTP layer hands over the body bytes (:func:`read_json`) and the decoded
document (:func:`parse_request`); this module answers with a :class:`ParsedRequest` or raises one
of :mod:`service.errors` (400 structure, 413 too many entries, 422 unusable).

The steps, in order:

1. the top level: a JSON object whose resourceType is Bundle or Parameters; the entry count
   (checked before anything expensive, 413);
2. structure (400, all issues at once): fhir.resources R4B validation, the required bindings of
   Bundle.type and Observation.status, time zones, JSON primitive types, the Parameters form;
3. each entry: Observations give findings (:mod:`.observation`), everything else is
   skipped with a reason, except a BodyStructure an Observation points to;
4. the request as a whole: one subject (422), at least one finding (422).

Helper modules: :mod:`.json_body` (the body), :mod:`.envelope` (top level, Parameters,
entry count, references), :mod:`.structure` (R4 structure), :mod:`.common_observation` (the
common Observation in one pass), :mod:`.observation` (one Observation), :mod:`.values`
(results), :mod:`.sites` (site and side), :mod:`.times` (effective times).
"""

from __future__ import annotations

import hashlib
import typing as t
from collections import Counter
from dataclasses import dataclass, replace
from types import MappingProxyType

import orjson

from terminology import Table

from ...core.model import Finding, Skipped
from ...errors import Issue, MixedSubjects, NothingToLocalize, ServiceError, Unprocessable
from .common_observation import read_common
from .envelope import (
    Slot,
    bundle_identifier,
    check_size,
    parameters_form,
    request_slots,
    root_type,
    slot_reference,
)
from .json_body import read_json
from .observation import ObservationReading, read_observation
from .structure import check_structure
from .times import effective_range

__all__ = [
    "MAX_REFERENCE_LENGTH",
    "BodyStructures",
    "ParsedRequest",
    "content_key_of",
    "locations",
    "parse_request",
    "read_json",
    "subject_of",
]

#: the longest ``subject.reference`` this service keeps (the store's ``subject`` column, 256
#: characters). FHIR sets no limit; a longer one is refused with a 422 naming the element on
#: every database and in stateless mode alike, rather than failing in the store (PostgreSQL)
#: or being kept whole (SQLite). A relative ``Patient/<id>`` is at most 72 characters.
MAX_REFERENCE_LENGTH = 256


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    """Everything the engine and the renderer need from a request.

    :param findings: in input order (an Observation with components gives several, same ref).
    :param skipped: every resource or Observation not used, with a reason a clinician understands.
    :param warnings: things the answer should mention (e.g. a side read from free text).
    :param references: ``Finding.ref`` / ``Skipped.ref`` -> the FHIR Reference dict to emit.
    :param used: refs of the Observations that gave at least one finding, in order, no repeats.
    :param subject: the common subject Reference, or None when no used Observation had one.
    :param effective_start: the earliest effective[x] of the used Observations, as given.
    :param effective_end: the latest one, as given.
    :param identifier: Bundle.identifier as (system, value) when present ("" for no system).
    :param content_key: sha256 (hex) of the canonical JSON of the used Observations, sorted, so
        it does not depend on entry order.
    :param slots: the resources of the request as read (see :func:`locations`).
    :param bare: the body was one bare Observation (its locations start ``Observation``).
    """

    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    references: t.Mapping[str, dict[str, t.Any]]
    used: tuple[str, ...]
    subject: dict[str, t.Any] | None
    effective_start: str | None
    effective_end: str | None
    identifier: tuple[str, str] | None
    content_key: str
    slots: tuple[Slot, ...] = ()
    bare: bool = False


def locations(parsed: ParsedRequest) -> dict[str, str]:
    """``Finding.ref`` / ``Skipped.ref`` -> where that resource is in the request
    (``Bundle.entry[3].resource``), for reports that name each input (``$validate``). Worked
    out only when asked: the operation itself never needs it."""
    found: dict[str, str] = {}
    for slot in parsed.slots:
        path = "Observation" if parsed.bare else slot.path
        found.setdefault(slot_reference(slot)[0], path)
    return found


def parse_request(document: t.Any, table: Table, *, max_entries: int = 5000) -> ParsedRequest:
    """Turn a decoded ``$localize-root`` body into findings.

    :param document: the JSON document (see :func:`read_json`).
    :param table: the terminology table.
    :param max_entries: the most Bundle entries (or parameters) accepted.
    :raise InvalidRequest: not FHIR, broken structure, a bad Parameters form (400; all issues).
    :raise PayloadTooLarge: more than *max_entries* entries (413).
    :raise ContradictoryFinding, MixedSubjects, NothingToLocalize, Unprocessable: 422.
    """
    if isinstance(document, dict) and document.get("resourceType") == "Observation":
        return _single_observation(document, table)
    root = root_type(document)
    check_size(document, root, max_entries)
    form_issues, bundle = parameters_form(document) if root == "Parameters" else ([], None)
    check_structure(document, root, form_issues)
    if root == "Bundle":
        bundle = (document, "Bundle")
    slots = request_slots(document, bundle)
    return _read(slots, table, bundle_identifier(bundle[0]) if bundle else None)


_WRAPPED = "Parameters.parameter[0].resource"


def _single_observation(observation: dict[str, t.Any], table: Table) -> ParsedRequest:
    """A bare Observation as the body: read as one ``observation`` parameter.

    FHIR lets an operation whose input is one resource take that resource as the body; EHRs
    posting a single exam Observation expect that. Error locations name ``Observation.…``.
    """
    wrapped = {
        "resourceType": "Parameters",
        "parameter": [{"name": "observation", "resource": observation}],
    }
    try:
        parsed = parse_request(wrapped, table)
    except ServiceError as exc:
        exc.issues = tuple(
            Issue(
                i.message.replace(_WRAPPED, "Observation"),
                tuple(e.replace(_WRAPPED, "Observation") for e in i.expression),
                i.code,
            )
            for i in exc.issues
        )
        exc.expression = exc.issues[0].expression
        raise
    return replace(parsed, bare=True)


class BodyStructures:
    """Finds the BodyStructure a reference points to, and remembers which ones were used."""

    def __init__(self, slots: list[Slot]):
        self._by_key: dict[str, int] = {}
        for index, slot in enumerate(slots):
            if slot.resource.get("resourceType") != "BodyStructure":
                continue
            if slot.full_url:
                self._by_key.setdefault(slot.full_url, index)
            if isinstance(slot.resource.get("id"), str):
                self._by_key.setdefault(f"BodyStructure/{slot.resource['id']}", index)
        self.slots = slots
        self.used: set[int] = set()

    def __call__(self, reference: str, observation: dict[str, t.Any]) -> dict[str, t.Any] | None:
        """The BodyStructure *reference* points to, marked as used (not skipped)."""
        found, index = self._find(reference, observation)
        if index is not None:
            self.used.add(index)
        return found

    def peek(self, reference: str, observation: dict[str, t.Any]) -> dict[str, t.Any] | None:
        """The same, not marked (the one-pass reader marks only when it answers)."""
        return self._find(reference, observation)[0]

    def _find(
        self, reference: str, observation: dict[str, t.Any]
    ) -> tuple[dict[str, t.Any] | None, int | None]:
        if reference.startswith("#"):
            for item in observation.get("contained") or ():
                if (
                    isinstance(item, dict)
                    and item.get("resourceType") == "BodyStructure"
                    and item.get("id") == reference[1:]
                ):
                    return item, None
            return None, None
        key = reference
        if key not in self._by_key:  # an absolute or versioned URL: match on BodyStructure/id
            key = "/".join(reference.split("/_history/", 1)[0].rstrip("/").split("/")[-2:])
        index = self._by_key.get(key)
        if index is None:
            return None, None
        return self.slots[index].resource, index


def _read(slots: list[Slot], table: Table, identifier: tuple[str, str] | None) -> ParsedRequest:
    references: dict[str, dict[str, t.Any]] = {}
    resolve = BodyStructures(slots)
    # per slot: the one finding of a common Observation, the general reading of any other, or
    # None for a resource that is not an Observation
    readings: list[tuple[Slot, str, Finding | ObservationReading | None]] = []
    for slot in slots:
        ref, reference = slot_reference(slot)
        references.setdefault(ref, reference)
        reading: Finding | ObservationReading | None = None
        if slot.resource.get("resourceType") == "Observation":
            reading = read_common(slot.resource, ref, table, resolve) or read_observation(
                slot.resource, slot.path, ref, table, resolve
            )
        readings.append((slot, ref, reading))

    findings: list[Finding] = []
    skipped: list[Skipped] = []
    categories: list[str] = []
    warnings: list[str] = []
    used: dict[str, Slot] = {}
    for index, (slot, ref, reading) in enumerate(readings):
        if type(reading) is Finding:
            findings.append(reading)
            used.setdefault(ref, slot)
            continue
        kind = slot.resource.get("resourceType")
        if reading is None:
            if kind == "BodyStructure" and index in resolve.used:
                continue
            skipped.append(Skipped(ref, f"{kind} resource is not an exam finding"))
            categories.append("other")
            continue
        findings.extend(reading.findings)
        warnings.extend(reading.warnings)
        if reading.findings:
            used.setdefault(ref, slot)
        elif reading.skip is not None:
            skipped.append(Skipped(ref, reading.skip[1]))
            categories.append(reading.skip[0])
    if not findings:
        raise NothingToLocalize(_nothing_message(readings, categories), _where(slots))

    used_slots = list(used.values())
    start, end = effective_range([slot.resource for slot in used_slots])
    return ParsedRequest(
        findings=tuple(findings),
        skipped=tuple(skipped),
        warnings=tuple(dict.fromkeys(warnings)),
        references=MappingProxyType(references),
        used=tuple(used),
        subject=subject_of(used_slots),
        effective_start=start,
        effective_end=end,
        identifier=identifier,
        content_key=content_key_of(slot.resource for slot in used_slots),
        slots=tuple(slots),
    )


def subject_of(slots: list[Slot]) -> dict[str, t.Any] | None:
    """The one subject of the used Observations; 422 naming each Observation that differs."""
    subjects = [
        (slot, slot.resource["subject"])
        for slot in slots
        if isinstance(slot.resource.get("subject"), dict)
    ]
    if not subjects:
        return None
    keys = [_subject_key(subject) for _, subject in subjects]
    counts = Counter(keys)
    if len(counts) == 1:
        _check_reference_length(subjects[0][0], subjects[0][1])
        return t.cast(dict[str, t.Any], subjects[0][1])
    common = max(counts, key=lambda key: (counts[key], -keys.index(key)))
    offending = [
        f"{slot.path}.subject"
        for (slot, _), key in zip(subjects, keys, strict=True)
        if key != common
    ]
    verb = "differs" if len(offending) == 1 else "differ"
    raise MixedSubjects.many(
        [
            Issue(
                f"the Observations are about {len(counts)} different subjects; all must be about "
                f"one patient ({len(offending)} {verb} from the other {counts[common]})",
                tuple(offending),
                "business-rule",
            )
        ]
    )


def _check_reference_length(slot: Slot, subject: dict[str, t.Any]) -> None:
    """422 (``too-long``) naming the element when the subject reference is over the limit."""
    reference = subject.get("reference")
    if isinstance(reference, str) and len(reference) > MAX_REFERENCE_LENGTH:
        raise Unprocessable.many(
            [
                Issue(
                    f"subject.reference is {len(reference)} characters long; this server keeps "
                    f"references of at most {MAX_REFERENCE_LENGTH} characters (use a relative "
                    "reference such as Patient/<id>)",
                    (f"{slot.path}.subject.reference",),
                    "too-long",
                )
            ]
        )


def _subject_key(subject: dict[str, t.Any]) -> str:
    reference = subject.get("reference")
    return (
        reference
        if isinstance(reference, str)
        else orjson.dumps(subject, option=orjson.OPT_SORT_KEYS).decode()
    )


def content_key_of(observations: t.Iterable[dict[str, t.Any]]) -> str:
    """The idempotency key of a request: sha256 of its used Observations, in any order (shared
    by $localize-root and $classify-isncsci)."""
    canonical = sorted(orjson.dumps(item, option=orjson.OPT_SORT_KEYS) for item in observations)
    return hashlib.sha256(b"[" + b",".join(canonical) + b"]").hexdigest()


def _where(slots: list[Slot]) -> str | None:
    if not slots:
        return None
    return slots[0].label.rsplit("[", 1)[0]


def _nothing_message(
    readings: list[tuple[Slot, str, Finding | ObservationReading | None]], categories: list[str]
) -> str:
    observations = sum(1 for _, _, reading in readings if reading is not None)
    others = len(readings) - observations
    if observations == 0:
        what = f" ({others} other resource{'s' if others != 1 else ''})" if others else ""
        return f"no usable neurological exam finding: the request holds no Observation{what}"
    noun = "Observation" if observations == 1 else "Observations"
    reasons = Counter(category for category in categories if category != "other")
    if set(reasons) == {"not-neuro"}:
        if observations == 1:
            return "the Observation is not a neurological exam finding this service reads"
        return (
            f"none of the {observations} {noun} is a neurological exam finding this service reads"
        )
    summary = "; ".join(
        f"{count} {_CATEGORY_WORDS.get(category, category)}"
        for category, count in reasons.most_common()
    )
    return f"no usable neurological exam finding in the {observations} {noun}: {summary}"


_CATEGORY_WORDS = {
    "status": "not usable because of their status "
    "(entered in error, cancelled, registered or unknown)",
    "not-neuro": "not a neurological exam finding this service reads",
    "not-examined": "not examined",
    "no-site": "sensory findings without a body site",
    "site-unknown": "with a body site that is not in the terminology table",
    "no-reflex": "reflex findings that do not say which reflex",
    "no-movement": "muscle strength findings that do not say which movement",
    "no-result": "without a result",
    "unreadable": "with a result this service does not read",
}
