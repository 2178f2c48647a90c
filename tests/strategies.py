"""Hypothesis strategies and FHIR builders shared by the property and negative tests.

Two families:

* **Exams** drawn from the real terminology table: :class:`ExamItem` (kind, target, polarity,
  side, and how the result is written), turned into engine :class:`~service.core.model.Finding`
  objects (:func:`to_finding`) or FHIR R4 Observations (:func:`to_observation`,
  :func:`exam_bundle`). Sites come from ``sites.csv`` (those without a pre-coordinated side, so
  any side can be added), reflexes from ``reflexes.csv``, movements from ``movements.csv``.
* **Bodies that are not exams**: arbitrary JSON (:func:`json_documents`), FHIR-looking resources
  (:func:`resource_shaped`) and near misses, exam Bundles with one to three random edits
  (:func:`near_miss_documents`).

Everything here is deterministic given the draw, so ``derandomize=True`` makes the tests repeatable.
"""

from __future__ import annotations

import calendar
import copy
import typing as t
from dataclasses import dataclass

from hypothesis import strategies as st

from service.core.model import Finding, Kind, Polarity, Side
from terminology import NEURO_EXAM, SNOMED, Table

__all__ = [
    "FHIR_KEYS",
    "INTERPRETATION",
    "LATERALITY_URL",
    "SIDE_CODES",
    "ExamItem",
    "exam_bundle",
    "exam_items",
    "exams",
    "json_documents",
    "json_values",
    "near_miss_documents",
    "normal_items",
    "resource_shaped",
    "search_dates",
    "store_requests",
    "subject_references",
    "to_finding",
    "to_observation",
]

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
LATERALITY_URL = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
SIDE_CODES = {Side.LEFT: "7771000", Side.RIGHT: "24028007", Side.BILATERAL: "51440002"}
EFFECTIVE = "2026-11-20T10:00:00+01:00"

#: Polarity -> interpretation code (v3-ObservationInterpretation), for results not given as a grade.
_INTERPRETATION_OF = {
    Polarity.NORMAL: "N",
    Polarity.DECREASED: "L",
    Polarity.ABNORMAL: "A",
    Polarity.INCREASED: "H",
}
#: (kind or "umn", polarity) -> the grades that state it (ISNCSCI 0-2, reflex 0-4, MRC 0-5).
_GRADES: dict[tuple[str, Polarity], tuple[int, ...]] = {
    ("sensory", Polarity.ABSENT): (0,),
    ("sensory", Polarity.DECREASED): (1,),
    ("sensory", Polarity.NORMAL): (2,),
    ("dtr", Polarity.ABSENT): (0,),
    ("dtr", Polarity.DECREASED): (1,),
    ("dtr", Polarity.NORMAL): (2,),
    ("dtr", Polarity.INCREASED): (3, 4),
    ("umn", Polarity.NORMAL): (0,),
    ("umn", Polarity.INCREASED): (1, 2, 3, 4),
    ("motor", Polarity.ABSENT): (0,),
    ("motor", Polarity.DECREASED): (1, 2, 3, 4),
    ("motor", Polarity.NORMAL): (5,),
}
#: The results each scale can state (an absent sensation or reflex, a sign present...).
_POLARITIES = {
    "sensory": (
        Polarity.NORMAL,
        Polarity.DECREASED,
        Polarity.ABSENT,
        Polarity.ABNORMAL,
        Polarity.INCREASED,
    ),
    "dtr": (
        Polarity.NORMAL,
        Polarity.DECREASED,
        Polarity.ABSENT,
        Polarity.ABNORMAL,
        Polarity.INCREASED,
    ),
    "umn": (Polarity.NORMAL, Polarity.INCREASED),
    "motor": (Polarity.NORMAL, Polarity.DECREASED, Polarity.ABSENT, Polarity.ABNORMAL),
}
_MODALITIES = ("light-touch", "pin-prick", "vibration")


@dataclass(frozen=True, slots=True)
class ExamItem:
    """One examined item: what was tested, where, on which side, and the result.

    :param scale: ``sensory``, ``dtr``, ``umn`` or ``motor`` (the grading scale of the target).
    :param target: a SNOMED site code (sensory), a reflex id or a movement id.
    :param modality: the sensory modality (``light-touch``...); equal to *target* otherwise.
    :param grade: the grade written as ``valueInteger``, or None when the result is written as
        an interpretation code.
    """

    scale: str
    target: str
    modality: str
    polarity: Polarity
    side: Side | None
    grade: int | None

    @property
    def kind(self) -> Kind:
        return {"sensory": Kind.SENSORY, "motor": Kind.MOTOR}.get(self.scale, Kind.REFLEX)

    def with_polarity(self, polarity: Polarity) -> ExamItem:
        """The same test with another result (written as a grade when the scale has one)."""
        grades = _GRADES.get((self.scale, polarity))
        return ExamItem(
            self.scale,
            self.target,
            self.modality,
            polarity,
            self.side,
            grades[0] if grades else None,
        )


def _targets(table: Table) -> list[tuple[str, str]]:
    """(scale, target) of every site without its own side, reflex and movement of *table*."""
    sites = sorted(
        code
        for (system, code), site in table.sites.items()
        if system == SNOMED and site.side is None
    )
    reflexes = sorted(
        (("umn" if reflex.kind == "umn" else "dtr"), rid) for rid, reflex in table.reflexes.items()
    )
    movements = sorted(table.movements)
    return [("sensory", code) for code in sites] + reflexes + [("motor", mid) for mid in movements]


@st.composite
def exam_items(
    draw: st.DrawFn, table: Table, polarities: t.Sequence[Polarity] | None = None
) -> ExamItem:
    """One item of an exam, from the real table; *polarities* restricts the results drawn."""
    scale, target = draw(st.sampled_from(_targets(table)))
    allowed = [p for p in _POLARITIES[scale] if polarities is None or p in polarities]
    if not allowed:  # e.g. only ABSENT asked for a UMN sign: a normal sign instead
        allowed = [Polarity.NORMAL]
    polarity = draw(st.sampled_from(allowed))
    side = draw(st.sampled_from([Side.LEFT, Side.RIGHT, Side.BILATERAL, None]))
    modality = draw(st.sampled_from(_MODALITIES)) if scale == "sensory" else target
    grades = _GRADES.get((scale, polarity), ())
    interpretable = polarity in _INTERPRETATION_OF
    if grades and (not interpretable or draw(st.booleans())):
        grade: int | None = draw(st.sampled_from(grades))
    else:
        grade = None
    return ExamItem(scale, target, modality, polarity, side, grade)


def exams(
    table: Table,
    min_size: int = 1,
    max_size: int = 8,
    polarities: t.Sequence[Polarity] | None = None,
) -> st.SearchStrategy[list[ExamItem]]:
    """A whole exam: a list of items (the same test may appear twice, as in real exports)."""
    return st.lists(exam_items(table, polarities), min_size=min_size, max_size=max_size)


def normal_items(table: Table) -> st.SearchStrategy[ExamItem]:
    """An item with a normal result."""
    return exam_items(table, [Polarity.NORMAL])


def to_finding(item: ExamItem, ref: str) -> Finding:
    """The engine finding the service reads from :func:`to_observation` of *item*."""
    return Finding(ref, item.kind, item.target, item.modality, item.polarity, item.side, item.grade)


def to_observation(item: ExamItem, obs_id: str, patient: str = "Patient/p") -> dict[str, t.Any]:
    """*item* as an R4 Observation using the service's own exam codes."""
    code = item.modality if item.scale == "sensory" else item.target
    observation: dict[str, t.Any] = {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final",
        "code": {"coding": [{"system": NEURO_EXAM, "code": code}]},
        "subject": {"reference": patient},
        "effectiveDateTime": EFFECTIVE,
    }
    body_site: dict[str, t.Any] = {}
    if item.scale == "sensory":
        body_site["coding"] = [{"system": SNOMED, "code": item.target}]
    if item.side is not None:
        body_site["extension"] = [
            {
                "url": LATERALITY_URL,
                "valueCodeableConcept": {
                    "coding": [{"system": SNOMED, "code": SIDE_CODES[item.side]}]
                },
            }
        ]
    if body_site:
        observation["bodySite"] = body_site
    if item.grade is not None:
        observation["valueInteger"] = item.grade
    else:
        observation["interpretation"] = [
            {"coding": [{"system": INTERPRETATION, "code": _INTERPRETATION_OF[item.polarity]}]}
        ]
    return observation


def exam_bundle(
    items: t.Sequence[ExamItem], patient: str = "Patient/p", ids: t.Sequence[str] | None = None
) -> dict[str, t.Any]:
    """A collection Bundle with one Observation per item (ids ``o0``, ``o1``... unless given)."""
    names = list(ids) if ids is not None else [f"o{i}" for i in range(len(items))]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
                "resource": to_observation(item, name, patient),
            }
            for i, (item, name) in enumerate(zip(items, names, strict=True))
        ],
    }


# -- bodies that are not exams ------------------------------------------------------------------

#: Keys a FHIR request uses, so random objects look like FHIR often enough to get past the top.
FHIR_KEYS = (
    "resourceType",
    "id",
    "type",
    "entry",
    "fullUrl",
    "resource",
    "request",
    "status",
    "code",
    "coding",
    "system",
    "display",
    "text",
    "subject",
    "reference",
    "bodySite",
    "extension",
    "url",
    "valueCodeableConcept",
    "valueInteger",
    "valueString",
    "valueBoolean",
    "valueQuantity",
    "value",
    "interpretation",
    "component",
    "dataAbsentReason",
    "effectiveDateTime",
    "effectivePeriod",
    "start",
    "end",
    "method",
    "contained",
    "parameter",
    "name",
    "part",
    "identifier",
    "meta",
    "locationQualifier",
    "location",
    "category",
    "issued",
    "timestamp",
)
RESOURCE_TYPES = (
    "Bundle",
    "Parameters",
    "Observation",
    "Patient",
    "BodyStructure",
    "ClinicalImpression",
    "OperationOutcome",
    "bundle",
    "",
)

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: bigger than 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "final",
            "collection",
            "Observation",
            "Patient/p",
            SNOMED,
            NEURO_EXAM,
            "2026-11-20T10:00:00",
            "2026-11-20T10:00:00Z",
            "7771000",
            "299913001",
            "reflex-patellar",
            "light-touch",
            "2+",
            "NT",
            "-1",
            "",
        ]
    )
)
#: Element names a careless or hostile client sends: whitespace FHIR strings forbid (form feed,
#: no-break space, line separator), NUL, PascalCase, empty, FHIRPath-looking, very long.
AWKWARD_KEYS = (
    "a\fb",
    "\u00a0",
    "x\u2028y",
    "\x00",
    "Status",
    "Entry",
    "",
    " ",
    "entry[0]",
    "value(x)",
    "_status",
    "résumé",
    "k" * 300,
)
_KEYS = st.sampled_from(FHIR_KEYS) | st.sampled_from(AWKWARD_KEYS) | st.text(max_size=12)


def json_values(max_leaves: int = 25) -> st.SearchStrategy[t.Any]:
    """Any JSON value (objects keyed mostly by FHIR element names), nested a few levels."""
    return st.recursive(
        _SCALARS,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=5)
        ),
        max_leaves=max_leaves,
    )


def json_documents() -> st.SearchStrategy[t.Any]:
    """Arbitrary JSON bodies: any value at the top (objects most of the time)."""
    return st.one_of(json_values(), st.dictionaries(_KEYS, json_values(8), max_size=6))


@st.composite
def resource_shaped(draw: st.DrawFn) -> dict[str, t.Any]:
    """An object with a (possibly wrong) resourceType and random FHIR-named elements."""
    document = draw(st.dictionaries(_KEYS, json_values(10), max_size=6))
    # mostly a type the service reads, so that the elements are judged too
    kinds = st.sampled_from(("Bundle", "Parameters", "Observation"))
    document["resourceType"] = draw(
        st.one_of(kinds, kinds, st.sampled_from(RESOURCE_TYPES), st.text(max_size=10))
    )
    return document


def _paths(node: t.Any, prefix: tuple[t.Any, ...] = ()) -> list[tuple[t.Any, ...]]:
    """Every path (keys and indexes) inside *node*, the root excluded."""
    found: list[tuple[t.Any, ...]] = []
    items: t.Iterable[tuple[t.Any, t.Any]] = ()
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    for key, child in items:
        path = (*prefix, key)
        found.append(path)
        found.extend(_paths(child, path))
    return found


def _mutate(document: t.Any, path: tuple[t.Any, ...], how: str, value: t.Any, key: str) -> t.Any:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "replace":
        parent[last] = value
    elif how == "wrap":
        parent[last] = [parent[last]]
    elif how == "unwrap" and isinstance(parent[last], list) and parent[last]:
        parent[last] = parent[last][0]
    elif how == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    elif how == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    return document


@st.composite
def near_miss_documents(draw: st.DrawFn, table: Table) -> t.Any:
    """An exam Bundle (or its Parameters or bare-Observation form) with 1-3 random edits:
    an element deleted, replaced by random JSON, wrapped in or taken out of an array, given a
    child (a FHIR name, an awkward one or random text), or an array item duplicated."""
    items = draw(exams(table, min_size=1, max_size=4))
    document: t.Any = exam_bundle(items)
    form = draw(
        st.sampled_from(["bundle", "parameters-bundle", "parameters-observations", "observation"])
    )
    if form == "parameters-bundle":
        document = {
            "resourceType": "Parameters",
            "parameter": [{"name": "bundle", "resource": document}],
        }
    elif form == "parameters-observations":
        document = {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "observation", "resource": e["resource"]} for e in document["entry"]
            ],
        }
    elif form == "observation":
        document = document["entry"][0]["resource"]
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        how = draw(
            st.sampled_from(["delete", "replace", "replace", "wrap", "unwrap", "add", "duplicate"])
        )
        document = _mutate(document, path, how, draw(json_values(6)), draw(_KEYS))
    return document


# -- shapes that reach the store: subject references and search values --------------------------

_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-."
#: reference lengths around the store's 256-character column, and far beyond it.
_EDGE_LENGTHS = (1, 64, 248, 255, 256, 257, 300, 1000, 20_000)


@st.composite
def subject_references(draw: st.DrawFn) -> str:
    """A subject reference as clients send them: relative or absolute, any length (often right
    at the store's 256-character limit, or far past it), sometimes with non-ASCII text."""
    length = draw(st.one_of(st.sampled_from(_EDGE_LENGTHS), st.integers(1, 400)))
    form = draw(st.sampled_from(["relative", "absolute", "text"]))
    if form == "text":
        body = draw(
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs")),
                min_size=1,
                max_size=40,
            )
        )
        return ("Patient/" + body * (length // len(body) + 1))[: max(length, 9)]
    prefix = "Patient/" if form == "relative" else "https://ehr.example.org/fhir/Patient/"
    char = draw(st.sampled_from(_ID_CHARS))
    return prefix + char * max(length - len(prefix), 1)


#: FHIR search prefixes, and none (eq).
SEARCH_PREFIXES = ("", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
#: time zones FHIR allows (``Z``, or ±hh:mm up to ±14:00) and, for invalid values, beyond.
_TIME_ZONES = ("", "Z", "+00:00", "+14:00", "-12:00", "+05:30", "-00:00", "+13:59", "-14:00")
_BAD_TIME_ZONES = ("+23:59", "-24:00", "+14:60")


@st.composite
def search_dates(draw: st.DrawFn, valid: bool = False) -> str:
    """A ``date`` search value: any prefix, any precision, years 0001 to 9999 (most often at
    the very edges of the calendar: the first and last instants), any FHIR time zone.

    :param valid: only values that are valid FHIR (every day exists); otherwise also days that
        do not exist, out-of-range time zones and, now and then, random text.
    """
    if not valid and draw(st.integers(0, 9)) == 0:  # no lone surrogates: not in a URL
        return draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
    prefix = draw(st.sampled_from(SEARCH_PREFIXES))
    year = draw(
        st.one_of(
            st.sampled_from([1, 9999]), st.sampled_from([2, 1970, 2026, 9998]), st.integers(1, 9999)
        )
    )
    value = f"{year:04d}"
    precision = draw(st.integers(0, 5))
    month = draw(st.one_of(st.sampled_from([1, 12]), st.integers(1, 12)))
    last_day = calendar.monthrange(year, month)[1]
    day = draw(st.one_of(st.sampled_from([1, last_day]), st.integers(1, last_day if valid else 31)))
    if precision >= 1:
        value += f"-{month:02d}"
    if precision >= 2:
        value += f"-{day:02d}"
    if precision >= 3:
        hour, minute = draw(st.sampled_from([0, 23, 12])), draw(st.sampled_from([0, 59, 30]))
        value += f"T{hour:02d}:{minute:02d}"
        if precision >= 4:
            value += f":{draw(st.sampled_from([0, 59, 30])):02d}"
        if precision >= 5:
            value += "." + draw(st.text(alphabet="0123456789", min_size=1, max_size=12))
        zones = _TIME_ZONES if valid else _TIME_ZONES + _BAD_TIME_ZONES
        value += draw(st.sampled_from(zones))
    return prefix + value


_OFFSETS = st.one_of(
    st.integers(0, 20_000),
    st.sampled_from([10_000, 10_001, 1_000_000, 10**30]),
    st.integers(-5, -1),
)


@st.composite
def store_requests(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    """``(path, query)`` of a GET on a store route (search, read, vread, Provenance read and
    search) with values drawn from the shapes above: long references, calendar-edge dates,
    deep offsets."""
    route = draw(
        st.sampled_from(
            ["search", "search", "search", "read", "vread", "provenance", "provenance-search"]
        )
    )
    if route in ("read", "vread", "provenance"):
        ident = draw(
            st.one_of(
                st.sampled_from(["x", "a" * 64, "a" * 65]),
                st.text(alphabet=_ID_CHARS, min_size=1, max_size=80),
            )
        )
        path = {
            "read": f"/fhir/ClinicalImpression/{ident}",
            "vread": f"/fhir/ClinicalImpression/{ident}/_history/1",
            "provenance": f"/fhir/Provenance/{ident}",
        }[route]
        return path, []
    if route == "provenance-search":
        target = draw(st.one_of(subject_references(), st.just("ClinicalImpression/x")))
        return "/fhir/Provenance", [("target", target.replace("Patient/", "ClinicalImpression/"))]
    query: list[tuple[str, str]] = []
    if draw(st.booleans()):
        query.append((draw(st.sampled_from(["subject", "patient"])), draw(subject_references())))
    query += [("date", value) for value in draw(st.lists(search_dates(), max_size=3))]
    if draw(st.booleans()):
        query.append(("_offset", str(draw(_OFFSETS))))
    if draw(st.booleans()):
        query.append(("_count", str(draw(st.integers(-1, 120)))))
    if draw(st.booleans()):
        query.append(("_sort", draw(st.sampled_from(["date", "-date"]))))
    return "/fhir/ClinicalImpression", query
