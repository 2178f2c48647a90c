"""An OperationOutcome reporting how an exam was (or would be) read: used, skipped, refused.

``$validate`` answers it instead of localizing (nothing stored), and ``$localize-root`` answers
it for ``Prefer: return=OperationOutcome``. One issue per input resource, so a sender sees
exactly what the service made of each entry:

- ``information`` / ``informational``: an Observation that gives findings (it would be used);
- ``warning`` / ``processing``: a resource or Observation that is skipped, with the reason, and
  each reading warning (a side taken from free text...);
- ``error``: why the request as a whole is refused (the issues of the 400 or 422 the operation
  would answer), each with its ``expression``.

The first issue sums it up in one sentence. No Flask: statuses and issue types of refusals are
worked out by the HTTP edge and passed in.
"""

from __future__ import annotations

import typing as t

from ...errors import Issue
from ..read.request import locations
from .operation_outcome import fhir_string

if t.TYPE_CHECKING:
    from ..read.request import ParsedRequest

__all__ = ["accepted_report", "refused_report"]


def _issue(severity: str, code: str, message: str, where: str | None) -> dict[str, t.Any]:
    item: dict[str, t.Any] = {
        "severity": severity,
        "code": code,
        "diagnostics": fhir_string(message),
    }
    if where:
        item["expression"] = [fhir_string(where)]
    return item


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def accepted_report(parsed: ParsedRequest, *, summary: str) -> dict[str, t.Any]:
    """The OperationOutcome of an exam the operation accepts (or accepted).

    :param summary: the first issue's text (``would be localized`` / ``was localized ...``),
        completed with the counts.
    """
    findings: dict[str, int] = {}
    for finding in parsed.findings:
        findings[finding.ref] = findings.get(finding.ref, 0) + 1
    head = (
        f"{summary}: {_plural(len(parsed.used), 'Observation')} used, "
        f"{_plural(len(parsed.skipped), 'resource')} skipped"
    )
    issues = [_issue("information", "informational", head, None)]
    where = locations(parsed)
    for ref in parsed.used:
        issues.append(
            _issue(
                "information",
                "informational",
                f"used: {ref} ({_plural(findings.get(ref, 0), 'finding')})",
                where.get(ref),
            )
        )
    for skipped in parsed.skipped:
        issues.append(
            _issue(
                "warning",
                "processing",
                f"skipped: {skipped.ref}: {skipped.reason}",
                where.get(skipped.ref),
            )
        )
    for warning in parsed.warnings:
        issues.append(_issue("warning", "processing", warning, None))
    return {"resourceType": "OperationOutcome", "issue": issues}


def refused_report(issues: t.Iterable[Issue], code: str, status: int) -> dict[str, t.Any]:
    """The OperationOutcome of an exam the operation would refuse with *status* (400, 413 or 422).

    :param code: the issue type of the refusal (an issue's own ``code`` takes precedence).
    """
    rendered = []
    for issue in issues:
        item = _issue("error", issue.code or code, issue.message, None)
        expressions = [fhir_string(x) for x in issue.expression if x]
        if expressions:
            item["expression"] = expressions
        rendered.append(item)
    head = _issue(
        "information",
        "informational",
        f"the operation would refuse this exam (HTTP {status}); nothing was localized or stored",
        None,
    )
    return {"resourceType": "OperationOutcome", "issue": [head, *rendered]}
