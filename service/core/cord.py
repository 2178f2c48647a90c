"""Cord syndromes (clinical-rules 4.2; clinical-rules-2 sections 1 and 2).

- myelopathy: upper-motor-neuron signs, with the sensory level named when there is one
  (transverse myelopathy: "cord lesion at or above Tn", never "root Tn"); a root sign at the
  level of the cord lesion is kept as a root (myeloradiculopathy);
- Brown-Sequard: weakness with touch or dorsal-column loss on one side, pain loss on the other;
- hemiparesis with UMN signs: arm and leg weak on one side, no dermatomal loss: brain or high
  cervical cord.

Each explains the findings it accounts for (weakness and sensory loss below the lesion); a
reduced tendon reflex is a lower-motor-neuron sign, which a cord lesion below its level does
not cause, so it is never explained away here.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict

from terminology import SEGMENTS

from . import weights as w
from .detection import Context, Detection, hypothesis
from .exam_index import ORDER, SIDES, ExamIndex, is_reduced, primary_segment, segments_of
from .model import Finding, Kind, Polarity, Side
from .weights import ROOT_MODALITIES

__all__ = ["brown_sequard", "hemiparesis", "myelopathy", "sensory_level"]

TRUNK_LEVELS = frozenset(f"T{n}" for n in range(2, 13))
_DORSAL_COLUMN = frozenset({"vibration", "light-touch"})


def _segment(exam: ExamIndex, f: Finding) -> str | None:
    row = exam.rows.get(id(f))
    if row is None:
        return None
    if getattr(row, "key_point", None):
        return t.cast(str, row.key_point)
    return primary_segment(row)


def _other(side: Side) -> Side:
    return Side.RIGHT if side is Side.LEFT else Side.LEFT


def _on(f: Finding, side: Side) -> bool:
    return f.side in (side, Side.BILATERAL)


def sensory_level(exam: ExamIndex) -> tuple[str, list[Finding]] | None:
    """The sensory level (first abnormal segment) of loss on both sides, and the findings at or
    below it, or None.

    A level needs dermatomal loss (light touch, pin prick) at CORD_LEVEL_SEGMENTS distinct
    segments on the two sides together, at least two on each, starting on the trunk (T2-T12) or,
    with UMN signs, anywhere. Normal findings below the level are not read: the level is the
    highest loss, and patchy sparing below it does not move it.
    """
    per_side: dict[Side, dict[str, list[Finding]]] = {s: defaultdict(list) for s in SIDES}
    for f in exam.findings:
        if f.kind is not Kind.SENSORY or not is_reduced(f) or f.side is None:
            continue
        if f.modality not in ROOT_MODALITIES:
            continue
        seg = _segment(exam, f)
        if seg is None or seg in ("S3", "S4-5"):
            continue
        for s in SIDES:
            if _on(f, s):
                per_side[s][seg].append(f)
    if not all(len(per_side[s]) >= 2 for s in SIDES):
        return None
    if len(set(per_side[Side.LEFT]) | set(per_side[Side.RIGHT])) < w.CORD_LEVEL_SEGMENTS:
        return None
    level = min((seg for s in SIDES for seg in per_side[s]), key=ORDER.__getitem__)
    tops = {min(per_side[s], key=ORDER.__getitem__) for s in SIDES}
    # both sides must reach the trunk or the arm-leg gap: a level, not two distal patches
    if not all(ORDER[top] <= ORDER["L1"] for top in tops) and not exam.umn:
        return None
    if level not in TRUNK_LEVELS and not exam.umn:
        return None
    below = [f for s in SIDES for fs in per_side[s].values() for f in fs]
    return level, list(dict.fromkeys(below))


def _explained_below(exam: ExamIndex, level: str, sides: t.Iterable[Side]) -> list[Finding]:
    """Sensory and motor findings at or below *level* on *sides* (not tendon reflexes)."""
    out = []
    wanted = tuple(sides)
    for f in exam.findings:
        if f.kind is Kind.REFLEX or not is_reduced(f):
            continue
        if f.side is not None and not any(_on(f, s) for s in wanted):
            continue
        seg = _segment(exam, f)
        if seg is not None and ORDER[seg] >= ORDER[level]:
            out.append(f)
    return out


def _lmn_segments(exam: ExamIndex) -> dict[Side | None, set[str]]:
    """Segments with a reduced tendon reflex (a lower-motor-neuron sign), per side."""
    found: dict[Side | None, set[str]] = defaultdict(set)
    for f in exam.findings:
        row = exam.rows.get(id(f))
        if f.kind is Kind.REFLEX and row is not None and row.kind == "dtr" and is_reduced(f):
            found[f.side] |= segments_of(row)
    return found


def myelopathy(ctx: Context) -> list[Detection]:
    exam = ctx.exam
    signs: dict[str, list[Finding]] = defaultdict(list)
    for f in exam.umn:
        row = exam.rows[id(f)]
        sign = f.target if row.kind == "umn" and f.target != "hyperreflexia" else "hyperreflexia"
        signs[sign].append(f)
    level = sensory_level(exam)
    if not signs and level is None:
        return []
    central = ctx.patterns("brown-sequard", "hemiparesis")
    if level is None and central:
        sides = {h.side for h in central}
        if all(f.side in sides or f.side is None for f in exam.umn):
            return []  # the UMN signs belong to the hemicord or hemiparesis already named
    arms = exam.umn_in_arms()
    cervical = bool(arms)
    count = min(len(signs), len(w.MYELOPATHY_BY_SIGNS) - 1)
    score = w.MYELOPATHY_BY_SIGNS[count]
    support = [
        e
        for fs in signs.values()
        for e in exam.evidence(fs, w.MYELOPATHY_BY_SIGNS[1], True, "upper-motor-neuron sign")
    ]
    reasons = []
    if signs:
        reasons.append(
            f"{count} distinct upper-motor-neuron sign(s) ({', '.join(sorted(signs))}) point to "
            "the spinal cord rather than a nerve root; a pure radiculopathy does not cause them."
        )
    lmn = _lmn_segments(exam)
    explains: list[Finding] = []
    if level is not None:
        seg, below = level
        score = max(score, w.CORD_LEVEL + (w.CORD_LEVEL_UMN if signs else 0.0))
        support += exam.evidence(below, w.CORD_LEVEL / max(1, len(below)), True, "below the level")
        reasons.append(
            f"Sensory loss on both sides from {seg} down: a sensory level. The lesion is in the "
            f"cord at or above {seg}, not a root: cord segments and vertebral levels differ, and a "
            "cervical lesion can give a thoracic level several segments lower."
        )
        above = SEGMENTS[ORDER[seg] - 1] if ORDER[seg] else None
        normal_above = [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and f.polarity is Polarity.NORMAL
            and f.modality in ROOT_MODALITIES
            and _segment(exam, f) == above
        ]
        if normal_above:
            score += w.CORD_LEVEL_NORMAL_ABOVE
            support += exam.evidence(
                normal_above, w.CORD_LEVEL_NORMAL_ABOVE, True, "normal above the level"
            )
            reasons.append(
                f"Levels: first abnormal segment {seg}; last normal segment {above} (ISNCSCI)."
            )
        if not signs:
            reasons.append(
                "No upper-motor-neuron sign was reported; early (spinal shock) they may be absent."
            )
        explains = _explained_below(exam, seg, SIDES)
        where = f"cord lesion at or above {seg}" + (
            ", cervical cord possible" if seg in TRUNK_LEVELS else ""
        )
        text = f"Transverse myelopathy: {where}"
    else:
        legs = [
            f
            for f in exam.findings
            if is_reduced(f) and f.kind is not Kind.REFLEX and exam.lower_limb(f)
        ]
        arms_found = (
            [
                f
                for f in exam.findings
                if is_reduced(f) and f.kind is not Kind.REFLEX and exam.upper_limb(f)
            ]
            if cervical
            else []
        )
        for f in legs + arms_found:
            row = exam.rows[id(f)]
            if segments_of(row) & (lmn.get(f.side, set()) | lmn.get(None, set())):
                continue  # a root sign at this segment: myeloradiculopathy, kept as root evidence
            explains.append(f)
        if cervical:
            reasons.append(
                "Signs in the upper limbs (Hoffmann, an inverted supinator or brisk arm reflexes) "
                "suggest a cervical level."
            )
        text = "Cervical myelopathy" if cervical else "Myelopathy (upper-motor-neuron signs)"
    radicular = sorted({seg for segs in lmn.values() for seg in segs}, key=ORDER.__getitem__)
    if radicular and signs:
        reasons.append(
            f"A lower-motor-neuron sign at {', '.join(radicular)} beside cord signs: a root "
            "lesion at the level of the cord lesion (myeloradiculopathy) is possible; the root "
            "keeps the evidence the cord does not explain."
        )
    code = "transverse-myelopathy" if level is not None else "myelopathy"
    urgent = level is not None and bool(signs)
    if urgent:
        reasons.append(
            "A sensory level with upper-motor-neuron signs is suspected cord compression until "
            "imaged: emergency MRI of the whole spine."
        )
    return [
        Detection(
            hypothesis(code, text, None, score, support, [], reasons, urgent=urgent),
            tuple(explains),
        )
    ]


def brown_sequard(ctx: Context) -> list[Detection]:
    exam = ctx.exam
    found = []
    for a in SIDES:
        b = _other(a)
        weak = [f for f in exam.findings if f.kind is Kind.MOTOR and f.side is a and is_reduced(f)]
        pain = [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and f.side is b
            and f.modality == "pin-prick"
            and is_reduced(f)
            and _segment(exam, f) is not None
        ]
        umn = [f for f in exam.umn if f.side in (a, Side.BILATERAL, None)]
        if not weak or not pain or not umn:
            continue  # Brown-Sequard weakness is upper-motor-neuron weakness
        level = min((t.cast(str, _segment(exam, f)) for f in pain), key=ORDER.__getitem__)
        column = [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and f.side is a
            and f.modality in _DORSAL_COLUMN
            and is_reduced(f)
        ]
        lowest_ok = ORDER[level] + 1  # the band at the level may lose every modality
        # a dissociation: pin prick spared on side a and touch spared on side b below the band
        pain_a = [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and _on(f, a)
            and f.modality == "pin-prick"
            and is_reduced(f)
            and ORDER.get(_segment(exam, f) or "C2", 0) > lowest_ok
        ]
        touch_b = [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and _on(f, b)
            and f.modality in _DORSAL_COLUMN
            and is_reduced(f)
            and ORDER.get(_segment(exam, f) or "C2", 0) > lowest_ok
        ]
        if pain_a or touch_b:
            continue
        top_weak = min(
            (primary_segment(exam.rows[id(f)]) or "S1" for f in weak), key=ORDER.__getitem__
        )
        if ORDER[top_weak] < ORDER[level] - w.BROWN_SEQUARD_LEVELS:
            continue  # weakness far above the pain level: not one hemicord lesion
        score = w.BROWN_SEQUARD
        support = exam.evidence(weak, 0.2, True, f"weak on the {a.value} side")
        support += exam.evidence(pain, 0.2, True, f"pain sensation lost on the {b.value} side")
        support += exam.evidence(
            column, 0.1, True, f"touch or vibration lost on the {a.value} side"
        )
        reasons = [
            f"Weakness{' and touch or vibration loss' if column else ''} on the {a.value} side "
            f"with pin-prick loss on the {b.value} side from {level}: a Brown-Sequard "
            f"(hemicord) pattern, lesion on the {a.value} side of the cord at or above {level}."
        ]
        if umn:
            score += w.BROWN_SEQUARD_UMN
            support += exam.evidence(umn, w.BROWN_SEQUARD_UMN, True, "upper-motor-neuron sign")
        spared = [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and f.side is a
            and f.modality == "pin-prick"
            and f.polarity is Polarity.NORMAL
        ] + [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and f.side is b
            and f.modality in _DORSAL_COLUMN
            and f.polarity is Polarity.NORMAL
        ]
        if spared:
            score += w.BROWN_SEQUARD_DISSOCIATION
            support += exam.evidence(spared, w.BROWN_SEQUARD_DISSOCIATION, True, "dissociated")
            reasons.append("The other modality is spared on each side (a dissociated loss).")
        reasons.append(
            "A band of all-modality loss with a lower-motor-neuron sign at the level is a true "
            "root sign; elsewhere, the findings are the cord's."
        )
        text = f"Brown-Sequard syndrome ({a.value} hemicord lesion at or above {level})"
        found.append(
            Detection(
                hypothesis("brown-sequard", text, a, score, support, [], reasons),
                tuple(weak + pain + column),
            )
        )
    return found


def hemiparesis(ctx: Context) -> list[Detection]:
    exam = ctx.exam
    if not exam.umn:
        return []
    found = []
    limbs = {}
    for side in SIDES:
        weak = [
            f for f in exam.findings if f.kind is Kind.MOTOR and f.side is side and is_reduced(f)
        ]
        limbs[side] = (
            weak,
            [f for f in weak if exam.upper_limb(f)],
            [f for f in weak if exam.lower_limb(f)],
        )
    for side in SIDES:
        weak, arm, leg = limbs[side]
        if not arm or not leg:
            continue
        _, other_arm, other_leg = limbs[_other(side)]
        if other_arm and other_leg:
            continue  # four limbs: a cord (or diffuse) picture, not a hemiparesis
        umn = [f for f in exam.umn if f.side in (side, Side.BILATERAL, None)]
        if not umn:
            continue
        score = w.HEMIPARESIS + w.HEMIPARESIS_SIGNS * min(2, len({f.target for f in umn}) - 1)
        support = exam.evidence(arm + leg, 0.15, True, "weak on that side")
        support += exam.evidence(umn, w.HEMIPARESIS_SIGNS, True, "upper-motor-neuron sign")
        against = []
        reasons = [
            f"The {side.value} arm and leg are weak with upper-motor-neuron signs: a central "
            "(brain, brainstem or high cervical cord) hemiparesis, not a root; no peripheral "
            "lesion weakens a whole side."
        ]
        areflexic = [
            f
            for f in exam.findings
            if f.kind is Kind.REFLEX
            and f.side in (side, Side.BILATERAL)
            and is_reduced(f)
            and exam.rows[id(f)] is not None
            and exam.rows[id(f)].kind == "dtr"
        ]
        if areflexic:
            score -= w.HEMIPARESIS_AREFLEXIA
            against += exam.evidence(
                areflexic, w.HEMIPARESIS_AREFLEXIA, False, "reduced reflex in a weak limb"
            )
            reasons.append("A reduced reflex on that side is a lower-motor-neuron sign.")
        dermatomal = [
            f
            for f in exam.findings
            if f.kind is Kind.SENSORY
            and f.side in (side, Side.BILATERAL)
            and f.modality in ROOT_MODALITIES
            and is_reduced(f)
        ]
        if dermatomal:
            score -= w.HEMIPARESIS_DERMATOME
            against += exam.evidence(
                dermatomal, w.HEMIPARESIS_DERMATOME, False, "sensory loss on that side"
            )
        reasons.append(
            "The face was not examined here: face involved points to the brain, face spared to "
            "the brainstem or high cervical cord."
        )
        text = (
            f"{side.value.capitalize()} hemiparesis with upper-motor-neuron signs "
            "(brain or high cord)"
        )
        if score < w.MIMIC_MINIMUM:
            continue
        found.append(
            Detection(
                hypothesis("hemiparesis", text, side, score, support, against, reasons),
                tuple(weak),
            )
        )
    return found
