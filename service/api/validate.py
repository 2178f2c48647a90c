"""POST /fhir/Bundle/$validate: check an exam against the input profile; nothing is localized.

FHIR's own ``$validate`` (R4 resource-operation-validate, ``POST [type]/$validate``), at the type
of the operation's input: the body is the Bundle itself, or a Parameters resource whose
``resource`` parameter carries it (``mode``, if given, must be ``create``: validating for a
create is what posting an exam amounts to; ``profile`` is not supported). Because it checks
what ``$localize-root`` would accept, the other input forms of that operation (Parameters with
``bundle`` or ``observation`` parameters, one bare Observation) are validated too.

The answer is **200** with an OperationOutcome whatever the verdict (as R4 asks of
``$validate``): each Observation that would be used (``information``), each resource skipped
with the reason (``warning``), and, when the operation would refuse the exam (its 400, 413 or
422), the issues of that refusal (``error``, with ``expression``). Nothing is localized and
nothing is stored; the identifier check of a retry (409) needs the store and is not made.
Only a body that is not a FHIR resource at all (415, 413 over the byte limit, 400 not JSON or
not an object with a ``resourceType``: nothing that could be validated) or a malformed
Parameters wrapper is an error status, as for any request.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, Response, current_app

from ..audit import concerns
from ..errors import InvalidRequest, Issue, ServiceError
from ..fhir.http import check_content_type, fhir_response, read_document
from ..fhir.operation import check_exam
from ..fhir.outcome import status_for
from ..fhir.write.input_report import accepted_report, refused_report

bp = Blueprint("validate", __name__, url_prefix="/fhir")

#: statuses of refusals the report lists (the exam itself is at fault)
_REPORTED = frozenset({400, 413, 422})


def exam_of(document: t.Any) -> t.Any:
    """The resource to validate: *document*, or the ``resource`` of a Resource-validate
    Parameters (``resource`` once, optional ``mode`` = ``create``, nothing else).

    :raise InvalidRequest: a Parameters wrapper with other parameters (400, naming them).
    """
    if not isinstance(document, dict) or document.get("resourceType") != "Parameters":
        return document
    parameters = document.get("parameter")
    if not isinstance(parameters, list) or not any(
        isinstance(p, dict) and p.get("name") == "resource" for p in parameters
    ):
        return document  # the Parameters form of $localize-root's own input
    issues: list[Issue] = []
    resources = []
    for i, parameter in enumerate(parameters):
        at = f"Parameters.parameter[{i}]"
        name = parameter.get("name") if isinstance(parameter, dict) else None
        if name == "resource" and isinstance(parameter.get("resource"), dict):
            resources.append(parameter["resource"])
        elif name == "resource":
            issues.append(
                Issue(
                    f"{at}.resource is required: the resource to validate",
                    (f"{at}.resource",),
                    "required",
                )
            )
        elif name == "mode":
            if parameter.get("valueCode") != "create":
                issues.append(
                    Issue(
                        f"{at}.valueCode: only mode 'create' is supported (an exam "
                        "is validated as the $localize-root input)",
                        (f"{at}.valueCode",),
                        "not-supported",
                    )
                )
        else:
            issues.append(
                Issue(
                    f"{at}.name: $validate here takes 'resource' and 'mode' only",
                    (f"{at}.name",),
                    "not-supported",
                )
            )
    if len(resources) > 1:
        issues.append(Issue("Parameters: give one 'resource' parameter", ("Parameters.parameter",)))
    if issues:
        raise InvalidRequest.many(issues)
    return resources[0]


@bp.post("/Bundle/$validate")
def validate_bundle() -> Response:
    """An OperationOutcome saying what $localize-root would use, skip or refuse in an exam."""
    check_content_type(xml=True)
    config = current_app.config
    document = read_document(config["MAX_BODY_BYTES"], config["MAX_JSON_DEPTH"])
    if not (isinstance(document, dict) and isinstance(document.get("resourceType"), str)):
        # $validate validates a resource; a body that is none cannot be parsed as one (R4: 400)
        raise InvalidRequest(
            "the body must be a FHIR resource: a JSON object with a resourceType", "http.body"
        )
    exam = exam_of(document)
    table = current_app.extensions["terminology"]
    try:
        parsed = check_exam(exam, table, max_entries=config["MAX_ENTRIES"])
    except ServiceError as exc:
        status, code = status_for(exc)
        if status not in _REPORTED:
            raise
        return fhir_response(refused_report(exc.issues, code, status))
    concerns(patients=[parsed.subject["reference"]] if parsed.subject else [])
    return fhir_response(
        accepted_report(
            parsed, summary="the exam would be localized (this check localized and stored nothing)"
        )
    )
