"""The terminology table: typed, read-only rows loaded from ``terminology/data/*.csv``.

:func:`load_table` reads the data files (through importlib.resources by default, so it works from
an installed wheel), checks each row's shape with the marshmallow schemas of
:mod:`terminology.schemas`, then checks references between rows and files, and returns an immutable
:class:`Table`. Any problem raises :class:`~terminology.errors.TerminologyError` naming the file and
the 1-based line (the header is line 1): the service refuses to start on a bad table rather than
warn and go on.

This module must not import Flask or fhir.resources: the domain core and the FHIR edge both use it.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from marshmallow import Schema

from ._csv import read_rows, read_version
from .codes import MODALITIES, NEURO_EXAM
from .errors import TerminologyError, UnknownCodeError
from .schemas import (
    DIAGNOSIS_REGIONS,
    LATERALITY_SIDES,
    DiagnosisSchema,
    FindingSchema,
    LateralitySchema,
    MovementSchema,
    PatternSchema,
    ReflexSchema,
    SiteSchema,
    SourceSchema,
)

__all__ = [
    "Diagnosis",
    "FindingCode",
    "Laterality",
    "Movement",
    "Pattern",
    "Reflex",
    "Site",
    "Source",
    "Table",
    "Weighted",
    "default_table",
    "load_table",
]

_K = TypeVar("_K")
_V = TypeVar("_V")


@dataclass(frozen=True, slots=True)
class Weighted:
    """A segment with the weight (0, 1] a site, reflex or movement gives it."""

    segment: str
    weight: float


class _Zoned:
    """Shared behaviour of rows with a core and a variable zone."""

    __slots__ = ()
    core: tuple[Weighted, ...]
    variable: tuple[Weighted, ...]

    @property
    def segments(self) -> tuple[Weighted, ...]:
        """The core segments, then the variable ones."""
        return self.core + self.variable

    def weight(self, segment: str) -> float:
        """The weight of ``segment`` in this row, 0.0 if the row does not name it."""
        return next((item.weight for item in self.segments if item.segment == segment), 0.0)


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    citation: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Site(_Zoned):
    """A SNOMED CT body site and the segments (dermatomes) it maps to."""

    system: str
    code: str
    display: str
    side: str | None
    region: str
    core: tuple[Weighted, ...]
    variable: tuple[Weighted, ...]
    nerves: tuple[str, ...]
    distal: bool
    key_point: str | None
    sources: tuple[str, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class Reflex(_Zoned):
    """A reflex (kind ``dtr``) or upper-motor-neuron sign (kind ``umn``, no segments)."""

    id: str
    display: str
    kind: str
    core: tuple[Weighted, ...]
    variable: tuple[Weighted, ...]
    nerve: str | None
    sites: tuple[str, ...]
    sources: tuple[str, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class Movement(_Zoned):
    """A tested movement and its myotomes."""

    id: str
    display: str
    core: tuple[Weighted, ...]
    variable: tuple[Weighted, ...]
    nerve: str | None
    sources: tuple[str, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class FindingCode:
    """What an Observation code or value code means: kind, target, polarity and side."""

    system: str
    code: str
    display: str
    kind: str
    target: str | None
    polarity: str | None
    side: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A neuro-pattern code (radiculopathy, polyneuropathy, ...) and its SNOMED CT code if any."""

    code: str
    display: str
    definition: str
    snomed: str | None
    snomed_display: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Laterality:
    """A SNOMED CT laterality qualifier and the side it states; ``emit``: the code written for
    that side on the service's findings (one per side)."""

    code: str
    display: str
    side: str
    emit: bool
    sources: tuple[str, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The SNOMED CT diagnosis coded for a pattern whose first root lies in ``region``."""

    pattern: str
    region: str
    code: str
    display: str
    sources: tuple[str, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class Table:
    """The loaded terminology. Mappings are read-only and iterate in file order.

    ``site``/``reflex``/``movement``/``finding``/``pattern`` return ``None`` for an unknown code;
    the ``lookup_*`` twins raise :class:`~terminology.errors.UnknownCodeError`.
    """

    version: str
    sources: Mapping[str, Source]
    sites: Mapping[tuple[str, str], Site]
    reflexes: Mapping[str, Reflex]
    movements: Mapping[str, Movement]
    findings: Mapping[tuple[str, str], FindingCode]
    patterns: Mapping[str, Pattern]
    #: laterality qualifiers by SNOMED CT code
    laterality: Mapping[str, Laterality]
    #: diagnosis codes by (pattern, region)
    diagnoses: Mapping[tuple[str, str], Diagnosis]
    _reflex_by_site: Mapping[str, Reflex] = field(init=False, repr=False, compare=False)
    _side_by_code: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _laterality_by_side: Mapping[str, Laterality] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_site = {code: reflex for reflex in self.reflexes.values() for code in reflex.sites}
        object.__setattr__(self, "_reflex_by_site", MappingProxyType(by_site))
        sides = {code: row.side for code, row in self.laterality.items()}
        object.__setattr__(self, "_side_by_code", MappingProxyType(sides))
        emitted = {row.side: row for row in self.laterality.values() if row.emit}
        object.__setattr__(self, "_laterality_by_side", MappingProxyType(emitted))

    def side_of(self, code: str) -> str | None:
        """The side (``left``, ``right``, ``bilateral``) a SNOMED CT laterality code states."""
        return self._side_by_code.get(code)

    def laterality_for(self, side: str) -> Laterality:
        """The laterality qualifier written for ``side`` on the service's findings."""
        return self._laterality_by_side[side]

    def diagnosis(self, pattern: str, segment: str) -> Diagnosis | None:
        """The diagnosis coded for ``pattern`` when its first root is ``segment`` (by region)."""
        return self.diagnoses.get((pattern, segment[:1]))

    def site(self, system: str, code: str) -> Site | None:
        return self.sites.get((system, code))

    def lookup_site(self, system: str, code: str) -> Site:
        return _found(self.site(system, code), system, code, "body site")

    def reflex(self, id: str) -> Reflex | None:
        return self.reflexes.get(id)

    def lookup_reflex(self, id: str) -> Reflex:
        return _found(self.reflex(id), None, id, "reflex")

    def movement(self, id: str) -> Movement | None:
        return self.movements.get(id)

    def lookup_movement(self, id: str) -> Movement:
        return _found(self.movement(id), None, id, "movement")

    def finding(self, system: str, code: str) -> FindingCode | None:
        return self.findings.get((system, code))

    def lookup_finding(self, system: str, code: str) -> FindingCode:
        return _found(self.finding(system, code), system, code, "finding code")

    def pattern(self, code: str) -> Pattern | None:
        return self.patterns.get(code)

    def lookup_pattern(self, code: str) -> Pattern:
        return _found(self.pattern(code), None, code, "pattern")

    def reflex_for_site(self, code: str) -> Reflex | None:
        """The reflex a SNOMED CT body-site code identifies (for 349006 with a bodySite)."""
        return self._reflex_by_site.get(code)


def _found(row: _V | None, system: str | None, code: str, what: str) -> _V:
    if row is None:
        raise UnknownCodeError(system, code, what)
    return row


_DATA = files("terminology") / "data"
_Rows = list[tuple[int, dict[str, Any]]]
_SCHEMAS: dict[str, type[Schema]] = {
    "sites.csv": SiteSchema,
    "reflexes.csv": ReflexSchema,
    "movements.csv": MovementSchema,
    "findings.csv": FindingSchema,
    "patterns.csv": PatternSchema,
    "laterality.csv": LateralitySchema,
    "diagnoses.csv": DiagnosisSchema,
}


def load_table(directory: Path | None = None) -> Table:
    """Load and validate the table from ``directory`` (default: the packaged ``terminology/data``).

    :raise TerminologyError: on the first malformed file, row or reference, naming file and line.
    """
    root: Traversable = _DATA if directory is None else directory
    version = read_version(root)
    source_rows = read_rows(root, "sources.csv", SourceSchema)
    sources = _index("sources.csv", [(n, r["key"], Source(**r)) for n, r in source_rows])
    rows = {name: _cited_rows(root, name, schema, sources) for name, schema in _SCHEMAS.items()}
    sites = _index(
        "sites.csv", [(n, (r["system"], r["code"]), Site(**r)) for n, r in rows["sites.csv"]]
    )
    reflexes = _index("reflexes.csv", [(n, r["id"], Reflex(**r)) for n, r in rows["reflexes.csv"]])
    movements = _index(
        "movements.csv", [(n, r["id"], Movement(**r)) for n, r in rows["movements.csv"]]
    )
    findings = _index(
        "findings.csv",
        [(n, (r["system"], r["code"]), FindingCode(**r)) for n, r in rows["findings.csv"]],
    )
    patterns = _index(
        "patterns.csv", [(n, r["code"], Pattern(**r)) for n, r in rows["patterns.csv"]]
    )
    laterality = _index(
        "laterality.csv", [(n, r["code"], Laterality(**r)) for n, r in rows["laterality.csv"]]
    )
    diagnoses = _index(
        "diagnoses.csv",
        [(n, (r["pattern"], r["region"]), Diagnosis(**r)) for n, r in rows["diagnoses.csv"]],
    )
    _check_reflex_sites(rows["reflexes.csv"])
    _check_findings(rows["findings.csv"], reflexes, movements)
    for name in ("reflexes.csv", "movements.csv"):
        _check_exam_codes(name, rows[name], findings)
    _check_laterality(rows["laterality.csv"])
    _check_diagnoses(rows["diagnoses.csv"], patterns)
    return Table(
        version, sources, sites, reflexes, movements, findings, patterns, laterality, diagnoses
    )


@functools.cache
def default_table() -> Table:
    """The packaged table, loaded once per process."""
    return load_table()


def _cited_rows(
    root: Traversable, name: str, schema: type[Schema], sources: Mapping[str, Source]
) -> _Rows:
    """The validated rows of ``name``: source keys checked, zones made :class:`Weighted`."""
    rows: _Rows = []
    for line, row in read_rows(root, name, schema):
        unknown = [key for key in row["sources"] if key not in sources]
        if unknown:
            raise TerminologyError(name, line, f"unknown source key {unknown[0]!r}")
        for zone in ("core", "variable"):
            if zone in row:
                row[zone] = tuple(Weighted(segment, weight) for segment, weight in row[zone])
        rows.append((line, row))
    return rows


def _index(name: str, rows: Iterable[tuple[int, _K, _V]]) -> Mapping[_K, _V]:
    """A read-only mapping in file order; a repeated key is an error at its second line."""
    index: dict[_K, _V] = {}
    first_line: dict[_K, int] = {}
    for line, key, value in rows:
        if key in index:
            label = "|".join(key) if isinstance(key, tuple) else key
            raise TerminologyError(
                name, line, f"duplicate key {label!r} (first on line {first_line[key]})"
            )
        index[key], first_line[key] = value, line
    return MappingProxyType(index)


def _check_reflex_sites(rows: _Rows) -> None:
    """A body-site code identifies at most one reflex."""
    owner: dict[str, str] = {}
    for line, row in rows:
        for code in row["sites"]:
            if owner.setdefault(code, row["id"]) != row["id"]:
                raise TerminologyError(
                    "reflexes.csv", line, f"site {code} already identifies {owner[code]}"
                )


def _check_findings(
    rows: _Rows, reflexes: Mapping[str, Reflex], movements: Mapping[str, Movement]
) -> None:
    """Reflex and motor targets exist; a service (neuro-exam) code names one of our own ids."""
    targets: dict[str, Collection[str]] = {
        "sensory": MODALITIES,
        "reflex": reflexes,
        "motor": movements,
    }
    for line, row in rows:
        kind, target, code = row["kind"], row["target"], row["code"]
        if kind in ("reflex", "motor") and target is not None and target not in targets[kind]:
            raise TerminologyError("findings.csv", line, f"{kind} target {target!r} is not defined")
        if row["system"] == NEURO_EXAM and not (
            code in targets.get(kind, ()) and target == code and row["polarity"] is None
        ):
            raise TerminologyError(
                "findings.csv",
                line,
                f"service code {code!r} must be a {kind} id of this table with itself as target "
                "and polarity '-'",
            )


def _check_exam_codes(
    name: str, rows: _Rows, findings: Mapping[tuple[str, str], FindingCode]
) -> None:
    """Every reflex and movement id is also a service exam code in findings.csv."""
    for line, row in rows:
        if (NEURO_EXAM, row["id"]) not in findings:
            raise TerminologyError(
                name, line, f"{row['id']!r} has no findings.csv row in {NEURO_EXAM}"
            )


def _check_laterality(rows: _Rows) -> None:
    """Exactly one written (``emit``) code per side: left, right and bilateral."""
    emitted: dict[str, int] = {}
    for line, row in rows:
        if row["emit"]:
            if row["side"] in emitted:
                raise TerminologyError(
                    "laterality.csv",
                    line,
                    f"a second written code for {row['side']} (first on line "
                    f"{emitted[row['side']]})",
                )
            emitted[row["side"]] = line
    for side in LATERALITY_SIDES:
        if side not in emitted:
            raise TerminologyError("laterality.csv", None, f"no written (emit=yes) code for {side}")


def _check_diagnoses(rows: _Rows, patterns: Mapping[str, Pattern]) -> None:
    """Each row's pattern exists, and a pattern coded by region is coded for every region."""
    regions: dict[str, set[str]] = {}
    for line, row in rows:
        if row["pattern"] not in patterns:
            raise TerminologyError(
                "diagnoses.csv", line, f"pattern {row['pattern']!r} is not in patterns.csv"
            )
        regions.setdefault(row["pattern"], set()).add(row["region"])
    for pattern, found in regions.items():
        missing = [r for r in DIAGNOSIS_REGIONS if r not in found]
        if missing:
            raise TerminologyError(
                "diagnoses.csv", None, f"{pattern!r} has no row for region {missing[0]}"
            )
