"""The two CDS services this server offers, as the discovery endpoint lists them."""

from __future__ import annotations

import typing as t

__all__ = ["EXAM_SIGN", "EXAMS_TEMPLATE", "PATIENT_VIEW", "SERVICES"]

PATIENT_VIEW = "neuroroot-patient-view"
EXAM_SIGN = "neuroroot-exam-sign"
#: the custom hook of exam-sign (CDS Hooks "Hook Definition Format": reverse domain, noun-verb).
EXAM_SIGN_HOOK = "org.neuroroot.exam-sign"
EXAMS_TEMPLATE = "Observation?patient={{context.patientId}}&category=exam&_sort=-date&_count=500"

SERVICES: dict[str, dict[str, t.Any]] = {
    PATIENT_VIEW: {
        "hook": "patient-view",
        "title": "neuroroot: nerve-root localization of the latest neurological exam",
        "description": (
            "When a chart is opened, localizes the patient's latest neurological exam "
            "(sensation, reflexes, strength) to the most likely nerve root(s) or pattern, "
            "flags suspected cauda equina as critical and cord or polyradiculoneuropathy "
            "pictures as warnings, and offers the ClinicalImpression for the record."
        ),
        "id": PATIENT_VIEW,
        "prefetch": {"exams": EXAMS_TEMPLATE},
        "usageRequirements": (
            "Needs the prefetch 'exams' (a searchset Bundle of the patient's exam "
            "Observations, newest first), or fhirServer and fhirAuthorization for a FHIR "
            "server the operator allowed (NEUROROOT_CDS_FHIR_SERVERS); otherwise 412."
        ),
    },
    EXAM_SIGN: {
        "hook": EXAM_SIGN_HOOK,
        "title": "neuroroot: nerve-root localization as an exam is signed",
        "description": (
            "When a clinician signs a neurological exam, localizes it to the most likely "
            "nerve root(s) or pattern (and classifies an ISNCSCI exam), with the reasons, a "
            "link to the stored result and the ClinicalImpression to add to the record. "
            "Context: userId, patientId, encounterId (optional) and exam, a Bundle of the "
            "exam's Observations."
        ),
        "id": EXAM_SIGN,
    },
}
