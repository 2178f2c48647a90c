"""Bilateral, diffuse and multi-root disease (clinical-rules 4.1, 4.3, 4.4; clinical-rules-2
sections 3, 4, 8 and 9).

Before the roots: length-dependent polyneuropathy, inflammatory polyradiculoneuropathy
(GBS/CIDP) and weakness scattered over non-adjacent segments of one side. After the roots:
polyradiculopathy (several roots with evidence of their own) and the cauda equina flag.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict

from terminology import SEGMENTS

from . import weights as w
from .cord import sensory_level
from .detection import Context, Detection, hypothesis
from .exam_index import (
    LEG_SEGMENTS,
    ORDER,
    SIDES,
    ExamIndex,
    is_reduced,
    primary_segment,
    segments_of,
)
from .model import Evidence, Finding, Kind, Polarity, Side
from .weights import ROOT_MODALITIES

__all__ = [
    "cauda_equina",
    "polyneuropathy",
    "polyradiculoneuropathy",
    "polyradiculopathy",
    "scattered_weakness",
]

_PROXIMAL_MOVES = (
    "hip-flexion",
    "hip-abduction",
    "hip-adduction",
    "hip-extension",
    "knee-extension",
)
_PROXIMAL_ARM_MOVES = ("shoulder-abduction", "shoulder-external-rotation", "elbow-flexion")
#: The leg movements of GIRFT's "severe or progressive deficit of both legs".
_GIRFT_MOVES = ("knee-extension", "ankle-eversion", "ankle-dorsiflexion")
_SACRAL_REFLEXES = ("reflex-anal", "reflex-bulbocavernosus")
_DISTAL_TOES = ("great-toe-extension",)


def _segments(exam: ExamIndex, f: Finding) -> set[str]:
    """The core segments of a finding's table row (none when the table has no row)."""
    row = exam.rows.get(id(f))
    return segments_of(row) if row is not None else set()


def _skin_of(row: t.Any) -> set[str]:
    """The roots whose skin a site lies in: its core roots, or its variable ones if it has none."""
    return segments_of(row) or {v.segment for v in row.variable}


def _dtr(exam: ExamIndex, f: Finding) -> bool:
    row = exam.rows.get(id(f))
    return f.kind is Kind.REFLEX and row is not None and row.kind == "dtr"


# --- polyneuropathy -------------------------------------------------------------------------


def polyneuropathy(ctx: Context) -> list[Detection]:
    exam = ctx.exam
    feet = {s: [f for f in exam.zone("lower-limb", True, s) if is_reduced(f)] for s in SIDES}
    ankles = {s: exam.weak(Kind.REFLEX, "reflex-achilles", s) for s in SIDES}
    bilateral_feet = all(feet.values())
    both_ankles = all(ankles.values())
    if not (bilateral_feet or both_ankles):
        return []
    support: list[Evidence] = []
    against: list[Evidence] = []
    reasons: list[str] = []
    score = 0.0
    # the roots whose skin the distal loss lies in: a site's core roots, or, for a site where
    # the maps disagree and no root is core (the hallux: L4 or L5), its variable ones; so a
    # loss reaching the hallux is not "confined to S1's skin"
    dermatomal = {
        s: {
            seg
            for f in feet[s]
            if f.modality in ROOT_MODALITIES
            for seg in _skin_of(exam.rows[id(f)])
        }
        for s in SIDES
    }
    if bilateral_feet:
        score += w.PNP_BILATERAL_DISTAL
        support += exam.evidence(
            feet[Side.LEFT] + feet[Side.RIGHT], w.PNP_BILATERAL_DISTAL, True, "distal, both feet"
        )
        reasons.append("Sensory loss in both feet, distally: a stocking distribution.")
        segs = dermatomal[Side.LEFT] | dermatomal[Side.RIGHT]
        if len(segs) >= 2:
            score += w.PNP_MULTI_DERMATOME
            reasons.append(
                f"The distal loss crosses dermatomes ({', '.join(sorted(segs))}) rather than "
                "following one root."
            )
        elif len(segs) == 1:
            score -= w.PNP_ONE_DERMATOME
            reasons.append(
                f"On both sides the loss lies in one root's skin ({next(iter(segs))}): a "
                "bilateral root pattern rather than a stocking."
            )
        vibration = [f for f in feet[Side.LEFT] + feet[Side.RIGHT] if f.modality == "vibration"]
        if vibration and all(any(f.modality == "vibration" for f in feet[s]) for s in SIDES):
            score += w.PNP_VIBRATION
    if both_ankles:
        score += w.PNP_ANKLE_JERKS
        support += exam.evidence(
            ankles[Side.LEFT] + ankles[Side.RIGHT],
            w.PNP_ANKLE_JERKS,
            True,
            "both ankle jerks reduced",
        )
        reasons.append(
            "Both ankle jerks are reduced; they are lost first in a length-dependent neuropathy."
        )
        knees = exam.normal(Kind.REFLEX, "reflex-patellar", None)
        if knees and not exam.weak(Kind.REFLEX, "reflex-patellar", None):
            score += w.PNP_KNEES_PRESERVED
            support += exam.evidence(knees, w.PNP_KNEES_PRESERVED, True, "knee jerks preserved")
            reasons.append("Knee jerks are preserved.")
    proximal_normal = [
        f for f in exam.zone("lower-limb", False, None) if f.polarity is Polarity.NORMAL
    ]
    if bilateral_feet and proximal_normal:
        score += w.PNP_PROXIMAL_SPARED
        support += exam.evidence(
            proximal_normal, w.PNP_PROXIMAL_SPARED, True, "proximal sensation spared"
        )
    hands = [exam.zone("upper-limb", True, s) for s in SIDES]
    if all(any(is_reduced(f) for f in h) for h in hands):
        score += w.PNP_GLOVE
        reasons.append("Both hands are involved distally too (glove).")
    # symmetry: reflexes reduced on one side only; distal dermatomes on one side only
    asymmetric: list[Finding] = []
    for rid in ("reflex-achilles", "reflex-patellar"):
        sides = {s: exam.weak(Kind.REFLEX, rid, s) for s in SIDES}
        if bool(sides[Side.LEFT]) != bool(sides[Side.RIGHT]):
            asymmetric += sides[Side.LEFT] + sides[Side.RIGHT]
    if bilateral_feet:
        only = dermatomal[Side.LEFT] ^ dermatomal[Side.RIGHT]
        asymmetric += [
            f
            for s in SIDES
            for f in feet[s]
            if f.modality in ROOT_MODALITIES
            and _skin_of(exam.rows[id(f)]) <= only
            and _skin_of(exam.rows[id(f)])
            and f.side is not Side.BILATERAL
        ]
    if asymmetric:
        penalty = min(w.PNP_ASYMMETRY * len(asymmetric), w.PNP_ASYMMETRY_CAP)
        score -= penalty
        against += exam.evidence(
            asymmetric, round(penalty / len(asymmetric), 2), False, "on one side only"
        )
        reasons.append(
            "Part of the picture is on one side only; a length-dependent neuropathy is symmetric."
        )
    weak = [f for m in _PROXIMAL_MOVES for f in exam.weak(Kind.MOTOR, m, None)]
    weak_sides = {f.side for f in weak}
    if weak and (Side.BILATERAL in weak_sides or None in weak_sides or len(weak_sides) > 1):
        score -= w.PNP_PROXIMAL_WEAKNESS
        against += exam.evidence(weak, w.PNP_PROXIMAL_WEAKNESS, False, "proximal weakness")
        reasons.append(
            "Proximal weakness argues for roots (polyradiculopathy, stenosis) over a neuropathy."
        )
    elif weak:
        score -= w.PNP_PROXIMAL_WEAKNESS_ONE_SIDE
        against += exam.evidence(
            weak, w.PNP_PROXIMAL_WEAKNESS_ONE_SIDE, False, "proximal weakness on one side"
        )
        reasons.append(
            "Proximal weakness on one side only is not part of a neuropathy; it points to a "
            "second lesion (a root or the plexus) beside it rather than against it."
        )
    saddle = [f for f in exam.saddle if is_reduced(f)]
    if saddle:
        score -= w.PNP_SADDLE
        against += exam.evidence(saddle, w.PNP_SADDLE, False, "saddle loss is not length-dependent")
        reasons.append("Saddle (S3/S4-5) loss is not part of a length-dependent neuropathy.")
    if score < w.PNP_MINIMUM:
        return []
    reasons.append(
        "No age was given: above 60, absent ankle jerks (up to 30 %) and toe vibration loss "
        "(29 %) can be normal for age."
    )
    explains = list(
        dict.fromkeys(
            feet[Side.LEFT]
            + feet[Side.RIGHT]
            + ankles[Side.LEFT]
            + ankles[Side.RIGHT]
            + [f for h in hands for f in h if is_reduced(f)]
            + [
                f
                for m in _DISTAL_TOES
                for s in SIDES
                for f in exam.weak(Kind.MOTOR, m, s)
                if all(exam.weak(Kind.MOTOR, m, x) for x in SIDES)
            ]
        )
    )
    symmetric_legs = [
        f
        for s in SIDES
        for f in exam.zone("lower-limb", False, s)
        if is_reduced(f)
        and any(
            is_reduced(g) and g.target == f.target
            for g in exam.zone("lower-limb", False, Side.RIGHT if s is Side.LEFT else Side.LEFT)
        )
    ]
    symmetric_reflexes = [
        f
        for rid in ("reflex-patellar",)
        for f in exam.weak(Kind.REFLEX, rid, None)
        if all(exam.weak(Kind.REFLEX, rid, x) for x in SIDES)
    ]
    explains += [f for f in symmetric_legs + symmetric_reflexes if f not in explains]
    return [
        Detection(
            hypothesis(
                "polyneuropathy",
                "Length-dependent polyneuropathy",
                Side.BILATERAL,
                score,
                support,
                against,
                reasons,
            ),
            tuple(f for f in explains if f not in asymmetric),
        )
    ]


# --- inflammatory polyradiculoneuropathy (GBS/CIDP) ------------------------------------------


def _limb(exam: ExamIndex, f: Finding, side: Side) -> tuple[Side, str] | None:
    if exam.upper_limb(f):
        return side, "arm"
    if exam.lower_limb(f):
        return side, "leg"
    return None


def polyradiculoneuropathy(ctx: Context) -> list[Detection]:
    exam = ctx.exam
    weak_limbs: dict[tuple[Side, str], list[Finding]] = defaultdict(list)
    areflexic: dict[tuple[Side, str], list[Finding]] = defaultdict(list)
    for f in exam.findings:
        if not is_reduced(f) or f.side is None:
            continue
        for s in SIDES:
            if f.side not in (s, Side.BILATERAL):
                continue
            limb = _limb(exam, f, s)
            if limb is None:
                continue
            if f.kind is Kind.MOTOR:
                weak_limbs[limb].append(f)
            elif _dtr(exam, f) and f.target not in _SACRAL_REFLEXES:
                areflexic[limb].append(f)
    if len(weak_limbs) < 2 or len(areflexic) < 2:
        return []
    # relative symmetry (Asbury & Cornblath): both arms or both legs weak and areflexic; a left
    # arm and a right leg are two separate lesions, not one diffuse process
    pairs = {"arm", "leg"}
    if not any(all((s, limb) in weak_limbs for s in SIDES) for limb in pairs):
        return []
    if not any(all((s, limb) in areflexic for s in SIDES) for limb in pairs):
        return []
    # global, not ankle-first, areflexia: some reflex other than the ankle jerks is lost
    if all(f.target == "reflex-achilles" for fs in areflexic.values() for f in fs):
        return []
    proximal = [
        f
        for fs in weak_limbs.values()
        for f in fs
        if f.target in _PROXIMAL_MOVES or f.target in _PROXIMAL_ARM_MOVES
    ]
    if not proximal:
        return []
    weak = list(dict.fromkeys(f for fs in weak_limbs.values() for f in fs))
    lost = list(dict.fromkeys(f for fs in areflexic.values() for f in fs))
    score = w.PRN_BASE
    support = exam.evidence(weak, 0.1, True, "weakness in several limbs")
    support += exam.evidence(lost, 0.1, True, "reflex lost")
    against: list[Evidence] = []
    reasons = [
        f"Weakness in {len(weak_limbs)} limbs, proximal as well as distal, with reflexes lost in "
        f"{len(areflexic)} limbs: an inflammatory polyradiculoneuropathy pattern (GBS if it "
        "developed within four weeks, CIDP if over eight), not a single root and not a cauda "
        "equina, which spares the arms."
    ]
    if len(weak_limbs) == 4:
        score += w.PRN_FOUR_LIMBS
    score += w.PRN_PROXIMAL
    saddle = [f for f in exam.saddle if is_reduced(f)] + [
        f for r in _SACRAL_REFLEXES for f in exam.weak(Kind.REFLEX, r, None)
    ]
    if saddle:
        score -= w.PRN_SADDLE
        against += exam.evidence(saddle, w.PRN_SADDLE, False, "sphincter or saddle involvement")
        reasons.append("Saddle or sacral reflex loss early argues against GBS.")
    if sensory_level(exam) is not None:
        score -= w.PRN_LEVEL
        reasons.append("A sharp sensory level argues against GBS and for the cord.")
    reasons.append(
        "Urgent: check breathing (vital capacity), swallowing and autonomic function; nerve "
        "conduction studies and CSF confirm it."
    )
    sensory = [
        f for f in exam.findings if f.kind is Kind.SENSORY and is_reduced(f) and f.side is not None
    ]
    return [
        Detection(
            hypothesis(
                "polyradiculoneuropathy",
                "Inflammatory polyradiculoneuropathy pattern (GBS or CIDP)",
                Side.BILATERAL,
                score,
                support,
                against,
                reasons,
                urgent=score > w.PROBABLE,
            ),
            tuple(dict.fromkeys(weak + lost + sensory)),
        )
    ]


# --- weakness over non-adjacent segments on one side ----------------------------------------


def scattered_weakness(ctx: Context) -> list[Detection]:
    """Weakness on one side over SCATTERED_SEGMENTS or more segments, not all adjacent, is not
    one root (issue 11 item 1). With normal sensation and reflexes it is pure motor disease."""
    exam = ctx.exam
    explained = {id(f) for d in ctx.found for f in d.explains}
    found = []
    for side in SIDES:
        weak = [
            f
            for f in exam.findings
            if f.kind is Kind.MOTOR and f.side is side and is_reduced(f) and id(f) not in explained
        ]
        segs = sorted(
            {s for f in weak if (s := primary_segment(exam.rows[id(f)])) is not None},
            key=ORDER.__getitem__,
        )
        if len(segs) < w.SCATTERED_SEGMENTS:
            continue
        if ORDER[segs[-1]] - ORDER[segs[0]] + 1 == len(segs):
            continue  # contiguous: a two-level lesion or a plexus, left to the roots and mimics
        other = [
            f
            for f in exam.findings
            if f.side in (side, Side.BILATERAL)
            and is_reduced(f)
            and (f.kind is Kind.SENSORY and f.modality in ROOT_MODALITIES or _dtr(exam, f))
        ]
        reasons = [
            f"Weakness on the {side.value} side over {', '.join(segs)}: segments that are not "
            "adjacent, so no single root explains it."
        ]
        if other:
            code, text, score = (
                "polyradiculopathy",
                f"{side.value.capitalize()} multiple roots or plexus ({', '.join(segs)})",
                w.POLYRADICULOPATHY,
            )
            reasons.append(
                "With sensory or reflex loss: several roots (polyradiculopathy) or a plexus "
                "lesion; EMG/NCS tell them apart."
            )
        else:
            code, text, score = (
                "non-radicular-weakness",
                f"{side.value.capitalize()} weakness without sensory or reflex loss "
                f"({', '.join(segs)})",
                w.PURE_MOTOR,
            )
            reasons.append(
                "Sensation and reflexes are not affected: consider muscle, neuromuscular "
                "junction or motor neuron disease before a root."
            )
        span = tuple(SEGMENTS[ORDER[segs[0]] : ORDER[segs[-1]] + 1])
        # the sensory and reflex loss of the same roots on that side belongs to the same
        # multi-root picture: a single root inside it is at most possible (engine)
        inside = [f for f in other if _segments(exam, f) & set(span)]
        found.append(
            Detection(
                hypothesis(
                    code,
                    text,
                    side,
                    score,
                    exam.evidence(weak, 0.1, True, "weak"),
                    [],
                    reasons,
                    segments=tuple(segs) if code == "polyradiculopathy" else (),
                ),
                tuple(weak),
                span=span,
                covers=tuple(inside),
            )
        )
    return found or _pure_motor_limbs(exam)


def _pure_motor_limbs(exam: ExamIndex) -> list[Detection]:
    """Weakness of three or more limbs, on both sides, with no sensory loss, no reduced tendon
    reflex and no upper-motor-neuron sign: no root, plexus, nerve or cord pattern explains it;
    consider muscle, neuromuscular junction or motor neuron disease (clinical-rules-2 section 8:
    localization order, Waxman; StatPearls)."""
    weak = [
        f for f in exam.findings if f.kind is Kind.MOTOR and is_reduced(f) and f.side is not None
    ]  # a nerve mimic that took one weak deltoid does not make four weak limbs a nerve
    limbs = {
        limb
        for f in weak
        # t.cast: weak holds sided findings only (f.side is not None above)
        for side in (
            (Side.LEFT, Side.RIGHT) if f.side is Side.BILATERAL else (t.cast(Side, f.side),)
        )
        if (limb := _limb(exam, f, side)) is not None
    }
    if len(limbs) < w.PURE_MOTOR_LIMBS or {side for side, _ in limbs} != set(SIDES):
        return []
    for f in exam.findings:
        row = exam.rows.get(id(f))
        if f.kind is Kind.SENSORY and is_reduced(f) and f.modality in ROOT_MODALITIES:
            return []
        if f.kind is Kind.REFLEX and (
            _dtr(exam, f)
            and is_reduced(f)
            or getattr(row, "kind", None) == "umn"
            and f.polarity in (Polarity.INCREASED, Polarity.ABNORMAL)
        ):
            return []
    reasons = [
        f"Weakness of {len(limbs)} limbs on both sides with sensation and tendon reflexes kept "
        "and no upper-motor-neuron sign: no root, plexus, nerve or cord lesion explains it.",
        "Consider muscle (proximal and symmetric: myopathy), neuromuscular junction (fatigable) "
        "or motor neuron disease; EMG/NCS and creatine kinase help.",
    ]
    h = hypothesis(
        "non-radicular-weakness",
        f"Weakness of {len(limbs)} limbs without sensory or reflex loss (muscle, junction or "
        "motor neuron)",
        Side.BILATERAL,
        w.PURE_MOTOR + w.PURE_MOTOR_LIMBS_BONUS,
        exam.evidence(weak, 0.1, True, "weak"),
        [],
        reasons,
    )
    return [Detection(h, tuple(weak))]


# --- after the roots: polyradiculopathy and cauda equina ------------------------------------


def _root_groups(ctx: Context, minimum: float) -> dict[Side | None, list[str]]:
    by_side: dict[Side | None, list[str]] = defaultdict(list)
    for (seg, side), net in ctx.nets.items():
        if net >= minimum:
            by_side[side].append(seg)
    return {s: sorted(v, key=ORDER.__getitem__) for s, v in by_side.items()}


def polyradiculopathy(ctx: Context) -> list[Detection]:
    """Several roots with evidence of their own: non-adjacent on one side, or on both sides."""
    if ctx.patterns("polyradiculoneuropathy", "polyradiculopathy", "bilateral-radiculopathy"):
        return []
    groups = _root_groups(ctx, w.POLYRADICULOPATHY_ROOT_UNITS)
    sided = {s: segs for s, segs in groups.items() if s in SIDES}
    if not sided:
        return []
    both = len(sided) == 2
    scattered = any(ORDER[segs[-1]] - ORDER[segs[0]] + 1 > len(segs) for segs in sided.values())
    if not (both or scattered):
        return []
    roots = [(s, seg) for s, segs in sided.items() for seg in segs]
    involved = [h for h in ctx.roots if len(h.segments) == 1 and (h.side, h.segments[0]) in roots]
    best = max((h.score for h in involved), default=0.0)
    score = min(
        w.POLYRADICULOPATHY_CAP,
        max(w.POLYRADICULOPATHY + w.POLYRADICULOPATHY_STEP * (len(roots) - 2), best + 0.01),
    )
    names = "; ".join(
        f"{s.value} {', '.join(segs)}"
        for s, segs in sorted(sided.items(), key=lambda i: i[0].value)
    )
    segments = tuple(sorted({seg for _, seg in roots}, key=ORDER.__getitem__))
    reasons = [
        f"Several roots carry evidence of their own ({names}): one lesion of several roots "
        "(spinal stenosis, a central disc, a plexus or an infiltrative or inflammatory "
        "polyradiculopathy) explains them more simply than separate root lesions."
    ]
    if all(seg in LEG_SEGMENTS for seg in segments):
        reasons.append(
            "Leg roots on both sides: see the cauda equina flag."
            if both
            else "Lumbosacral plexus versus several roots: EMG/NCS needed."
        )
    support = [e for h in involved for e in h.support]
    side = Side.BILATERAL if both else next(iter(sided))
    side_text = "Bilateral" if both else side.value.capitalize()
    return [
        Detection(
            hypothesis(
                "polyradiculopathy",
                f"{side_text} polyradiculopathy ({names})",
                side,
                score,
                list({(e.ref, e.description): e for e in support}.values()),
                [],
                reasons,
                segments=segments,
            )
        )
    ]


def _severe_legs(exam: ExamIndex) -> list[Finding]:
    """GIRFT's severe deficit of both legs: a GIRFT movement at MRC 3 or less on each side."""
    per_side = {
        s: [
            f
            for m in _GIRFT_MOVES
            for f in exam.weak(Kind.MOTOR, m, s)
            if f.polarity is Polarity.ABSENT
            or (f.grade is not None and f.grade <= w.CES_SEVERE_GRADE)
        ]
        for s in SIDES
    }
    if not all(per_side.values()):
        return []
    return list(dict.fromkeys(per_side[Side.LEFT] + per_side[Side.RIGHT]))


def _leg_roots(ctx: Context) -> dict[Side, float]:
    """The strongest leg-root net evidence per side, after explaining away."""
    best: dict[Side, float] = {}
    for (seg, side), net in ctx.nets.items():
        if seg not in LEG_SEGMENTS:
            continue
        sides = SIDES if side is Side.BILATERAL else (side,) if side in SIDES else ()
        for s in sides:
            best[s] = max(best.get(s, 0.0), net)
    return best


#: Net units that make a side's leg signs count: one reduced reflex or one weak muscle (the
#: "partial" side), and a full root on the other (a probable root's evidence).
_PARTIAL_SIDE = 0.8
_FULL_SIDE = 1.9


def cauda_equina(ctx: Context) -> list[Detection]:
    exam = ctx.exam
    if ctx.patterns("transverse-myelopathy", "polyradiculoneuropathy"):
        return []  # saddle loss and leg weakness below a cord level are the cord's
    saddle = [f for f in exam.saddle if is_reduced(f)]
    saddle += [f for r in _SACRAL_REFLEXES for f in exam.weak(Kind.REFLEX, r, None)]
    saddle = list(dict.fromkeys(saddle))
    severe = _severe_legs(exam)
    legs = _leg_roots(ctx)
    values = sorted(legs.values(), reverse=True) if len(legs) == 2 else []
    bilateral = bool(values) and values[0] >= _FULL_SIDE and values[1] >= _PARTIAL_SIDE
    if bilateral and ctx.patterns("polyneuropathy", "polyradiculoneuropathy"):
        bilateral = False
    if not (saddle or severe or bilateral):
        return []
    reasons: list[str] = []
    support: list[Evidence] = []
    against: list[Evidence] = []
    score = 0.0
    if saddle:
        score += w.CES_SADDLE
        support += exam.evidence(saddle, w.CES_SADDLE, True, "saddle (S3/S4-5) territory")
        reasons.append(
            "Sensory or reflex loss in the S3/S4-5 (saddle) territory is a red flag for "
            "cauda equina compression, even when unilateral or patchy."
        )
        sides = {f.side for f in saddle}
        if Side.BILATERAL in sides or {Side.LEFT, Side.RIGHT} <= sides:
            score += w.CES_SADDLE_BILATERAL
            reasons.append("The saddle loss is bilateral.")
    if severe:
        score = max(score, w.CES_SEVERE_LEGS)
        support += exam.evidence(severe, w.CES_SEVERE_LEGS, True, "severe weakness, both legs")
        reasons.append(
            "Severe weakness of both legs (MRC 3 or less) is a trigger for emergency MRI "
            "(GIRFT 2023)."
        )
    if bilateral:
        score = max(score, w.CES_BILATERAL_ROOTS) + (w.CES_SADDLE_AND_ROOTS if saddle else 0.0)
        leg_roots = [h for h in ctx.roots if h.side is not None and set(h.segments) <= LEG_SEGMENTS]
        support += list({(e.ref, e.description): e for h in leg_roots for e in h.support}.values())
        reasons.append(
            "Radicular signs in both legs (one side may be partial) are bilateral root disease"
            + (
                " too."
                if saddle
                else ": possible cauda equina (CES-S) even with the saddle "
                "spared. Ask about bladder, bowel and sexual function, measure the post-void "
                "residual, and arrange MRI."
            )
        )
    arms = [
        f
        for f in exam.findings
        if is_reduced(f) and exam.upper_limb(f) and (f.kind is Kind.MOTOR or _dtr(exam, f))
    ]
    if arms and not saddle and not severe:
        score -= w.CES_UPPER_LIMB
        against += exam.evidence(arms, w.CES_UPPER_LIMB, False, "upper-limb signs")
        reasons.append(
            "Upper-limb signs argue against the cauda equina, a lower-limb and sacral pattern."
        )
    if saddle and exam.umn:
        reasons.append(
            "With upper-motor-neuron signs, consider a conus medullaris or cord lesion "
            "rather than the cauda equina alone."
        )
    urgent = bool(saddle or severe)
    if urgent:
        reasons.append(
            "Urgent: assess bladder function, anal tone and perianal sensation; "
            "emergency MRI is indicated if the picture fits."
        )
        return [
            Detection(
                hypothesis(
                    "cauda-equina",
                    "Suspected cauda equina syndrome",
                    None,
                    score,
                    support,
                    against,
                    reasons,
                    urgent=True,
                )
            )
        ]
    segments = tuple(
        sorted(
            {
                seg
                for (seg, side), net in ctx.nets.items()
                if seg in LEG_SEGMENTS and side is not None and net >= _PARTIAL_SIDE
            },
            key=ORDER.__getitem__,
        )
    )
    reasons.append(
        "No guideline trigger for an emergency (saddle or perianal loss, absent anal reflex, "
        "severe weakness of both legs) was found on this exam: the flag is not urgent by itself."
    )
    return [
        Detection(
            hypothesis(
                "bilateral-radiculopathy",
                f"Bilateral lumbosacral radiculopathy ({', '.join(segments)}): possible cauda "
                "equina, sphincter history, post-void residual and MRI needed",
                Side.BILATERAL,
                score,
                support,
                against,
                reasons,
                segments=segments,
            )
        )
    ]
