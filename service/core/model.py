"""Domain records of the engine: what was found, and what the engine concluded.

Plain frozen dataclasses; no Flask, no FHIR. ``ref`` strings are opaque to the core: the FHIR
edge puts the Observation reference there (``Observation/123`` or a ``urn:uuid:`` fullUrl)
and uses it to name each piece of evidence in the answer.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Assessment", "Evidence", "Finding", "Hypothesis", "Kind", "Polarity", "Side", "Skipped"]


class Kind(StrEnum):
    """What sort of test an Observation reports."""

    SENSORY = "sensory"
    REFLEX = "reflex"
    MOTOR = "motor"


class Polarity(StrEnum):
    """The result of a test, on one scale for all kinds.

    ``ABNORMAL`` is an abnormal result of unknown direction (interpretation code A); the engine
    reads it as decreased for sensation and strength, and as weak evidence for reflexes.
    """

    NORMAL = "normal"
    DECREASED = "decreased"
    ABSENT = "absent"
    INCREASED = "increased"
    ABNORMAL = "abnormal"

    @property
    def is_abnormal(self) -> bool:
        return self is not Polarity.NORMAL


class Side(StrEnum):
    """The side of the body a finding was made on."""

    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


@t.final  # no subclasses: lets the type checker read ``type(x) is Finding`` both ways
class Finding(t.NamedTuple):
    """One examined item with its result.

    A named tuple rather than a frozen dataclass like the other records: a request makes one
    per Observation, and a tuple is built in a fifth of the time. (It compares equal to a tuple
    of the same values; nothing here compares it with anything but another Finding.)

    :param ref: the reference naming the Observation this came from.
    :param kind: sensory, reflex or motor.
    :param target: the table key of what was tested: a SNOMED body-site code (sensory), a reflex
        id such as ``reflex-patellar`` or a UMN sign id (reflex), a movement id (motor).
    :param modality: ``light-touch``, ``pin-prick``, ``vibration`` or ``sensation`` for sensory
        findings; equal to ``target`` otherwise.
    :param polarity: the result.
    :param side: left, right, bilateral, or None when the input did not say.
    :param grade: the numeric grade when one was given (ISNCSCI 0-2, reflex 0-4, MRC 0-5).
    :param side_from_text: the side was guessed from free text (the answer warns about it).
    """

    ref: str
    kind: Kind
    target: str
    modality: str
    polarity: Polarity
    side: Side | None = None
    grade: int | None = None
    side_from_text: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input resource that was not used, and why (reported in the answer's notes)."""

    ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """One finding's contribution to a hypothesis.

    :param weight: how much it moved the score (always positive; ``supports`` gives the sign).
    """

    ref: str
    description: str
    weight: float
    supports: bool


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A ranked explanation of the findings: a root (or two adjacent roots) or a pattern.

    :param pattern: a code of the neuro-pattern CodeSystem (``radiculopathy``, ``cauda-equina``...).
    :param segments: the spinal segments named, cranial first; empty for patterns without one.
    :param side: the side, or None when unknown.
    :param score: in [0, 1]; see the README, "What the score means".
    :param confidence: ``probable`` (two agreeing kinds of evidence or a strong pattern) or
        ``possible``.
    :param text: one line for a clinician, e.g. "Left L5 radiculopathy".
    :param reasons: sentences explaining the call, in the order the engine reached them.
    """

    pattern: str
    segments: tuple[str, ...]
    side: Side | None
    score: float
    confidence: str
    text: str
    support: tuple[Evidence, ...] = ()
    against: tuple[Evidence, ...] = ()
    reasons: tuple[str, ...] = ()
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's answer.

    :param hypotheses: ranked, most likely first (an urgent pattern is always present when found).
    :param localized: whether any root or pattern explains the abnormal findings.
    :param summary: one sentence; starts with "URGENT" when cauda equina is suspected.
    :param caveats: the notes that apply (dermatome overlap, variation, skipped inputs...).
    :param used: refs of the findings that took part, in input order without repeats.
    """

    hypotheses: tuple[Hypothesis, ...]
    localized: bool
    summary: str
    caveats: tuple[str, ...] = ()
    used: tuple[str, ...] = field(default_factory=tuple)
    urgent: bool = False
