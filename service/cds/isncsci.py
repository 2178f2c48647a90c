"""The ISNCSCI classification of a hook's exam, for the classification card.

The cards need one function: the exam's Observations in, the ISNCSCI
:class:`~service.core.isncsci.Classification` out, or None when the exam is not an ISNCSCI
exam. The views call it through ``app.extensions["cds_isncsci"]`` (so tests can replace it),
and answer :func:`service.cds.cards.classification_card` when it returns a classification.

:func:`classify_exam` reads the Observations with the ``$classify-isncsci`` reader
(:func:`service.fhir.read.isncsci.parse_isncsci`, the encoding of ``docs/isncsci.md``). An exam
counts as an ISNCSCI exam only when it holds at least half of the worksheet's 134 items (light
touch and pin prick at the 28 key points and the ten key muscles, per side, VAC and DAP): a root
exam with a few key-point scores would otherwise be classified with nearly every item not
testable, which tells a clinician nothing. Anything the reader refuses is no ISNCSCI exam here
(the localization card still answers; ``$classify-isncsci`` itself says what was wrong).
"""

from __future__ import annotations

import typing as t

from flask import current_app

from ..core.isncsci import Classification, classify
from ..errors import ServiceError
from ..fhir.read.isncsci import parse_isncsci

__all__ = ["WORKSHEET_ITEMS", "Classifier", "classify_exam"]

#: the shape of the seam.
Classifier = t.Callable[[t.Sequence[t.Mapping[str, t.Any]]], "Classification | None"]

#: the items of a full ISNCSCI worksheet: 28 key points x 2 modalities x 2 sides, 10 key
#: muscles x 2 sides, VAC and DAP.
WORKSHEET_ITEMS = 28 * 2 * 2 + 10 * 2 + 2


def classify_exam(observations: t.Sequence[t.Mapping[str, t.Any]]) -> Classification | None:
    """The exam's ISNCSCI classification, or None when it is not (mostly) an ISNCSCI exam."""
    if not observations:
        return None
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": dict(o)} for o in observations],
    }
    try:
        request = parse_isncsci(
            bundle,
            current_app.extensions["terminology"],
            max_entries=current_app.config["MAX_ENTRIES"],
        )
    except ServiceError:
        return None
    if len(request.missing) * 2 > WORKSHEET_ITEMS:
        return None
    return classify(request.exam)
