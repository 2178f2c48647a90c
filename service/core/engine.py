"""The engine: findings in, a ranked, explained assessment out.

1. The exam is indexed once (:mod:`.exam_index`).
2. The detectors of patterns that are not a root run first (:mod:`.detectors`, stage
   ``before-roots``: cord syndromes, polyneuropathy, polyradiculoneuropathy, peripheral-nerve
   mimics...). The findings each explains keep only part of their root weight (explaining
   away, clinical-rules-2 section 8), so a root beside such a pattern stays probable only on
   evidence the pattern does not explain.
3. Every finding becomes weighted evidence for or against spinal segments, per side
   (:mod:`.evidence`); each kind's contribution to a segment is capped (:mod:`.weights`).
4. Root hypotheses: one per (segment, side) with net support; "probable" needs two agreeing
   kinds of evidence; adjacent two-root hypotheses where the evidence spans neighbours. A
   root inside a multi-root or plexus picture on its side (weakness of several roots'
   muscles) is at most "possible" and ranks below the picture, unless it has evidence of its
   own beyond it (:func:`_cap_under_pictures`).
5. The detectors that read the roots run (stage ``after-roots``: polyradiculopathy, the
   cauda equina flag).
6. Everything is ranked by score; ties break on names, so the output does not depend on the
   order of the input.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections import defaultdict

from terminology import SEGMENTS

from . import weights as w
from .detection import AFTER_ROOTS, BEFORE_ROOTS, Context, Detection
from .detectors import DETECTORS
from .evidence import Contribution, contributions, describe, ranked
from .exam_index import ORDER, ExamIndex, segments_of
from .model import Assessment, Evidence, Finding, Hypothesis, Kind, Polarity, Side

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = ["localize"]

_SEGMENT_ORDER = {segment: i for i, segment in enumerate(SEGMENTS)}


def _diagnosis_text(segments: t.Sequence[str], side: Side | None) -> str:
    roots = "/".join(segments)
    kind = "radiculopathy" if len(segments) == 1 else "two-level radiculopathy"
    if side is None:
        return f"{roots} {kind} (side not stated)"
    if side is Side.BILATERAL:
        return f"Bilateral {roots} {kind}"
    return f"{side.value.capitalize()} {roots} {kind}"


class _Ledger:
    """Support and counter-evidence per (segment, side), capped per kind."""

    def __init__(self, items: list[Contribution], table: Table):
        self.table = table
        self.items: dict[tuple[str, Side | None], list[Contribution]] = defaultdict(list)
        for c in items:
            self.items[(c.segment, c.side)].append(c)

    def _applies(self, segment: str, side: Side | None) -> list[Contribution]:
        """Contributions bearing on a root at *side*: its own, bilateral ones and unsided ones."""
        own = list(self.items.get((segment, side), ()))
        if side is not None:
            own += self.items.get((segment, None), ())
            if side is not Side.BILATERAL:
                own += self.items.get((segment, Side.BILATERAL), ())
        return own

    def totals(
        self, segments: t.Sequence[str], side: Side | None
    ) -> tuple[float, float, set[Kind], list[Contribution]]:
        """Support, counter-evidence, agreeing kinds and contributions for one or two roots.

        For two roots, a finding that maps to both counts once: its contributions are summed
        but capped at the finding's whole weight, so a two-root hypothesis only outscores a
        single root when *different* findings support each root.
        """
        found = [c for seg in segments for c in self._applies(seg, side)]
        merged: dict[tuple[int, bool], float] = defaultdict(float)
        kind_of: dict[tuple[int, bool], Kind] = {}
        full: dict[tuple[int, bool], float] = {}
        for c in found:
            key = (id(c.finding), c.supports)
            merged[key] += c.weight
            kind_of[key], full[key] = c.finding.kind, c.full
        support: dict[Kind, float] = defaultdict(float)
        against: dict[Kind, float] = defaultdict(float)
        for key, weight in merged.items():
            (support if key[1] else against)[kind_of[key]] += min(weight, full[key])
        pro = sum(min(v, w.KIND_CAP[k]) for k, v in support.items())
        con = sum(min(v, w.KIND_CAP[k]) for k, v in against.items())
        kinds = {k for k, v in support.items() if v >= w.AGREEING_KIND_MINIMUM}
        return pro, con, kinds, found

    def core_net(self, segment: str, side: Side | None) -> float:
        """Net evidence for one root counting only its core-zone support: a root is involved
        when its own territory is, not when a neighbour's variable zone spills into it."""
        support: dict[Kind, float] = defaultdict(float)
        against: dict[Kind, float] = defaultdict(float)
        for c in self._applies(segment, side):
            if c.supports and c.zone == "core":
                support[c.finding.kind] += c.weight
            elif not c.supports:
                against[c.finding.kind] += c.weight
        pro = sum(min(v, w.KIND_CAP[k]) for k, v in support.items())
        con = sum(min(v, w.KIND_CAP[k]) for k, v in against.items())
        return pro - con

    def candidates(self) -> list[tuple[str, Side | None]]:
        sided = {
            (seg, side)
            for (seg, side), cs in self.items.items()
            if side is not None and any(c.supports for c in cs)
        }
        unsided = {
            seg
            for (seg, side), cs in self.items.items()
            if side is None and any(c.supports for c in cs)
        }
        result: set[tuple[str, Side | None]] = set(sided)
        for seg in unsided:
            if not any(s == seg for s, _ in sided):
                result.add((seg, None))
        return sorted(
            result, key=lambda k: (_SEGMENT_ORDER.get(k[0], 99), k[1].value if k[1] else "")
        )


def _score(net: float, kinds: set[Kind]) -> float:
    score = net / (net + w.HALF_SATURATION) if net > 0 else 0.0
    if len(kinds) < 2:
        score = min(score, w.SINGLE_KIND_CAP)
    return round(score, 2)


def _evidence(
    items: t.Iterable[Contribution], table: Table, supports: bool
) -> tuple[Evidence, ...]:
    best: dict[tuple[str, str], Evidence] = {}
    for c in items:
        if c.supports is not supports:
            continue
        zone = "" if c.zone == "core" else ", variable zone"
        text = f"{describe(c.finding, table)} ({c.segment}{zone})"
        key = (c.finding.ref, text)
        if key not in best or best[key].weight < c.weight:
            best[key] = Evidence(c.finding.ref, text, round(c.weight, 2), supports)
    return ranked(best.values())


def _root(
    ledger: _Ledger,
    segments: tuple[str, ...],
    side: Side | None,
    parsimony: float = 1.0,
    explained_by: t.Mapping[int, str] | None = None,
) -> Hypothesis:
    pro, con, kinds, found = ledger.totals(segments, side)
    net = (pro - con) * parsimony
    score = _score(net, kinds)
    confidence = "probable" if score > w.PROBABLE and len(kinds) >= 2 else "possible"
    reasons = [f"Evidence for {'/'.join(segments)}: {pro:.2f} units; against: {con:.2f} units."]
    if len(kinds) >= 2:
        reasons.append(
            f"{len(kinds)} kinds of evidence agree ({', '.join(sorted(k.value for k in kinds))})."
        )
    else:
        reasons.append(
            "Only one kind of evidence supports it, so it stays 'possible': "
            "a confident single-root call needs two (sensory, reflex, motor)."
        )
    if any(c.zone == "variable" and c.supports for c in found):
        reasons.append(
            "Part of the support comes from a zone where dermatome maps disagree, at split weight."
        )
    if len(segments) == 2:
        reasons.append(
            "The evidence spans two adjacent roots about equally; a two-level lesion is possible."
        )
    if explained_by:
        by = sorted({explained_by[id(c.finding)] for c in found if id(c.finding) in explained_by})
        if by:
            reasons.append(
                f"Part of its evidence is better explained by {'; '.join(by)} and counts less "
                "here; what remains is evidence that pattern does not explain."
            )
    return Hypothesis(
        pattern="radiculopathy" if len(segments) == 1 else "polyradiculopathy",
        segments=segments,
        side=side,
        score=score,
        confidence=confidence,
        text=_diagnosis_text(segments, side),
        support=_evidence(found, ledger.table, True),
        against=_evidence(found, ledger.table, False),
        reasons=tuple(reasons),
    )


def _roots(
    ledger: _Ledger, explained_by: t.Mapping[int, str]
) -> tuple[list[Hypothesis], dict[tuple[str, Side | None], float]]:
    candidates = ledger.candidates()
    singles = [_root(ledger, (seg,), side, explained_by=explained_by) for seg, side in candidates]
    singles = [h for h in singles if h.score >= w.REPORT_MINIMUM]
    pairs = []
    by_side: dict[Side | None, dict[str, float]] = defaultdict(dict)
    for seg, side in candidates:
        pro, con, _, _ = ledger.totals((seg,), side)
        by_side[side][seg] = pro - con
    for side, nets in by_side.items():
        ordered = sorted(nets, key=lambda s: _SEGMENT_ORDER[s])
        for a, b in zip(ordered, ordered[1:], strict=False):
            if _SEGMENT_ORDER[b] - _SEGMENT_ORDER[a] != 1:
                continue
            lo, hi = sorted((nets[a], nets[b]))
            if lo >= w.TWO_ROOT_MINIMUM and lo >= w.TWO_ROOT_BALANCE * hi:
                pairs.append(
                    _root(ledger, (a, b), side, w.TWO_ROOT_PARSIMONY, explained_by=explained_by)
                )
    core_nets = {(seg, side): ledger.core_net(seg, side) for seg, side in candidates}
    return singles + pairs, core_nets


def _explaining_away(found: list[Detection]) -> tuple[dict[int, float], dict[int, str]]:
    """id(finding) -> root weight kept, and -> the pattern that took the most of it."""
    kept: dict[int, float] = {}
    by: dict[int, str] = {}
    for d in found:
        strength = d.strength
        if strength <= 0.0:
            continue
        for f in d.explains:
            left = 1.0 - strength
            if left < kept.get(id(f), 1.0):
                kept[id(f)] = left
                by[id(f)] = _lower_first(d.hypothesis.text)
    return kept, by


def _rank(hypotheses: list[Hypothesis]) -> tuple[Hypothesis, ...]:
    def key(h: Hypothesis) -> tuple[t.Any, ...]:
        return (
            -h.score,
            len(h.segments) > 1,
            h.pattern,
            [_SEGMENT_ORDER.get(s, 99) for s in h.segments],
            h.side.value if h.side else "",
        )

    return tuple(sorted(hypotheses, key=key))


def _lower_first(text: str) -> str:
    """*text* to follow a colon mid-sentence: "Left L5 ..." -> "left L5 ...", but a leading
    segment or acronym ("L4 radiculopathy (side not stated)", "GBS") keeps its capitals."""
    first = text.split(" ", 1)[0]
    if first[1:2].isdigit() or any(c.isupper() for c in first[1:]):
        return text  # a segment, an acronym or an eponym ("Brown-Sequard")
    return text[:1].lower() + text[1:]


def _summary(ranked: tuple[Hypothesis, ...], abnormal: int) -> str:
    if not ranked:
        if abnormal:
            return (
                f"The exam did not localize: the {abnormal} abnormal finding(s) point to no "
                "nerve root "
                "or recognised pattern."
            )
        return "The exam did not localize: no abnormal neurological finding was reported."
    urgent = next((h for h in ranked if h.urgent), None)
    rest = [h for h in ranked if h is not urgent]
    if urgent is not None:
        action = {
            "cauda-equina": "emergency assessment and imaging are needed.",
            "transverse-myelopathy": "emergency MRI of the spine is needed.",
        }.get(urgent.pattern, "urgent neurological assessment is needed.")
        text = f"URGENT: {_lower_first(urgent.text)} (score {urgent.score:.2f}): {action}"
        if rest:
            other = rest[0]
            text += (
                f" Also found: {_lower_first(other.text)} ({other.confidence}, "
                f"score {other.score:.2f})."
            )
        return text
    top = ranked[0]
    text = f"Most likely: {_lower_first(top.text)} ({top.confidence}, score {top.score:.2f})"
    others = [_lower_first(h.text) for h in ranked[1:3]]
    if others:
        text += "; also consider " + " and ".join(others)
    return text + "."


_CAVEAT_OVERLAP = (
    "Adjacent dermatomes overlap and their borders vary between people (Lee 2008); a "
    "sensory finding alone rarely settles the level, and the level should be confirmed "
    "clinically and by imaging."
)
_CAVEAT_VARIABLE = (
    "Some findings lie in variable zones, where published dermatome maps disagree or "
    "neighbouring dermatomes overlap (the great toe, index and ring fingers, the posterior "
    "thigh and calf...); they were counted at split, lower weight for each candidate root."
)


def localize(findings: t.Sequence[Finding], table: Table) -> Assessment:
    """Weigh *findings* against *table* and rank the explanations.

    :param findings: the exam's findings, any order.
    :param table: the terminology table (segments, weights, nerves).
    :return: the assessment; ``localized`` is False when nothing explains the abnormal findings.
    """
    everything = findings
    findings, repeats = _distinct(findings)
    exam = ExamIndex(findings, table)
    ctx = Context(exam)
    for detector in DETECTORS:
        if detector.stage == BEFORE_ROOTS:
            ctx.found += detector.run(ctx)
    kept, explained_by = _explaining_away(ctx.found)
    ctx.kept = kept
    items = contributions(findings, table, exam.rows, kept)
    roots, ctx.nets = _roots(_Ledger(items, table), explained_by)
    roots = _cap_under_pictures(roots, ctx.found, items, exam)
    roots = _only_key_point(roots, findings, exam, table, items)
    ctx.roots = roots
    for detector in DETECTORS:
        if detector.stage == AFTER_ROOTS:
            ctx.found += detector.run(ctx)
    patterns = [d.hypothesis for d in ctx.found]
    ranked = _rank(roots + patterns)
    abnormal = sum(1 for f in findings if f.polarity.is_abnormal)
    caveats = []
    if roots:
        caveats.append(_CAVEAT_OVERLAP)
    if any(c.zone == "variable" and c.supports for c in items):
        caveats.append(_CAVEAT_VARIABLE)
    if repeats:
        caveats.append(
            f"{len(repeats)} observation(s) repeat a finding already reported (same test, site, "
            "side and result) and were counted once: " + ", ".join(repeats) + "."
        )
    unsided = sorted({f.ref for f in findings if f.side is None})
    if unsided:
        caveats.append(
            f"{len(unsided)} observation(s) did not state a side; they count toward the "
            "segment but not toward either side."
        )
    if any(f.side_from_text for f in findings):
        caveats.append(
            "The side of some findings was read from free text in bodySite.text; check it."
        )
    unused = _unused_abnormal(findings, ranked, items, table)
    if unused:
        caveats.append(
            f"{len(unused)} abnormal finding(s) bore on no root or pattern the engine knows and "
            "were not weighed: " + "; ".join(unused) + "."
        )
    used = tuple(sorted({f.ref for f in everything}))
    return Assessment(
        hypotheses=ranked,
        localized=bool(ranked),
        summary=_summary(ranked, abnormal),
        caveats=tuple(caveats),
        used=used,
        urgent=any(h.urgent for h in ranked),
    )


def _distinct(findings: t.Sequence[Finding]) -> tuple[list[Finding], list[str]]:
    """The findings with repeats removed, and the refs of the repeats.

    The same test at the same site and side with the same result, sent twice (an export that
    repeats a row, a form saved twice), is one finding: counting it twice would double its
    weight and change the reading. The one with the first ref is kept, so the answer does not
    depend on the order of the input.
    """
    first: dict[tuple[t.Any, ...], Finding] = {}
    for f in findings:
        key = f[1:]
        kept = first.get(key)
        if kept is None or f.ref < kept.ref:
            first[key] = f
    if len(first) == len(findings):
        return list(findings), []
    keep = {id(f) for f in first.values()}
    return [f for f in findings if id(f) in keep], sorted(
        f.ref for f in findings if id(f) not in keep
    )


def _cap_under_pictures(
    roots: list[Hypothesis], found: list[Detection], items: list[Contribution], exam: ExamIndex
) -> list[Hypothesis]:
    """A root (or two adjacent roots) inside a multi-root or plexus picture on its side is at
    most "possible", and ranks below the picture, unless it has evidence of its own beyond it.

    A neurologist who finds several roots' muscles weak on one side (a plexus or several roots;
    only EMG/NCS tell them apart: clinical-rules-2 section 3) does not call one of those roots
    probable on the same findings. "Evidence of its own" is core-zone support, from findings the
    picture does not cover, of at least AGREEING_KIND_MINIMUM units (e.g. a weak tibialis
    anterior beside a lumbar plexus picture of quadriceps and adductors).
    """
    pictures = [d for d in found if d.span and d.hypothesis.side in (Side.LEFT, Side.RIGHT)]
    if not pictures:
        return roots
    out = []
    for h in roots:
        caps = [
            d
            for d in pictures
            if d.hypothesis.side is h.side
            and set(h.segments) <= set(d.span)
            and len(d.span) > len(h.segments)
            and _other_roots_weak(h, d, exam)
        ]
        picture = min(caps, key=lambda d: d.hypothesis.score, default=None)
        if picture is None or _own_evidence(h, caps, items):
            out.append(h)
        else:
            out.append(_capped(h, picture))
    return out


def _other_roots_weak(h: Hypothesis, picture: Detection, exam: ExamIndex) -> bool:
    """Whether the picture holds weakness that *h*'s roots do not supply: two weak muscles
    outside its myotome, or one at least two segments away. Weakness of several nerves that
    one root supplies (iliopsoas and adductors for L2; gluteus maximus, peronei and calf for S1)
    is that root's myotome, and one mildly weak muscle of the neighbouring root is within the
    overlap of multi-root supply (clinical-rules 2.6), not a multi-root picture."""
    own = {ORDER[s] for s in h.segments}
    others: dict[int, int] = {}  # id(finding) -> its distance in segments from h's roots
    for f in (*picture.explains, *picture.covers):
        row = exam.rows.get(id(f))
        if f.kind is not Kind.MOTOR or row is None:
            continue
        supplied = segments_of(row) or {v.segment for v in row.variable}
        if supplied and not supplied & set(h.segments):
            others[id(f)] = min(abs(ORDER[s] - o) for s in supplied for o in own)
    return len(others) >= 2 or any(d >= 2 for d in others.values())


def _own_evidence(h: Hypothesis, pictures: list[Detection], items: list[Contribution]) -> bool:
    covered = {id(f) for d in pictures for f in (*d.covers, *d.explains)}
    own: dict[Kind, float] = defaultdict(float)
    for c in items:
        if (
            c.supports
            and c.zone == "core"
            and c.segment in h.segments
            and id(c.finding) not in covered
            and (c.side is h.side or c.side is Side.BILATERAL)
        ):
            own[c.finding.kind] += c.weight
    return any(v >= w.AGREEING_KIND_MINIMUM for v in own.values())


def _capped(h: Hypothesis, picture: Detection) -> Hypothesis:
    """*h* as "possible" (so scored no higher than PROBABLE, like every possible root), ranked
    just below *picture* (the least sure picture that covers it, so below all of them)."""
    ceiling = min(w.PROBABLE, round(picture.hypothesis.score - 0.01, 2))
    score = max(min(h.score, ceiling), w.REPORT_MINIMUM)
    reason = (
        f"Its evidence is part of a wider picture on this side "
        f"({_lower_first(picture.hypothesis.text)}): several roots' muscles are weak, so one "
        "root alone is at most possible; plexus versus several roots needs EMG/NCS (paraspinal "
        "muscles and sensory nerve action potentials are not testable at the bedside)."
    )
    return dataclasses.replace(h, score=score, confidence="possible", reasons=(*h.reasons, reason))


def _only_key_point(
    roots: list[Hypothesis],
    findings: t.Sequence[Finding],
    exam: ExamIndex,
    table: Table,
    items: list[Contribution],
) -> list[Hypothesis]:
    """An exam whose only abnormality is one key-point sensory change names that root as
    possible, however many normal findings surround it (pure sensory radiculopathy is common:
    clinical-rules-2 section 6)."""
    abnormal = [f for f in findings if f.polarity.is_abnormal]
    if len(abnormal) != 1 or roots:
        return roots
    (f,) = abnormal
    row = exam.rows.get(id(f))
    if row is None or f.polarity not in (Polarity.DECREASED, Polarity.ABSENT, Polarity.ABNORMAL):
        return roots
    if f.kind is Kind.SENSORY:
        segment = getattr(row, "key_point", None)
        if not segment or f.modality not in w.ROOT_MODALITIES:
            return roots
    elif f.kind is Kind.REFLEX and row.kind != "dtr":
        return roots
    else:
        segment = row.core[0].segment if row.core else None
        if segment is None:
            return roots
    ledger = _Ledger(items, table)
    h = _root(ledger, (segment,), f.side)
    reasons = h.reasons + (
        "The only abnormal finding is a localizing test of this root (an ISNCSCI key point, a "
        "key muscle or a reflex); the normal findings around it do not exclude a partial or "
        "purely sensory radiculopathy, so the root stays possible.",
    )
    return [
        Hypothesis(
            pattern=h.pattern,
            segments=h.segments,
            side=h.side,
            score=max(h.score, w.REPORT_MINIMUM),
            confidence="possible",
            text=h.text,
            support=h.support or (Evidence(f.ref, f"{describe(f, table)} ({segment})", 1.0, True),),
            against=h.against,
            reasons=reasons,
        )
    ]


def _unused_abnormal(
    findings: t.Sequence[Finding],
    ranked: t.Sequence[Hypothesis],
    items: list[Contribution],
    table: Table,
) -> list[str]:
    """Abnormal findings that neither moved a root nor appear in any pattern's evidence."""
    named = {e.ref for h in ranked for e in (*h.support, *h.against)}
    weighed = {id(c.finding) for c in items}
    out = []
    for f in findings:
        if not f.polarity.is_abnormal or id(f) in weighed or f.ref in named:
            continue
        out.append(f"{f.ref} ({describe(f, table)})")
    return sorted(set(out))
