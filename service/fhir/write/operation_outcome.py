"""OperationOutcome bodies: one issue per :class:`~service.errors.Issue` (no Flask).

Which status and issue type an error gets is decided in :mod:`service.fhir.outcome`; this module
only writes the resource, so the CLI and the HTTP handlers answer the same body.
"""

from __future__ import annotations

import typing as t

from ...errors import Issue

__all__ = ["fhir_string", "operation_outcome"]


def operation_outcome(
    issues: t.Iterable[Issue], code: str, severity: str = "error"
) -> dict[str, t.Any]:
    """An OperationOutcome dict with one issue per :class:`~service.errors.Issue`."""
    rendered = []
    for issue in issues:
        item: dict[str, t.Any] = {
            "severity": severity,
            "code": issue.code or code,
            "diagnostics": fhir_string(issue.message),
        }
        expressions = [fhir_string(x) for x in issue.expression if x]
        if expressions:
            item["expression"] = expressions
        rendered.append(item)
    return {"resourceType": "OperationOutcome", "issue": rendered}


def fhir_string(text: str) -> str:
    """*text* as a valid FHIR string: R4 strings allow no whitespace but space, CR, LF and tab,
    and an element name quoted from a request may hold any (a form feed, a no-break space...);
    those are written as ``\\uXXXX``. Never empty."""
    escaped = "".join(
        f"\\u{ord(char):04x}" if char.isspace() and char not in " \r\n\t" else char for char in text
    )
    return escaped or "(empty)"
