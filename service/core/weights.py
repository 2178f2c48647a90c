"""Every number that moves a score, named, with its source.

The engine adds evidence in *units*: one absent sensation at an ISNCSCI key point (core-zone
weight 1.0) is one unit. The other weights say how much more (or less) a kind of finding
localizes than that, following reference/clinical-rules.md section 4.6 and the studies it cites.
They are calibrated by hand on the sample exams under tests/data, not fitted: keep them few,
round and explained.
"""

from __future__ import annotations

from types import MappingProxyType

from .model import Kind, Polarity

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

#: A normal result in a segment's core zone counts against that segment, at this fraction of
#: what an abnormal one would add (DESIGN section 6). Less than 1 because dermatomes overlap:
#: a normal key point does not exclude a partial root lesion (Lee 2008; Murphy 2009).
NORMAL_AGAINST = 0.5

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

#: Roots scoring below this are not reported at all.
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
