"""Every number that moves a score, named, with its source.

The engine adds evidence in *units*: one absent sensation at an ISNCSCI key point (core-zone
weight 1.0) is one unit. The other weights say how much more (or less) a kind of finding
localizes than that, following clinical-rules.md section 4.6, clinical-rules-2.md sections 1-9
and the studies they cite. They are calibrated by hand on the sample exams under tests/data, not
fitted: keep them few, round and explained. The pattern detectors (:mod:`.patterns`,
:mod:`.cord`, :mod:`.diffuse`) and the mimics (:mod:`.mimics`) read their weights from here too;
a detector's feature weights are its score and add up to at most 1.
"""

from __future__ import annotations

import math
from types import MappingProxyType

from .model import Kind, Polarity

# --- root evidence ----------------------------------------------------------------------------

#: How strongly each kind of finding localizes a root. Reflex asymmetry is the strongest
#: localizer, then signature muscles, then key-point sensation (clinical-rules 4.6.1; Suri 2011:
#: patellar reflex LR >= 5 for L4, Achilles LR 7.1 for S1; Tawa 2017: sensory Se 0.61 / Sp 0.63).
KIND_WEIGHT = MappingProxyType({Kind.REFLEX: 2.0, Kind.MOTOR: 1.5, Kind.SENSORY: 1.0})

#: Most evidence one kind may add to one segment and side: ten numb sites in one dermatome are
#: still one kind of evidence (Hancock 2011: agreement across *different* tests is what helps).
KIND_CAP = MappingProxyType({kind: 1.5 * weight for kind, weight in KIND_WEIGHT.items()})

#: How much of a kind's weight each result carries. An absent response is the clearest sign;
#: "abnormal" with no direction (interpretation A) is the vaguest.
POLARITY_FACTOR = MappingProxyType(
    {
        Polarity.ABSENT: 1.0,
        Polarity.DECREASED: 0.8,
        Polarity.ABNORMAL: 0.6,
        Polarity.INCREASED: 0.5,  # sensory only (hyperaesthesia); brisk reflexes are UMN signs
    }
)

#: Sensory modalities that are dermatomal root tests. Vibration (and position sense) travel in
#: large fibres up the dorsal columns and are tested at distal bony points, not key points: they
#: give no weight to any root and feed the neuropathy and cord detectors only
#: (clinical-rules-2 section 7; Gilman 2002; McGee ch. 62).
ROOT_MODALITIES = frozenset({"light-touch", "pin-prick", "sensation"})

# --- what a normal test says against a root (clinical-rules-2 section 6) ----------------------

#: LR- of a *normal* test for a root lesion, by kind and limb: LR- = (1 - Se) / Sp.
#: - sensory, lumbar: Se 0.61, Sp 0.63 -> 0.62 (Tawa 2017, derived);
#: - sensory, cervical: 0.84 (Yousif 2025);
#: - reflex, lumbar: Se 0.14-0.61, Sp 0.60-0.93 (Tawa 2017, Iversen 2013); Achilles for S1
#:   LR- 0.6-0.9 (derived from Esene 2012): 0.8;
#: - reflex, cervical: reduced reflex Sp 0.81-0.99, Se about 0.7 in operated disease (Henderson
#:   1983) but 0.22 with weakness (Yousif 2025): 0.7;
#: - motor: Se 0.13-0.61 (Tawa 2017); weakness absent in 72 % of operated lumbar and 32 % of
#:   operated cervical cases (clinical-rules-2 [67, 68]): normal strength is near-neutral, 0.9
#:   lumbar and 0.8 cervical;
#: - the medial hamstring reflex for L5: Se 0.76, Sp 0.85 -> LR- 0.28 (neurosurgerynotes, [64]).
NORMAL_LR = MappingProxyType(
    {
        (Kind.SENSORY, "lower"): 0.62,
        (Kind.SENSORY, "upper"): 0.84,
        (Kind.REFLEX, "lower"): 0.8,
        (Kind.REFLEX, "upper"): 0.7,
        (Kind.MOTOR, "lower"): 0.9,
        (Kind.MOTOR, "upper"): 0.8,
    }
)
#: Per-test LR- where the references give one for that test and root.
NORMAL_LR_BY_TARGET = MappingProxyType({"reflex-medial-hamstring": 0.28})
#: Units of counter-evidence per unit of -ln(LR-): chosen so that a normal lumbar key-point
#: sensation keeps the 0.5 units it had before issue 11 (0.5 / ln(1 / 0.62) = 1.05).
UNITS_PER_LOG_LR = 0.5 / math.log(1 / 0.62)
#: Most counter-evidence one normal test can give (the medial hamstring reflex reaches it).
NORMAL_UNITS_CAP = 1.0


def normal_units(kind: Kind, target: str, upper: bool) -> float:
    """Units a normal *kind* test of *target* counts against each core segment it maps to."""
    lr = NORMAL_LR_BY_TARGET.get(target) or NORMAL_LR[(kind, "upper" if upper else "lower")]
    return min(NORMAL_UNITS_CAP, UNITS_PER_LOG_LR * math.log(1 / lr))


#: A reduced reflex that is reduced on the other side too is symmetric, and symmetric loss
#: localizes less (it is the polyneuropathy pattern: Abraham 2017, clinical-rules 4.4).
SYMMETRIC_REFLEX_FACTOR = 0.5

#: Evidence (units) at which a root's score reaches 0.5: score = net / (net + HALF_SATURATION).
#: One reduced reflex alone (2.0 x 0.8 = 1.6 units) gives 0.44; a classic three-kind picture
#: (about 4.5 units) gives about 0.69.
HALF_SATURATION = 2.0

#: A kind "agrees" with a root when it adds at least this much to it; split variable-zone
#: evidence (a great toe at 0.4) does not make a kind agree on its own.
AGREEING_KIND_MINIMUM = 0.5

#: Without two agreeing kinds, a root is only "possible" and its score is capped here
#: (clinical-rules 4.6.2; Hancock 2011: >= 3 positive tests for specificity 83-94%).
SINGLE_KIND_CAP = 0.5

#: Roots scoring below this are not reported at all, except the root of an exam whose only
#: abnormality is one key-point sensory change (issue 11: pure sensory radiculopathy is common,
#: clinical-rules-2 section 6), which is reported at this score as "possible".
REPORT_MINIMUM = 0.1

#: Two adjacent roots on one side are proposed together when each has at least this much
#: net evidence and the weaker has at least TWO_ROOT_BALANCE of the stronger (Henderson 1983:
#: two levels equally involved in 13%; Yoss 1957: signs often narrow to "one of two roots").
TWO_ROOT_MINIMUM = 1.0
TWO_ROOT_BALANCE = 0.5
#: Parsimony: a two-root explanation scores this fraction of its combined evidence.
TWO_ROOT_PARSIMONY = 0.85

#: Most root hypotheses listed (the rest add nothing a clinician would read).
MAX_ROOTS = 5

#: A root is "probable" above this score (which needs two agreeing kinds, see above).
PROBABLE = SINGLE_KIND_CAP

# --- explaining away (clinical-rules-2 section 8: Korb & Nicholson 2010, section 2.3) --------

#: A finding explained by a non-root pattern keeps this fraction of its root weight, scaled by
#: how sure the pattern is: kept = 1 - EXPLAIN_STRENGTH x min(1, score / PROBABLE). A probable
#: pattern leaves a fifth: the finding's evidence is shared, not counted per hypothesis, and a
#: coexisting root (27 % of lumbar radiculopathies coexist with polyneuropathy: Lee-Robinson
#: 2010) must show findings of its own to stay probable.
EXPLAIN_STRENGTH = 0.8

#: Weakness on one side over at least this many segments, not all adjacent, is not one root
#: (issue 11 item 1; clinical-rules 4.3: non-adjacent involvement points to polyradiculopathy,
#: plexopathy or a central cause).
SCATTERED_SEGMENTS = 3

# --- cauda equina (clinical-rules 4.1; clinical-rules-2 section 9) ---------------------------
#: Any S3 or S4-5 loss, or a reduced anal or bulbocavernosus reflex, is an urgent flag
#: whatever the ranking (GIRFT 2023: altered S2-S5 sensation, small patch to full saddle;
#: SBNS/BASS 2018; Gardner 2011).
CES_SADDLE = 0.8
CES_SADDLE_BILATERAL = 0.1
#: Severe weakness of both legs (knee extension, eversion or dorsiflexion at MRC 3 or less on
#: each side: our threshold for GIRFT's "severe or progressive deficit of both legs").
CES_SEVERE_GRADE = 3
CES_SEVERE_LEGS = 0.75
#: Bilateral lower-limb root signs without a trigger: "possible CES-S: sphincter history, PVR
#: and MRI needed" (clinical-rules-2 section 9 rule 2), not urgent by itself.
CES_BILATERAL_ROOTS = 0.55
#: Both the saddle loss and bilateral root signs (the full CES picture).
CES_SADDLE_AND_ROOTS = 0.05
#: Upper-limb LMN signs argue against the cauda equina (it is a lower-limb and sacral pattern).
CES_UPPER_LIMB = 0.2

# --- myelopathy and cord syndromes (clinical-rules 4.2; clinical-rules-2 sections 1-2) ------
#: Score by the number of distinct upper-motor-neuron signs (Cook 2010: >= 3 of 5 cluster
#: items LR+ 30.9; <= 1 LR- 0.18; Babinski alone LR+ 4.0).
MYELOPATHY_BY_SIGNS = (0.0, 0.4, 0.65, 0.85, 0.9)
#: A sensory level on both sides (TM Consortium 2002: "clearly defined sensory level") scores
#: this much; UMN signs below add CORD_LEVEL_UMN; a trunk level alone is still the cord
#: (clinical-rules-2 section 1: a trunk level is never a root; spinal shock can hide UMN signs).
CORD_LEVEL = 0.5
CORD_LEVEL_UMN = 0.35
CORD_LEVEL_NORMAL_ABOVE = 0.05
#: Segments of loss at or below the level, on each side, that make it a level rather than a patch.
CORD_LEVEL_SEGMENTS = 3
#: Brown-Sequard: weakness with touch or dorsal-column loss on one side, pain loss on the other
#: (clinical-rules-2 section 1, [1-4]); levels within BROWN_SEQUARD_LEVELS segments.
BROWN_SEQUARD = 0.5
BROWN_SEQUARD_UMN = 0.2
BROWN_SEQUARD_DISSOCIATION = 0.1
BROWN_SEQUARD_LEVELS = 2
#: Hemiparesis with UMN signs: ipsilateral arm and leg weakness, UMN sign, no dermatomal loss
#: (clinical-rules-2 section 2: Harrison's Table 53-3; hemiplegia never has a peripheral cause).
HEMIPARESIS = 0.6
HEMIPARESIS_SIGNS = 0.1
HEMIPARESIS_AREFLEXIA = 0.3  # against: areflexia in the weak limbs
HEMIPARESIS_DERMATOME = 0.2  # against: dermatomal sensory loss on that side

# --- polyneuropathy (clinical-rules 4.4; clinical-rules-2 section 4) --------------------------
PNP_BILATERAL_DISTAL = 0.35  # distal sensory loss in both feet
PNP_MULTI_DERMATOME = 0.15  # the distal loss crosses dermatomes (dorsum L5 and sole S1)
PNP_ANKLE_JERKS = 0.3  # both ankle jerks reduced: lost first (74%, Abraham 2017)
PNP_KNEES_PRESERVED = 0.1  # knee jerks kept while ankle jerks are lost
PNP_PROXIMAL_SPARED = 0.1  # normal sensation more proximally
PNP_GLOVE = 0.05  # distal loss in both hands too
PNP_VIBRATION = 0.1  # distal vibration loss in both feet (great toe: Se 53-80 %, Sp 84-99 %)
PNP_PROXIMAL_WEAKNESS = 0.35  # against: proximal weakness points to roots (polyradiculopathy)
#: against, less: proximal weakness on one side only is a second lesion beside a neuropathy (a
#: root or plexus; radiculopathy coexists with polyneuropathy in 27 %: Lee-Robinson 2010;
#: Occam vs Hickam, clinical-rules-2 section 8), not a reason to doubt the neuropathy itself.
PNP_PROXIMAL_WEAKNESS_ONE_SIDE = 0.1
PNP_SADDLE = 0.3  # against: saddle loss is not length-dependent (cauda equina, 4.1)
#: against: a reflex reduced on one side only, or a side's distal loss in dermatomes the other
#: side's spares: a neuropathy is symmetric (England 2005; clinical-rules-2 section 4).
PNP_ASYMMETRY = 0.15
PNP_ASYMMETRY_CAP = 0.45
#: against: the loss on both sides lies in one root's skin only (a bilateral root, not a stocking).
PNP_ONE_DERMATOME = 0.25
PNP_MINIMUM = 0.35

# --- diffuse and multi-root disease (clinical-rules-2 section 3) ------------------------------
#: Roots with their own evidence (net units) that count toward a polyradiculopathy.
POLYRADICULOPATHY_ROOT_UNITS = 1.0
#: Score: the base for two non-adjacent roots or roots on both sides, plus a step per extra root.
POLYRADICULOPATHY = 0.5
POLYRADICULOPATHY_STEP = 0.08
POLYRADICULOPATHY_CAP = 0.8
#: GBS/CIDP: weakness of two or more limbs including proximal myotomes with areflexia in two or
#: more limbs (Asbury & Cornblath 1990; EAN/PNS 2021; Barohn-Amato pattern P1).
PRN_BASE = 0.6
PRN_FOUR_LIMBS = 0.15
PRN_PROXIMAL = 0.1
PRN_SADDLE = 0.3  # against: sphincter or saddle involvement (GBS "doubt" criterion)
PRN_LEVEL = 0.3  # against: a sharp sensory level
#: Pure weakness with normal sensation and reflexes over several segments: muscle, NMJ or motor
#: neuron rather than a root (clinical-rules-2 section 8, Waxman; StatPearls).
PURE_MOTOR = 0.45
#: ... and over this many limbs, on both sides, with no sensory, reflex or UMN sign: no root,
#: plexus, nerve or cord pattern does that, so it is probable (and outranks a nerve mimic that
#: sees one weak deltoid) (clinical-rules-2 section 8; Barohn & Amato 2013 pattern 1 without
#: sensory loss is a myopathy pattern).
PURE_MOTOR_LIMBS = 3
PURE_MOTOR_LIMBS_BONUS = 0.15

# --- peripheral-nerve mimics (clinical-rules 4.5; clinical-rules-2 section 5) ----------------
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
#: Lumbosacral plexopathy: weakness of one leg over two nerves' muscles of one plexus part
#: (upper: femoral and obturator; lower: gluteal and sciatic) (clinical-rules-2 section 3,
#: [31, 35]).
PLEXUS_BASE = 0.4
PLEXUS_KNEE_JERK = 0.1  # lumbar plexus: knee jerk lost; sacral plexus: ankle jerk lost
PLEXUS_LITTLE_SENSORY = 0.05  # diabetic radiculoplexus: minimal sensory loss (Pinto 2021)
PLEXUS_CAP = 0.6  # never above a plain probable answer: EMG/NCS decides
