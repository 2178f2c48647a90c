"""The terminology table published as FHIR R4 resources, and ``$translate`` over them.

Pure functions, no Flask: each takes the :class:`terminology.Table` and returns plain dicts that
pass fhir.resources R4B and the official R4 JSON schema. A table's resources are built once and
memoised per table object; callers must treat them as read-only.

Fixed ids (DESIGN.md section 4): CodeSystem ``spinal-segment``, ``neuro-exam``, ``neuro-pattern``;
ConceptMap ``site-to-segment``, ``reflex-to-segment``, ``movement-to-segment``.

Equivalence. R4 reads it from target to source (``wider``: the target means more than the
source), and a segment concept stands for its territory (dermatome, myotome, reflex arc). When a
source has one core segment, the maps agree it lies inside that territory, so that target is
``wider`` (the L4 dermatome covers more than the medial malleolus). Every other target is
``inexact``: variable-zone segments (where the published maps disagree), and every segment of a
source that spans several core segments (hip adduction L2-L4) or has no core (the great toe).
Each target's ``comment`` gives the zone, the weight and the source keys.

Upper-motor-neuron signs (Hoffmann, plantar response, clonus) localize above the roots. They stay
in the reflex map with one ``unmatched`` target and a comment, so ``$translate`` answers "no
segment, by design" rather than "unknown code".
"""

from __future__ import annotations

import html
import re
import threading
import typing as t
from dataclasses import dataclass

from terminology import CANONICAL_BASE, NEURO_EXAM, SEGMENTS, SNOMED, SPINAL_SEGMENT, Table
from terminology.isncsci import isncsci_concepts

from ...errors import NotFound
from ..write.translation import translation, translation_match

__all__ = [
    "CODE_SYSTEM_IDS",
    "CONCEPT_MAP_IDS",
    "code_system",
    "code_systems",
    "concept_map",
    "concept_maps",
    "segment_display",
    "translate",
]

Resource = dict[str, t.Any]
CODE_SYSTEM_IDS = ("spinal-segment", "neuro-exam", "neuro-pattern", "isncsci")
#: codes of the segment CodeSystem that no table row maps to: ISNCSCI classification values only
#: (a level at C1, "intact" to S4-5). The table's SEGMENTS stay C2...S4-5.
CLASSIFICATION_SEGMENTS = ("C1", "INT")
CONCEPT_MAP_IDS = ("site-to-segment", "reflex-to-segment", "movement-to-segment")

_ISNCSCI_SCORE = "(ISNCSCI: 0 absent, 1 altered, 2 normal)"
_SENSORY = {
    "light-touch": f"Light-touch sensation at a body site {_ISNCSCI_SCORE}.",
    "pin-prick": f"Sharp/dull discrimination at a body site {_ISNCSCI_SCORE}.",
    "vibration": "Vibration sense (128 Hz tuning fork) at a body site.",
}
_KIND = {"dtr": "reflex"}  # reflexes.csv kinds -> the neuro-exam `kind` property; others as is
_ORDINAL = (
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
)
_REGION = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}
_NAMES = {SNOMED: "SNOMED CT", NEURO_EXAM: "neuro-exam"}
_PROVENANCE = (
    "Every row has its source in terminology/data/sources.csv; each mapping's comment "
    "names the source keys."
)
_XHTML = '<div xmlns="http://www.w3.org/1999/xhtml">{}</div>'


def _segment_name(segment: str) -> str:
    if segment == "INT":
        return "Intact"
    if segment == "S4-5":
        return "Fourth and fifth sacral segments"
    return f"{_ORDINAL[int(segment[1:]) - 1]} {_REGION[segment[0]]} segment"


def segment_display(segment: str) -> str:
    """The display of a segment code: ``L5`` -> "Fifth lumbar segment (L5)"."""
    return f"{_segment_name(segment)} ({segment})"


def _url(kind: str, rid: str) -> str:
    return f"{CANONICAL_BASE}/{kind}/{rid}"


def _date(version: str) -> str | None:
    """The year-month of a calendar version (``2026.11.0`` -> ``2026-11``), else None."""
    match = re.match(r"(\d{4})\.(\d{1,2})(\.|$)", version)
    return f"{match[1]}-{int(match[2]):02d}" if match and 1 <= int(match[2]) <= 12 else None


def _header(
    table: Table,
    kind: str,
    rid: str,
    title: str,
    description: str,
    rows: t.Iterable[tuple[str, str]] = (),
) -> Resource:
    def esc(text: str) -> str:
        return html.escape(text, quote=False)

    body = f"<p>{esc(f'{title}, version {table.version}. {description}')}</p>"
    cells = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>" for a, b in rows)
    if cells:
        body += f"<table><tr><th>Code</th><th>Display</th></tr>{cells}</table>"
    resource = {
        "resourceType": kind,
        "id": rid,
        "text": {"status": "generated", "div": _XHTML.format(body)},
        "url": _url(kind, rid),
        "version": table.version,
        "name": "".join(part.title() for part in rid.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "date": _date(table.version),
        "publisher": "neuroroot",
        "description": f"{description} {_PROVENANCE}",
    }
    return {key: value for key, value in resource.items() if value is not None}


def _code_system(
    table: Table,
    rid: str,
    title: str,
    description: str,
    concepts: list[Resource],
    prop: tuple[str, str, str],
) -> Resource:
    resource = _header(
        table, "CodeSystem", rid, title, description, [(c["code"], c["display"]) for c in concepts]
    )
    resource.update(
        {
            "caseSensitive": True,
            "valueSet": _url("ValueSet", rid),
            "content": "complete",
            "count": len(concepts),
            "property": [dict(zip(("code", "type", "description"), prop, strict=True))],
            "concept": concepts,
        }
    )
    return resource


def _span(weighted: t.Iterable[t.Any]) -> str:
    return ", ".join(sorted((w.segment for w in weighted), key=SEGMENTS.index))


def _zones(row: t.Any) -> str:
    zones = [
        f"{zone} {_span(ws)}" for zone, ws in (("core", row.core), ("variable", row.variable)) if ws
    ]
    return "; ".join(zones) or "none"


def _exam_concept(table: Table, code: str, display: str, kind: str) -> Resource:
    definition = _SENSORY.get(code, display)
    if kind == "isncsci":
        definition = next(c.definition for c in isncsci_concepts() if c.code == code)
    if (reflex := table.reflexes.get(code)) is not None:
        kind = reflex.kind
        definition = (
            "Upper-motor-neuron sign: it has no segmental level."
            if kind == "umn"
            else f"Reflex; segments: {_zones(reflex)}."
        )
    elif (move := table.movements.get(code)) is not None:
        definition = f"Muscle strength (MRC grade 0-5); myotome: {_zones(move)}."
    return {
        "code": code,
        "display": display,
        "definition": definition,
        "property": [{"code": "kind", "valueCode": _KIND.get(kind, kind)}],
    }


def _build_code_systems(table: Table) -> dict[str, Resource]:
    segments = [
        {
            "code": s,
            "display": segment_display(s),
            "definition": f"Spinal cord level {s} ({_segment_name(s).lower()}) and its nerve "
            "roots: the dermatome, myotome and reflex arcs of that level."
            + (" ISNCSCI tests S4 and S5 as one level." if s == "S4-5" else ""),
            "property": [{"code": "region", "valueCode": _REGION[s[0]]}],
        }
        for s in SEGMENTS
    ]
    segments.insert(
        0,
        {
            "code": "C1",
            "display": segment_display("C1"),
            "definition": "Spinal cord level C1 (first cervical segment). Used only as an ISNCSCI "
            "classification value (a sensory, motor or neurological level at C1, when "
            "C2 is abnormal); it has no key point and no body site maps to it.",
            "property": [{"code": "region", "valueCode": "cervical"}],
        },
    )
    segments.append(
        {
            "code": "INT",
            "display": "Intact (INT)",
            "definition": "ISNCSCI classification value: sensation or motor function "
            "intact down to "
            "S4-5, so there is no level. Not a segment: no body site maps to it.",
        }
    )
    isncsci = [
        {"code": c.code, "display": c.display, "definition": c.definition}
        for c in isncsci_concepts()
        if c.system == "isncsci"
    ]
    exam = {
        code: (row.display, row.kind)
        for (system, code), row in table.findings.items()
        if system == NEURO_EXAM
    }
    for reflex in table.reflexes.values():
        exam.setdefault(reflex.id, (reflex.display, reflex.kind))
    for move in table.movements.values():
        exam.setdefault(move.id, (move.display, "motor"))
    isncsci_exam = {c.code: c for c in isncsci_concepts() if c.system == "neuro-exam"}
    for code, item in isncsci_exam.items():
        exam.setdefault(code, (item.display, "isncsci"))
    patterns = []
    for pattern in table.patterns.values():
        concept: Resource = {
            "code": pattern.code,
            "display": pattern.display,
            "definition": pattern.definition,
        }
        if pattern.snomed:
            concept["property"] = [
                {
                    "code": "snomed",
                    "valueCoding": {
                        "system": SNOMED,
                        "code": pattern.snomed,
                        "display": pattern.snomed_display,
                    },
                }
            ]
        patterns.append(concept)
    return {
        "spinal-segment": _code_system(
            table,
            "spinal-segment",
            "Spinal cord segments",
            "The spinal cord segments C2 to S4-5 as ISNCSCI tests them, in cranio-caudal order, "
            "and the two further values an ISNCSCI classification may take: C1 and INT (intact).",
            segments,
            ("region", "code", "cervical, thoracic, lumbar or sacral"),
        ),
        "neuro-exam": _code_system(
            table,
            "neuro-exam",
            "neuroroot neurological exam codes",
            "The service's own exam codes: sensory modalities, reflexes and movements.",
            [_exam_concept(table, code, *exam[code]) for code in exam],
            (
                "kind",
                "code",
                "sensory, reflex, umn (upper-motor-neuron sign), motor or isncsci "
                "(an ISNCSCI exam item without a segment map)",
            ),
        ),
        "neuro-pattern": _code_system(
            table,
            "neuro-pattern",
            "neuroroot localization patterns",
            "The patterns a result names: root lesions and the non-root patterns that mimic them.",
            patterns,
            ("snomed", "Coding", "the SNOMED CT concept of the pattern, if any"),
        ),
        "isncsci": _isncsci_code_system(table, isncsci),
    }


def _isncsci_code_system(table: Table, concepts: list[Resource]) -> Resource:
    resource = _header(
        table,
        "CodeSystem",
        "isncsci",
        "ISNCSCI classification",
        "The elements and totals of an ISNCSCI classification (International Standards for "
        "Neurological Classification of Spinal Cord Injury, 2019), the AIS grades, complete / "
        "incomplete and NA, as $classify-isncsci answers them. Levels are spinal-segment codes.",
        [(c["code"], c["display"]) for c in concepts],
    )
    resource["description"] = resource["description"].replace(
        _PROVENANCE,
        "The concepts are in terminology/data/isncsci.csv; their source is the key "
        "isncsci-2019 of terminology/data/sources.csv.",
    )
    resource.update(
        {
            "caseSensitive": True,
            "valueSet": _url("ValueSet", "isncsci"),
            "content": "complete",
            "count": len(concepts),
            "concept": concepts,
        }
    )
    return resource


def _targets(row: t.Any) -> list[Resource]:
    """One target per weighted segment of *row*, core first (equivalences: module docstring)."""
    core, cite = row.core, "; source: " + ", ".join(row.sources)
    targets = []
    for zone, weighted in (("core", core), ("variable", row.variable)):
        for w in weighted:
            comment = f"{zone} zone, weight {round(float(w.weight), 3)}"
            if w.segment == getattr(row, "key_point", None):
                comment += " (ISNCSCI key point)"
            if zone == "variable":
                comment += ": the published maps disagree about this segment"
            elif len(core) > 1:
                comment += f": the source spans {_span(core)}"
            targets.append(
                {
                    "code": w.segment,
                    "display": segment_display(w.segment),
                    "equivalence": "wider" if zone == "core" and len(core) == 1 else "inexact",
                    "comment": comment + cite,
                }
            )
    return targets


def _no_segment(row: t.Any) -> list[Resource]:
    return [
        {
            "equivalence": "unmatched",
            "comment": "upper-motor-neuron sign: it localizes above "
            "the nerve roots (brain or spinal cord), not to a segment; source: "
            + ", ".join(row.sources),
        }
    ]


def _build_concept_maps(table: Table) -> dict[str, Resource]:
    sites: dict[str, list[Resource]] = {}
    for site in table.sites.values():
        sites.setdefault(site.system, []).append(
            {"code": site.code, "display": site.display, "target": _targets(site)}
        )
    reflexes = [
        {"code": r.id, "display": r.display, "target": _targets(r) or _no_segment(r)}
        for r in table.reflexes.values()
    ]
    movements = [
        {"code": m.id, "display": m.display, "target": _targets(m)}
        for m in table.movements.values()
    ]
    rule = (
        "A target is 'wider' when it is the source's only core segment, else 'inexact'; "
        "each target's comment gives the zone and weight."
    )
    exam_vs = _url("ValueSet", "neuro-exam")
    specs = (
        (
            "site-to-segment",
            "Body sites to spinal segments (dermatomes)",
            f"{SNOMED}?fhir_vs",
            sites,
            f"Maps {len(table.sites)} SNOMED CT body sites to the "
            f"dermatomes that supply them. {rule}",
        ),
        (
            "reflex-to-segment",
            "Reflexes to spinal segments",
            exam_vs,
            {NEURO_EXAM: reflexes},
            f"Maps {len(reflexes)} reflexes to the segments of their arcs. {rule} Upper-motor-"
            "neuron signs have one 'unmatched' target: they have no segment.",
        ),
        (
            "movement-to-segment",
            "Movements to spinal segments (myotomes)",
            exam_vs,
            {NEURO_EXAM: movements},
            f"Maps {len(movements)} movements to their myotomes. " + rule,
        ),
    )
    maps = {}
    for rid, title, source_uri, groups, description in specs:
        maps[rid] = _header(table, "ConceptMap", rid, title, description)
        maps[rid].update(
            {
                "sourceUri": source_uri,
                "targetUri": _url("ValueSet", "spinal-segment"),
                "group": [
                    {"source": system, "target": SPINAL_SEGMENT, "element": rows}
                    for system, rows in groups.items()
                ],
            }
        )
    return maps


@dataclass(frozen=True, slots=True)
class _Published:
    table: Table
    code_systems: dict[str, Resource]
    concept_maps: dict[str, Resource]
    #: (system, code) -> [(ConceptMap id, element)]
    index: dict[tuple[str, str], list[tuple[str, Resource]]]


_CACHE: dict[int, _Published] = {}
_LOCK = threading.Lock()


def _published(table: Table) -> _Published:
    """The resources of *table*, built on first use and kept per table object."""
    entry = _CACHE.get(id(table))
    if entry is not None and entry.table is table:
        return entry
    with _LOCK:
        maps = _build_concept_maps(table)
        index: dict[tuple[str, str], list[tuple[str, Resource]]] = {}
        for rid, resource in maps.items():
            for group in resource["group"]:
                for element in group["element"]:
                    index.setdefault((group["source"], element["code"]), []).append((rid, element))
        if len(_CACHE) >= 8:  # tests build many apps, all on one table; stay bounded anyway
            _CACHE.pop(next(iter(_CACHE)))
        entry = _CACHE[id(table)] = _Published(table, _build_code_systems(table), maps, index)
        return entry


def code_systems(table: Table) -> list[Resource]:
    """The three CodeSystems, in the order of :data:`CODE_SYSTEM_IDS`."""
    return list(_published(table).code_systems.values())


def concept_maps(table: Table) -> list[Resource]:
    """The three ConceptMaps, in the order of :data:`CONCEPT_MAP_IDS`."""
    return list(_published(table).concept_maps.values())


def code_system(table: Table, rid: str) -> Resource:
    """The CodeSystem with id *rid*. :raise NotFound: for any other id."""
    return _one(_published(table).code_systems, "CodeSystem", rid)


def concept_map(table: Table, rid: str) -> Resource:
    """The ConceptMap with id *rid*. :raise NotFound: for any other id."""
    return _one(_published(table).concept_maps, "ConceptMap", rid)


def _one(resources: dict[str, Resource], kind: str, rid: str) -> Resource:
    if rid not in resources:
        raise NotFound(f"no {kind} with id {rid[:64]!r}; the ids are {', '.join(resources)}")
    return resources[rid]


_UNPRINTABLE = re.compile(r"[^ \r\n\t\S]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _shown(value: str, limit: int) -> str:
    """*value* cut to *limit* characters, fit for a FHIR string: white space other than space,
    tab and line breaks, and control characters, are shown as U+FFFD (a client's code echoed in
    the message must not make the answer invalid R4)."""
    return _UNPRINTABLE.sub("\ufffd", value[:limit])


def _why_not(table: Table, system: str, code: str, chosen: str | None, others: list[str]) -> str:
    system, code = _shown(system, 200), _shown(code, 64)
    label = f"{_NAMES.get(system, system)} {code}"
    if others:
        return f"{label} is not in ConceptMap {chosen}; it is in {', '.join(others)}"
    if (finding := table.findings.get((system, code))) is not None:
        return (
            f"{label} ({finding.display}) is a finding code, not a body site, reflex or "
            "movement: translate the Observation's bodySite, or its reflex or movement code"
        )
    if system not in _NAMES:
        return (
            f"no ConceptMap here maps from {system!r}; the source systems are {', '.join(_NAMES)}"
        )
    return f"{label} is not in the terminology table (version {table.version})"


def translate(
    table: Table,
    system: str,
    code: str,
    url: str | None = None,
    *,
    target_system: str | None = None,
    where: t.Mapping[str, str] | None = None,
) -> Resource:
    """``$translate``: the segments *system*/*code* maps to, as an R4 Parameters resource.

    An unknown code is not an error: ``result`` is false and ``message`` says why.

    :param url: restrict to one ConceptMap (its canonical url, optionally ``|version``).
    :param target_system: the requested target system; only spinal-segment has maps.
    :param where: parameter name -> expression of the request element, to name ``url`` in errors.
    :raise NotFound: when *url* is not one of this server's ConceptMaps.
    """
    published = _published(table)
    chosen = None
    if url is not None:
        canonical, _, version = url.partition("|")
        chosen = next(
            (rid for rid, r in published.concept_maps.items() if r["url"] == canonical), None
        )
        if chosen is None or version not in ("", table.version):
            urls = ", ".join(r["url"] for r in published.concept_maps.values())
            raise NotFound(
                f"no ConceptMap {url[:200]!r} here; the maps are {urls} (version {table.version})",
                (where or {}).get("url", "url"),
            )
    if target_system not in (None, SPINAL_SEGMENT, _url("ValueSet", "spinal-segment")):
        return translation(False, f"this server maps to {SPINAL_SEGMENT} only")
    hits = published.index.get((system, code), [])
    chosen_hits = [(rid, element) for rid, element in hits if chosen in (None, rid)]
    if not chosen_hits:
        return translation(False, _why_not(table, system, code, chosen, [r for r, _ in hits]))
    matches, mapped, notes = [], [], []
    for rid, element in chosen_hits:
        for target in element["target"]:
            coding = None
            if "code" in target:
                mapped.append(target["code"])
                coding = {
                    "system": SPINAL_SEGMENT,
                    "code": target["code"],
                    "display": target["display"],
                }
            notes.append(
                f"{target.get('code', 'no segment')} ({target['equivalence']}): {target['comment']}"
            )
            matches.append(
                translation_match(target["equivalence"], coding, published.concept_maps[rid]["url"])
            )
    head = (
        f"{_NAMES.get(system, system)} {code} ({chosen_hits[0][1]['display']}) "
        f"{'maps to ' + ', '.join(mapped) if mapped else 'has no segment'} "
        f"(ConceptMap {', '.join(dict.fromkeys(rid for rid, _ in chosen_hits))})"
    )
    return translation(bool(mapped), f"{head}. {'. '.join(notes)}", matches)
