"""neuroroot's terminology: body sites, reflexes, movements and findings mapped to spinal segments.

The mapping lives in ``terminology/data/*.csv`` (see ``terminology/README.md``); :func:`load_table`
validates it and returns an immutable :class:`Table`. No Flask and no fhir.resources imports here.
"""

from __future__ import annotations

from .codes import (
    CANONICAL_BASE,
    FINDING_KINDS,
    INTERPRETATION,
    KNOWN_SYSTEMS,
    MODALITIES,
    NERVES,
    NEURO_EXAM,
    NEURO_PATTERN,
    POLARITIES,
    REFLEX_KINDS,
    REGIONS,
    SEGMENTS,
    SENSORY_TARGETS,
    SIDES,
    SNOMED,
    SPINAL_SEGMENT,
)
from .errors import TerminologyError, UnknownCodeError
from .loader import (
    Diagnosis,
    FindingCode,
    Laterality,
    Movement,
    Pattern,
    Reflex,
    Site,
    Source,
    Table,
    Weighted,
    default_table,
    load_table,
)

__all__ = [
    "CANONICAL_BASE",
    "FINDING_KINDS",
    "INTERPRETATION",
    "KNOWN_SYSTEMS",
    "MODALITIES",
    "NERVES",
    "NEURO_EXAM",
    "NEURO_PATTERN",
    "POLARITIES",
    "REFLEX_KINDS",
    "REGIONS",
    "SEGMENTS",
    "SENSORY_TARGETS",
    "SIDES",
    "SNOMED",
    "SPINAL_SEGMENT",
    "Diagnosis",
    "FindingCode",
    "Laterality",
    "Movement",
    "Pattern",
    "Reflex",
    "Site",
    "Source",
    "Table",
    "TerminologyError",
    "UnknownCodeError",
    "Weighted",
    "default_table",
    "load_table",
]
