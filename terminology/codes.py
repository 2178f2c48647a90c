"""Terminology constants: segments, code-system URIs and the closed vocabularies of the table.

No Flask and no fhir.resources imports here. Every value the data files may use in a vocabulary
column is listed below; the loader rejects anything else.
"""

from __future__ import annotations

__all__ = [
    "CANONICAL_BASE",
    "DISTAL",
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
]

#: The spinal segments, cranio-caudal. ``S4-5`` is one level, as in ISNCSCI.
SEGMENTS: tuple[str, ...] = (
    *(f"C{n}" for n in range(2, 9)),
    *(f"T{n}" for n in range(1, 13)),
    *(f"L{n}" for n in range(1, 6)),
    "S1",
    "S2",
    "S3",
    "S4-5",
)

SNOMED = "http://snomed.info/sct"
CANONICAL_BASE = "http://neuroroot.org/fhir"
NEURO_EXAM = f"{CANONICAL_BASE}/CodeSystem/neuro-exam"
NEURO_PATTERN = f"{CANONICAL_BASE}/CodeSystem/neuro-pattern"
SPINAL_SEGMENT = f"{CANONICAL_BASE}/CodeSystem/spinal-segment"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

#: Code systems a findings row may use (sites are SNOMED CT only).
KNOWN_SYSTEMS: frozenset[str] = frozenset({SNOMED, NEURO_EXAM, INTERPRETATION})

SIDES: tuple[str, ...] = ("left", "right")
REGIONS: tuple[str, ...] = ("head-neck", "trunk", "upper-limb", "lower-limb", "perineum")
DISTAL: tuple[str, ...] = ("yes", "no")

#: Peripheral-nerve territories, for the mimic detectors. ``superior-gluteal`` and
#: ``inferior-gluteal`` are here for hip abduction and hip extension (movements.csv);
#: ``suprascapular`` for shoulder external rotation (infraspinatus), the suprascapular mimic.
NERVES: tuple[str, ...] = (
    "lateral-femoral-cutaneous",
    "femoral",
    "saphenous",
    "obturator",
    "superficial-peroneal",
    "deep-peroneal",
    "common-peroneal",
    "sural",
    "tibial",
    "sciatic",
    "superior-gluteal",
    "inferior-gluteal",
    "median",
    "ulnar",
    "radial",
    "musculocutaneous",
    "axillary",
    "suprascapular",
    "medial-antebrachial-cutaneous",
    "pudendal",
)

#: ``dtr``: a deep tendon (or sacral) reflex with a segmental arc; ``umn``: an upper-motor-neuron
#: sign, which has no segments.
REFLEX_KINDS: tuple[str, ...] = ("dtr", "umn")

#: The service's sensory exam codes, which are also the sensory targets of findings.
MODALITIES: tuple[str, ...] = ("light-touch", "pin-prick", "vibration")
#: Sensory targets: a modality, or ``sensation`` for findings that name no modality (numbness).
SENSORY_TARGETS: tuple[str, ...] = (*MODALITIES, "sensation")

FINDING_KINDS: tuple[str, ...] = ("sensory", "reflex", "motor", "value")
POLARITIES: tuple[str, ...] = ("normal", "decreased", "absent", "increased", "abnormal")
