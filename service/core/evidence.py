"""From findings to weighted evidence per spinal segment and side.

Each abnormal finding supports the segments its site, reflex or movement maps to (core and
variable zones, with the table's split weights); each normal finding counts against the
segments of its core zone. No Flask, no FHIR: the table is passed in.
"""

from __future__ import annotations

import functools
import re
import typing as t

from .model import Evidence, Finding, Kind, Polarity, Side
from .weights import (
    KIND_WEIGHT,
    POLARITY_FACTOR,
    ROOT_MODALITIES,
    SYMMETRIC_REFLEX_FACTOR,
    normal_units,
)

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = ["Contribution", "contributions", "describe", "mapping_of", "ranked"]

_SNOMED = "http://snomed.info/sct"
#: the results that mean a reduced test: decreased, absent, or abnormal of unknown direction
REDUCED = frozenset({Polarity.DECREASED, Polarity.ABSENT, Polarity.ABNORMAL})


def ranked(items: t.Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Evidence heaviest first, ties by reference and text: the same whatever the input order."""
    return tuple(sorted(items, key=lambda e: (-e.weight, e.ref, e.description)))


class Contribution(t.NamedTuple):
    """What one finding adds to (or takes from) one segment on one side.

    A named tuple rather than a dataclass: an exam makes one per finding and segment, and a
    tuple is built in a fifth of the time.
    """

    finding: Finding
    segment: str
    weight: float
    supports: bool
    zone: str  # "core" or "variable"
    full: float  # the finding's whole weight before the segment's share: caps merged roots

    @property
    def side(self) -> Side | None:
        return self.finding.side


def mapping_of(finding: Finding, table: Table) -> t.Any:
    """The table row the finding maps through (Site, Reflex or Movement), or None."""
    if finding.kind is Kind.SENSORY:
        return table.site(_SNOMED, finding.target)
    if finding.kind is Kind.REFLEX:
        return table.reflex(finding.target)
    return table.movement(finding.target)


def _symmetric_reflexes(findings: t.Sequence[Finding]) -> frozenset[str]:
    """Reflex ids that are abnormal on both the left and the right (or stated bilateral)."""
    sides: dict[str, set[Side]] = {}
    for f in findings:
        if f.kind is Kind.REFLEX and f.polarity in REDUCED and f.side is not None:
            sides.setdefault(f.target, set()).add(f.side)
    return frozenset(
        r for r, s in sides.items() if Side.BILATERAL in s or {Side.LEFT, Side.RIGHT} <= s
    )


_UPPER = frozenset({"C5", "C6", "C7", "C8", "T1"})


def _upper(row: t.Any) -> bool:
    region = getattr(row, "region", None)
    if region is not None:
        return region in ("upper-limb", "head-neck")
    return any(item.segment in _UPPER for item in row.core)


def contributions(
    findings: t.Sequence[Finding],
    table: Table,
    rows: t.Mapping[int, t.Any] | None = None,
    kept: t.Mapping[int, float] | None = None,
) -> list[Contribution]:
    """Every finding's contributions, in input order (the engine sorts what it reports).

    :param rows: ``id(finding)`` -> :func:`mapping_of` the finding, when already looked up.
    :param kept: ``id(finding)`` -> the fraction of its root weight an abnormal finding keeps
        once a non-root pattern has explained it (explaining away); 1.0 when absent.
    """
    symmetric = _symmetric_reflexes(findings)
    result: list[Contribution] = []
    for finding in findings:
        row = rows[id(finding)] if rows is not None else mapping_of(finding, table)
        if row is None:
            continue
        if finding.kind is Kind.REFLEX and row.kind != "dtr":
            continue  # UMN signs do not localize a root; the myelopathy detector reads them
        if finding.kind is Kind.REFLEX and finding.polarity is Polarity.INCREASED:
            continue  # a brisk reflex is an upper-motor-neuron sign, not root evidence
        if finding.kind is Kind.SENSORY and finding.modality not in ROOT_MODALITIES:
            continue  # vibration: a dorsal-column, large-fibre test, not a dermatomal one
        base = KIND_WEIGHT[finding.kind]
        if finding.polarity is Polarity.NORMAL:
            full = normal_units(finding.kind, finding.target, _upper(row))
            for item in row.core:
                result.append(
                    Contribution(finding, item.segment, full * item.weight, False, "core", full)
                )
            continue
        factor = POLARITY_FACTOR[finding.polarity]
        if finding.kind is Kind.REFLEX and finding.target in symmetric:
            factor *= SYMMETRIC_REFLEX_FACTOR
        if kept is not None:
            factor *= kept.get(id(finding), 1.0)
            if factor <= 0.0:
                continue
        full = base * factor
        for zone, items in (("core", row.core), ("variable", row.variable)):
            for item in items:
                result.append(
                    Contribution(finding, item.segment, full * item.weight, True, zone, full)
                )
    return result


_POLARITY_WORDS = {
    Kind.SENSORY: {
        Polarity.NORMAL: "normal",
        Polarity.DECREASED: "impaired",
        Polarity.ABSENT: "absent",
        Polarity.INCREASED: "heightened",
        Polarity.ABNORMAL: "abnormal",
    },
    Kind.REFLEX: {
        Polarity.NORMAL: "normal",
        Polarity.DECREASED: "reduced",
        Polarity.ABSENT: "absent",
        Polarity.INCREASED: "brisk or positive",
        Polarity.ABNORMAL: "abnormal",
    },
    Kind.MOTOR: {
        Polarity.NORMAL: "normal strength",
        Polarity.DECREASED: "weak",
        Polarity.ABSENT: "no contraction",
        Polarity.INCREASED: "abnormal",
        Polarity.ABNORMAL: "abnormal",
    },
}
_MODALITY = {
    "light-touch": "light touch",
    "pin-prick": "pin prick",
    "vibration": "vibration sense",
    "sensation": "sensation",
}


@functools.lru_cache(maxsize=512)  # table displays only: a bounded set
def site_label(display: str) -> str:
    """A body-site display as a clinician says it (Structure of X: X)."""
    text = re.sub(r"\s*\(body structure\)$", "", display)
    text = re.sub(r"^(Entire|Structure of)\s+", "", text)
    text = re.sub(r"\s+structure$", "", text)
    text = re.sub(r"\bstructure of\b", "of", text)
    text = text.replace("Skin structure", "skin")
    return text[:1].lower() + text[1:]


_EPONYMS = ("Achilles", "Hoffmann", "Babinski")


def _common_noun(name: str) -> str:
    """Lower-case the first letter, except in an eponym (Achilles reflex, Hoffmann sign)."""
    return name if name.startswith(_EPONYMS) else name[:1].lower() + name[1:]


def describe(finding: Finding, table: Table) -> str:
    """One phrase for a clinician: "left light touch impaired at medial malleolus (ISNCSCI 1)"."""
    row = mapping_of(finding, table)
    side = f"{finding.side.value} " if finding.side else ""
    words = _POLARITY_WORDS[finding.kind][finding.polarity]
    if finding.kind is Kind.SENSORY:
        where = site_label(row.display) if row else finding.target
        text = f"{_MODALITY.get(finding.modality, finding.modality)} {words} at {side}{where}"
        scale = "ISNCSCI"
    else:
        text = f"{side}{_common_noun(row.display if row else finding.target)} {words}"
        scale = "grade" if finding.kind is Kind.REFLEX else "MRC"
    if finding.grade is not None:
        text += f" ({scale} {finding.grade}{'/5' if scale == 'MRC' else ''})"
    if finding.side_from_text:
        text += " [side read from free text]"
    return text[:1].upper() + text[1:]
