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

from .model import Evidence, Finding, Hypothesis, Kind, Polarity, Side
from .patterns import PERONEAL, Exam, _hypothesis, _reduced

UPPER = frozenset({"C5", "C6", "C7", "C8", "T1"})

__all__ = ["MIMICS", "Mimic", "detect_mimics"]

Finder = t.Callable[[Exam, Side], list[Finding]]

#: Least score at which a mimic is reported; it also needs at least one discriminator tested
#: normal, since without one nothing tells the nerve from the root.
MIMIC_MINIMUM = 0.35
#: Each abnormal finding in the same limb that the nerve cannot explain (another nerve's
#: territory) counts this much against the mimic, up to UNEXPLAINED_CAP: one peripheral nerve
#: explains only its own territory.
UNEXPLAINED = 0.1
UNEXPLAINED_CAP = 0.3
#: A discriminator found abnormal counts this many times its weight against the mimic.
DISCRIMINATOR_PENALTY = 2.0
#: Bonus when the mimic's trigger is found on both sides (CTS is often bilateral).
BILATERAL_BONUS = 0.1


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


#: The five mimics. Weights are the detector's score: ``base`` for the trigger, then one weight
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
        row = exam.rows[id(f)]
        if row is None or (getattr(row, "region", None) or _region(row)) != mimic.region:
            continue
        nerves = _nerves(row)
        if nerves and nerves.isdisjoint(mimic.nerves):
            out.append(f)
    return out


def _region(row: t.Any) -> str:
    """The limb of a reflex or movement, from its core segments (cervical roots: upper limb)."""
    segments = {w.segment for w in row.core}
    return "upper-limb" if segments & UPPER else "lower-limb"


def _judge(
    exam: Exam, mimic: Mimic, side: Side, triggered: list[Finding], other_side_triggered: bool
) -> Hypothesis | None:
    score = mimic.base
    support = exam.evidence(
        triggered, round(mimic.base / len(triggered), 2), True, "in the nerve's territory"
    )
    against: list[Evidence] = []
    reasons = [f"{mimic.text} can imitate a {mimic.root} root lesion."]
    for _label, find, weight in mimic.involved:
        hits = [f for f in find(exam, side) if _reduced(f)]
        if hits:
            score += weight
            support += exam.evidence(hits, weight, True, "fits the nerve")
    untested = []
    spared = 0
    for label, find, weight in mimic.spared:
        found = find(exam, side)
        normal = [f for f in found if f.polarity is Polarity.NORMAL]
        abnormal = [f for f in found if _reduced(f)]
        if abnormal:
            score -= DISCRIMINATOR_PENALTY * weight
            against += exam.evidence(
                abnormal,
                DISCRIMINATOR_PENALTY * weight,
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
    unexplained = _unexplained(exam, mimic, side, triggered)
    if unexplained:
        penalty = min(UNEXPLAINED * len(unexplained), UNEXPLAINED_CAP)
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
        score += BILATERAL_BONUS
        reasons.append("The same territory is affected on both sides.")
    if untested:
        reasons.append(
            f"Not tested, and would help tell it from {mimic.root}: {'; '.join(untested)}."
        )
    if score < MIMIC_MINIMUM or not spared:
        return None
    text = f"{side.value.capitalize()} {mimic.text[:1].lower() + mimic.text[1:]}"
    return _hypothesis(mimic.pattern, text, side, score, support, against, reasons)


def detect_mimics(exam: Exam) -> list[Hypothesis]:
    """Every mimic that fits, judged per side (findings without a side do not trigger one)."""
    found = []
    for mimic in MIMICS:
        triggered = {}
        for side in (Side.LEFT, Side.RIGHT):
            triggered[side] = [
                f for _, find in mimic.trigger for f in find(exam, side) if _reduced(f)
            ]
        for side in (Side.LEFT, Side.RIGHT):
            if not triggered[side]:
                continue
            other = triggered[Side.RIGHT if side is Side.LEFT else Side.LEFT]
            hypothesis = _judge(exam, mimic, side, triggered[side], bool(other))
            if hypothesis is not None:
                found.append(hypothesis)
    return found
