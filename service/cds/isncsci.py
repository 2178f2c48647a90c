"""INTEGRATION POINT: the ISNCSCI classification of a hook's exam, for the classification card.

The cards need one function: the exam's Observations in, the ISNCSCI
:class:`~service.core.isncsci.Classification` out, or None when the exam is not an ISNCSCI
exam (it does not carry the ISNCSCI encoding of ``$classify-isncsci``: light touch and pin
prick at the key points, the key muscles, VAC and DAP). The views call :func:`classify_exam` through
``app.extensions["cds_isncsci"]`` (so tests and the integration can replace it), and answer
:func:`service.cds.cards.classification_card` when it returns a classification.

The FHIR reader of ISNCSCI Observations (``$classify-isncsci``, in ``service/fhir/read``) is
being built on another branch; until it is merged, :func:`classify_exam` returns None and no
classification card is issued. Merging it means: read *observations* with that reader into a
:class:`~service.core.isncsci.Exam` (None when the exam is not ISNCSCI-shaped), and return
``service.core.isncsci.classify(exam)``. Nothing else changes.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from ..core.isncsci import Classification

__all__ = ["Classifier", "classify_exam"]

#: the shape of the integration point.
Classifier = t.Callable[[t.Sequence[t.Mapping[str, t.Any]]], "Classification | None"]


def classify_exam(observations: t.Sequence[t.Mapping[str, t.Any]]) -> Classification | None:
    """The exam's ISNCSCI classification, or None (always None until the reader is merged)."""
    del observations
    return None
