"""Peripheral-nerve mimics of a root lesion (clinical-rules.md section 4.5).

Each mimic starts from a *trigger* (the findings that make it worth considering, e.g. a weak
ankle dorsiflexion for common peroneal neuropathy) and is then judged by *discriminators*: the
findings that a root lesion affects and the nerve lesion spares. A discriminator tested normal
supports the mimic; tested abnormal it counts twice as much against it, because it is the
finding that tells the two apart. Untested discriminators are named in the reasons, so the
clinician knows which test would settle it.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from terminology import SEGMENTS

from . import weights as w
from .detection import Context, Detection, hypothesis
from .exam_index import UPPER, ExamIndex, is_reduced, primary_segment, segments_of
from .model import Evidence, Finding, Hypothesis, Kind, Polarity, Side

PERONEAL = frozenset({"common-peroneal", "superficial-peroneal", "deep-peroneal"})
SCIATIC = PERONEAL | frozenset({"sciatic", "tibial", "sural"})

__all__ = ["MIMICS", "Mimic", "lumbosacral_plexopathy", "mimics"]

Exam = ExamIndex
Finder = t.Callable[[ExamIndex, Side], list[Finding]]
_reduced = is_reduced


def motor(move: str) -> Finder:
    return lambda exam, side: exam.on(Kind.MOTOR, move, side)


def reflex(rid: str) -> Finder:
    return lambda exam, side: exam.on(Kind.REFLEX, rid, side)


def skin(*nerves: str) -> Finder:
    wanted = frozenset(nerves)
    return lambda exam, side: exam.territory(wanted, side)


@dataclass(frozen=True, slots=True)
class Mimic:
    """A peripheral-nerve lesion that imitates a root, and how to tell them apart."""

    pattern: str
    text: str
    root: str
    nerves: frozenset[str]
    region: str
    trigger: tuple[tuple[str, Finder], ...]
    base: float
    involved: tuple[tuple[str, Finder, float], ...]
    spared: tuple[tuple[str, Finder, float], ...]
    bilateral_bonus: bool = False
    #: groups that must each have an abnormal finding too (sciatic: peroneal *and* tibial)
    requires: tuple[tuple[str, Finder], ...] = ()
    #: distinct skin sites the trigger needs (carpal tunnel: more than the thumb, which is also
    #: C6's ISNCSCI key point)
    min_sites: int = 1
    #: movements the lesion makes look weak although their nerve is another (wrist drop makes
    #: finger abduction look weak: "pseudo-ulnar", clinical-rules-2 section 5 [61])
    excused: frozenset[str] = frozenset()


#: The mimics. Weights are the detector's score: ``base`` for the trigger, then one weight
#: per discriminator; the rules and their sources are in clinical-rules.md section 4.5:
#: peroneal (deductmd.com; Bowley & Doughty 2019; MHR spared: neurosurgerynotes), meralgia
#: (Medscape 1141848: purely sensory, power and reflexes intact), femoral (Medscape 1141793:
#: adductors normal), carpal tunnel (Medscape 1141168: C6 reflexes normal, APB weak, often
#: bilateral), ulnar (Stoker, Kim & Riew 2014: medial forearm and non-ulnar C8-T1 muscles
#: spared). The heavier weights go to the findings those sources call decisive.
MIMICS: tuple[Mimic, ...] = (
    Mimic(
        "peroneal-neuropathy",
        "Common peroneal neuropathy",
        "L5",
        PERONEAL,
        "lower-limb",
        trigger=(
            ("ankle dorsiflexion", motor("ankle-dorsiflexion")),
            ("great-toe extension", motor("great-toe-extension")),
            ("ankle eversion", motor("ankle-eversion")),
        ),
        base=0.35,
        involved=(("sensation in the peroneal territory", skin(*PERONEAL), 0.1),),
        spared=(
            ("ankle inversion (tibial nerve, L5)", motor("ankle-inversion"), 0.2),
            ("hip abduction (superior gluteal nerve, L5)", motor("hip-abduction"), 0.15),
            ("medial hamstring reflex (L5)", reflex("reflex-medial-hamstring"), 0.05),
            ("ankle reflex (S1)", reflex("reflex-achilles"), 0.05),
        ),
    ),
    Mimic(
        "meralgia-paresthetica",
        "Meralgia paresthetica (lateral femoral cutaneous nerve)",
        "L2/L3",
        frozenset({"lateral-femoral-cutaneous"}),
        "lower-limb",
        trigger=(("sensation over the anterolateral thigh", skin("lateral-femoral-cutaneous")),),
        base=0.4,
        involved=(),
        spared=(
            ("hip flexion (L2)", motor("hip-flexion"), 0.1),
            ("knee extension (L3/L4)", motor("knee-extension"), 0.1),
            ("patellar reflex (L4)", reflex("reflex-patellar"), 0.1),
            ("hip adduction (L2-L4)", motor("hip-adduction"), 0.05),
            ("sensation of the medial thigh and leg", skin("obturator", "saphenous"), 0.05),
        ),
    ),
    Mimic(
        "femoral-neuropathy",
        "Femoral neuropathy",
        "L3/L4",
        frozenset({"femoral", "saphenous"}),
        "lower-limb",
        trigger=(
            ("knee extension", motor("knee-extension")),
            ("patellar reflex", reflex("reflex-patellar")),
        ),
        base=0.3,
        involved=(
            ("sensation in the femoral and saphenous territory", skin("femoral", "saphenous"), 0.1),
        ),
        spared=(
            ("hip adduction (obturator nerve, L2-L4)", motor("hip-adduction"), 0.25),
            ("ankle dorsiflexion (L4)", motor("ankle-dorsiflexion"), 0.1),
        ),
    ),
    Mimic(
        "carpal-tunnel",
        "Carpal tunnel syndrome (median nerve at the wrist)",
        "C6",
        frozenset({"median"}),
        "upper-limb",
        trigger=(("sensation in the median territory of the hand", skin("median")),),
        base=0.35,
        min_sites=2,
        involved=(("thumb abduction (APB)", motor("thumb-abduction"), 0.1),),
        spared=(
            ("biceps reflex (C5/C6)", reflex("reflex-biceps"), 0.1),
            ("brachioradialis reflex (C6)", reflex("reflex-brachioradialis"), 0.1),
            ("wrist extension (C6)", motor("wrist-extension"), 0.1),
            ("elbow flexion (C5/C6)", motor("elbow-flexion"), 0.05),
            ("sensation of the lateral forearm (C6)", skin("musculocutaneous"), 0.05),
        ),
        bilateral_bonus=True,
    ),
    Mimic(
        "ulnar-neuropathy",
        "Ulnar neuropathy",
        "C8",
        frozenset({"ulnar"}),
        "upper-limb",
        trigger=(("sensation in the ulnar territory of the hand", skin("ulnar")),),
        base=0.35,
        involved=(("finger abduction (ulnar intrinsics)", motor("finger-abduction"), 0.1),),
        spared=(
            (
                "sensation of the medial forearm (medial antebrachial cutaneous nerve, C8/T1)",
                skin("medial-antebrachial-cutaneous"),
                0.2,
            ),
            ("thumb abduction (APB, median C8/T1)", motor("thumb-abduction"), 0.15),
        ),
    ),
    Mimic(
        "radial-neuropathy",
        "Radial neuropathy (spiral groove)",
        "C7 (or C6)",
        frozenset({"radial"}),
        "upper-limb",
        trigger=(
            ("wrist extension", motor("wrist-extension")),
            ("finger extension", motor("finger-extension")),
        ),
        base=0.35,
        involved=(
            ("brachioradialis reflex", reflex("reflex-brachioradialis"), 0.05),
            ("sensation in the radial territory", skin("radial"), 0.05),
        ),
        spared=(
            ("elbow extension (triceps, C7)", motor("elbow-extension"), 0.15),
            ("triceps reflex (C7)", reflex("reflex-triceps"), 0.15),
            ("wrist flexion (flexor carpi radialis, median C7)", motor("wrist-flexion"), 0.15),
        ),
        excused=frozenset({"finger-abduction", "finger-flexion"}),
    ),
    Mimic(
        "axillary-neuropathy",
        "Axillary neuropathy",
        "C5",
        frozenset({"axillary"}),
        "upper-limb",
        trigger=(("shoulder abduction (deltoid)", motor("shoulder-abduction")),),
        base=0.35,
        involved=(("sensation over the lateral upper arm (badge patch)", skin("axillary"), 0.1),),
        spared=(
            ("elbow flexion (biceps, C5)", motor("elbow-flexion"), 0.15),
            ("biceps reflex (C5/C6)", reflex("reflex-biceps"), 0.15),
            (
                "shoulder external rotation (infraspinatus, suprascapular nerve, C5)",
                motor("shoulder-external-rotation"),
                0.15,
            ),
        ),
    ),
    Mimic(
        "suprascapular-neuropathy",
        "Suprascapular neuropathy",
        "C5/C6",
        frozenset({"suprascapular"}),
        "upper-limb",
        trigger=(
            ("shoulder external rotation (infraspinatus)", motor("shoulder-external-rotation")),
        ),
        base=0.35,
        involved=(),
        spared=(
            ("shoulder abduction (deltoid, axillary nerve, C5)", motor("shoulder-abduction"), 0.15),
            ("elbow flexion (biceps, C5)", motor("elbow-flexion"), 0.1),
            ("biceps reflex (C5/C6)", reflex("reflex-biceps"), 0.1),
        ),
    ),
    Mimic(
        "tibial-neuropathy",
        "Tibial neuropathy",
        "S1",
        frozenset({"tibial"}),
        "lower-limb",
        trigger=(
            ("ankle plantar flexion", motor("ankle-plantarflexion")),
            ("toe flexion", motor("toe-flexion")),
        ),
        base=0.35,
        involved=(
            ("sensation of the sole", skin("tibial"), 0.1),
            ("ankle inversion (tibialis posterior)", motor("ankle-inversion"), 0.05),
        ),
        spared=(
            ("hip extension (gluteus maximus, S1)", motor("hip-extension"), 0.15),
            ("knee flexion (hamstrings, S1)", motor("knee-flexion"), 0.15),
            ("ankle eversion (peronei, S1/L5)", motor("ankle-eversion"), 0.1),
        ),
    ),
    Mimic(
        "sciatic-neuropathy",
        "Sciatic neuropathy",
        "L5/S1",
        SCIATIC,
        "lower-limb",
        trigger=(
            ("ankle dorsiflexion", motor("ankle-dorsiflexion")),
            ("great-toe extension", motor("great-toe-extension")),
            ("ankle eversion", motor("ankle-eversion")),
        ),
        base=0.35,
        involved=(
            ("ankle inversion (tibialis posterior)", motor("ankle-inversion"), 0.05),
            ("ankle reflex", reflex("reflex-achilles"), 0.05),
        ),
        spared=(
            (
                "hip abduction (gluteus medius, superior gluteal nerve, L5)",
                motor("hip-abduction"),
                0.2,
            ),
            (
                "hip extension (gluteus maximus, inferior gluteal nerve, S1)",
                motor("hip-extension"),
                0.2,
            ),
        ),
        requires=(
            (
                "an S1 muscle below the knee or the hamstrings (inversion alone is L5's sign)",
                lambda exam, side: [
                    f
                    for m in ("ankle-plantarflexion", "toe-flexion", "knee-flexion")
                    for f in exam.on(Kind.MOTOR, m, side)
                ],
            ),
        ),
    ),
)


def _nerves(row: t.Any) -> frozenset[str]:
    nerves = getattr(row, "nerves", None)
    if nerves is None:
        nerves = (row.nerve,) if getattr(row, "nerve", None) else ()
    return frozenset(nerves)


def _unexplained(exam: Exam, mimic: Mimic, side: Side, triggered: list[Finding]) -> list[Finding]:
    """Abnormal findings on *side* in the mimic's limb whose known nerve is not the mimic's."""
    out = []
    explained = {id(f) for f in triggered}
    for f in exam.findings:
        if id(f) in explained or f.side not in (side, Side.BILATERAL) or not _reduced(f):
            continue
        if f.kind is Kind.MOTOR and f.target in mimic.excused:
            continue
        if f.kind is Kind.SENSORY and f.modality == "vibration":
            continue
        row = exam.rows[id(f)]
        if row is None or (getattr(row, "region", None) or _region(row)) != mimic.region:
            continue
        if f.kind is Kind.REFLEX and getattr(row, "kind", "dtr") != "dtr":
            continue
        nerves = _nerves(row)
        if nerves and nerves.isdisjoint(mimic.nerves):
            out.append(f)
    return out


def _region(row: t.Any) -> str:
    """The limb of a reflex or movement, from its core segments (cervical roots: upper limb)."""
    segments = {item.segment for item in row.core}
    return "upper-limb" if segments & UPPER else "lower-limb"


def _judge(
    exam: Exam, mimic: Mimic, side: Side, triggered: list[Finding], other_side_triggered: bool
) -> Detection | None:
    score = mimic.base
    support = exam.evidence(
        triggered, round(mimic.base / len(triggered), 2), True, "in the nerve's territory"
    )
    explains = list(triggered)
    against: list[Evidence] = []
    reasons = [f"{mimic.text} can imitate a {mimic.root} root lesion."]
    for _label, find in mimic.requires:
        hits = [f for f in find(exam, side) if _reduced(f)]
        if not hits:
            return None
        explains += hits
        support += exam.evidence(hits, 0.05, True, "fits the nerve")
    for _label, find, weight in mimic.involved:
        hits = [f for f in find(exam, side) if _reduced(f)]
        if hits:
            score += weight
            explains += hits
            support += exam.evidence(hits, weight, True, "fits the nerve")
    for f in exam.findings:
        excused = f.kind is Kind.MOTOR and f.target in mimic.excused
        if excused and f.side in (side, Side.BILATERAL) and _reduced(f):
            explains.append(f)
            reasons.append(
                "Weak finger movements with a wrist drop may be mechanical (pseudo-ulnar): "
                "test them with the wrist supported before scoring C8/T1."
            )
            break
    untested = []
    spared = 0
    for label, find, weight in mimic.spared:
        found = find(exam, side)
        normal = [f for f in found if f.polarity is Polarity.NORMAL]
        abnormal = [f for f in found if _reduced(f)]
        if abnormal:
            score -= w.DISCRIMINATOR_PENALTY * weight
            against += exam.evidence(
                abnormal,
                w.DISCRIMINATOR_PENALTY * weight,
                False,
                f"involved; the nerve spares it, a {mimic.root} root does not",
            )
            reasons.append(
                f"{label[:1].upper() + label[1:]} is involved, which favours the {mimic.root} root."
            )
        elif normal:
            spared += 1
            score += weight
            support += exam.evidence(normal, weight, True, "spared, as the nerve lesion predicts")
            reasons.append(
                f"{label[:1].upper() + label[1:]} is normal, which the nerve lesion predicts."
            )
        else:
            untested.append(label)
    explains += [
        f
        for f in exam.findings
        if f.side in (side, Side.BILATERAL)
        and _reduced(f)
        and exam.rows[id(f)] is not None
        and _nerves(exam.rows[id(f)]) & mimic.nerves
        and f not in explains
    ]
    unexplained = _unexplained(exam, mimic, side, explains)
    if unexplained:
        penalty = min(w.UNEXPLAINED * len(unexplained), w.UNEXPLAINED_CAP)
        score -= penalty
        against += exam.evidence(
            unexplained,
            round(penalty / len(unexplained), 2),
            False,
            "outside the nerve's territory",
        )
        reasons.append(
            f"{len(unexplained)} abnormal finding(s) in the same limb lie outside the nerve's "
            "territory, which the nerve lesion cannot explain."
        )
    if mimic.bilateral_bonus and other_side_triggered:
        score += w.BILATERAL_BONUS
        reasons.append("The same territory is affected on both sides.")
    if untested:
        reasons.append(
            f"Not tested, and would help tell it from {mimic.root}: {'; '.join(untested)}."
        )
    if score < w.MIMIC_MINIMUM or not spared:
        return None
    text = f"{side.value.capitalize()} {mimic.text[:1].lower() + mimic.text[1:]}"
    h = hypothesis(mimic.pattern, text, side, score, support, against, reasons)
    return Detection(h, tuple(dict.fromkeys(explains)))


def mimics(ctx: Context) -> list[Detection]:
    """Every mimic that fits, judged per side (findings without a side do not trigger one)."""
    exam = ctx.exam
    # findings a probable earlier pattern explains (a glove neuropathy's fingers) trigger nothing
    taken = {id(f) for d in ctx.found if d.strength >= 0.4 for f in d.explains}
    found = []
    for mimic in MIMICS:
        triggered = {}
        for side in (Side.LEFT, Side.RIGHT):
            triggered[side] = [
                f
                for _, find in mimic.trigger
                for f in find(exam, side)
                if _reduced(f) and id(f) not in taken
            ]
            if len({f.target for f in triggered[side]}) < mimic.min_sites:
                triggered[side] = []
        for side in (Side.LEFT, Side.RIGHT):
            if not triggered[side]:
                continue
            other = triggered[Side.RIGHT if side is Side.LEFT else Side.LEFT]
            detection = _judge(exam, mimic, side, triggered[side], bool(other))
            if detection is not None:
                found.append(detection)
    return found


def detect_mimics(exam: Exam) -> list[Hypothesis]:
    """The mimic hypotheses alone (kept for callers of the engine before issue 11)."""
    return [d.hypothesis for d in mimics(Context(exam))]


# --- lumbosacral plexopathy -----------------------------------------------------------------
#: The two parts of the lumbosacral plexus and the nerves of their muscles (clinical-rules-2
#: section 3, [31, 35]): upper (lumbar) plexus, femoral and obturator; lower (sacral) plexus,
#: gluteal and sciatic (with its branches).
_PLEXUS = {
    "lumbar": (frozenset({"femoral", "obturator"}), "reflex-patellar", "L2-L4"),
    "sacral": (
        frozenset({"superior-gluteal", "inferior-gluteal"}) | SCIATIC,
        "reflex-achilles",
        "L5-S2",
    ),
}


def _span(roots: str) -> tuple[str, ...]:
    """``"L2-L4"`` -> ``("L2", "L3", "L4")``."""
    first, _, last = roots.partition("-")
    return tuple(SEGMENTS[SEGMENTS.index(first) : SEGMENTS.index(last or first) + 1])


def lumbosacral_plexopathy(ctx: Context) -> list[Detection]:
    """One leg's weakness over two or more nerves of one part of the plexus.

    A bedside exam cannot tell a plexus from several roots (paraspinal sparing and sensory
    nerve action potentials decide, and neither is testable here), so the answer says so.
    """
    exam = ctx.exam
    found = []
    for side in (Side.LEFT, Side.RIGHT):
        weak = [f for f in exam.findings if f.kind is Kind.MOTOR and f.side is side and _reduced(f)]
        for part, (nerves, jerk, roots) in _PLEXUS.items():
            hit = [f for f in weak if _nerves(exam.rows[id(f)]) & nerves]
            named = {n for f in hit for n in _nerves(exam.rows[id(f)]) & nerves}
            if part == "sacral":
                # gluteal and sciatic together: a sciatic lesion spares the gluteals
                gluteal = named & {"superior-gluteal", "inferior-gluteal"}
                segs = {seg for f in hit if (seg := primary_segment(exam.rows[id(f)]))}
                if not gluteal or not (named - gluteal) or not {"L5", "S1"} <= segs:
                    continue  # one root (L5: gluteus medius and EHL) is not a plexus
            elif len(named) < 2:
                continue
            score = w.PLEXUS_BASE
            support = exam.evidence(hit, 0.1, True, f"{part} plexus muscle")
            reasons = [
                f"Weakness of the {side.value} leg in muscles of several nerves of the {part} "
                f"plexus ({', '.join(sorted(named))}; roots {roots}): a plexus lesion or "
                "several roots."
            ]
            lost = exam.weak(Kind.REFLEX, jerk, side)
            if lost:
                score += w.PLEXUS_KNEE_JERK
                support += exam.evidence(lost, w.PLEXUS_KNEE_JERK, True, "reflex of that plexus")
            sensory = [
                f
                for f in exam.findings
                if f.kind is Kind.SENSORY and f.side is side and _reduced(f)
            ]
            if part == "lumbar" and lost and len(sensory) <= 1:
                score += w.PLEXUS_LITTLE_SENSORY
                reasons.append(
                    "Proximal weakness with a lost knee jerk and little sensory loss fits a "
                    "diabetic lumbosacral radiculoplexus neuropathy (amyotrophy)."
                )
            reasons.append(
                "Plexus versus several roots cannot be told at the bedside: paraspinal sparing "
                "and the sensory nerve action potentials decide, and neither is testable here; "
                "EMG/NCS needed."
            )
            text = (
                f"{side.value.capitalize()} lumbosacral plexopathy or several roots "
                f"({part} plexus, {roots})"
            )
            h = hypothesis(
                "lumbosacral-plexopathy",
                text,
                side,
                min(score, w.PLEXUS_CAP),
                support,
                [],
                reasons,
            )
            # never picks plexus over roots, so it explains nothing away; but it covers its
            # muscles, its reflex and the sensory loss of its roots' skin on that side, so a
            # single root inside it is at most possible (engine: _cap_under_pictures)
            span = _span(roots)
            covered = hit + lost + [f for f in sensory if segments_of(exam.rows[id(f)]) & set(span)]
            found.append(Detection(h, span=span, covers=tuple(covered)))
    return found
