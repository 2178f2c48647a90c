"""The service's one exception hierarchy.

No Flask and no fhir.resources imports here: the domain raises these, and the FHIR edge
(:mod:`service.fhir.outcome`) holds the only table mapping each class to an HTTP status and
an OperationOutcome issue type.

::

    ServiceError
    ├── InvalidRequest (ValueError)          malformed JSON or FHIR structure
    ├── NotFound (LookupError)               unknown id or path
    ├── MethodNotAllowed                      wrong HTTP method
    ├── NotAcceptable                         Accept names a format we do not produce
    ├── UnsupportedMediaType                  Content-Type we do not read
    ├── PayloadTooLarge                       body or entry count over the limits
    ├── RequestTimeout                        the client stopped sending its request
    ├── Unprocessable                         well-formed but unusable
    │   ├── MixedSubjects                     Observations about different patients
    │   ├── ContradictoryFinding              one Observation says two different things
    │   ├── InvalidExam (ValueError)          an ISNCSCI score out of range, a bad star tag
    │   └── NothingToLocalize                 no usable neuro finding
    ├── Unauthorized / Forbidden              access control
    ├── Conflict                              a write lost a race it cannot recover from
    ├── PreconditionFailed                    CDS Hooks: the data the service needs is not given
    ├── VersionMismatch                       If-Match names another version
    └── StoreUnavailable                      the database does not answer
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Conflict",
    "ContradictoryFinding",
    "Forbidden",
    "InvalidExam",
    "InvalidRequest",
    "Issue",
    "MethodNotAllowed",
    "MixedSubjects",
    "NotAcceptable",
    "NotFound",
    "NothingToLocalize",
    "PayloadTooLarge",
    "PreconditionFailed",
    "RequestTimeout",
    "ServiceError",
    "StoreUnavailable",
    "Unauthorized",
    "UnsupportedMediaType",
    "Unprocessable",
    "VersionMismatch",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a request: what is wrong, where, and (optionally) its FHIR issue type.

    ``code`` overrides the issue type the error class maps to, e.g. ``required`` for a missing
    element inside an otherwise ``structure`` error.
    """

    message: str
    expression: tuple[str, ...] = ()
    code: str | None = None


class ServiceError(Exception):
    """Base of every error the service answers with an OperationOutcome.

    :param message: the diagnostics text; it must never contain patient data.
    :param expression: FHIRPath-like locations of the offending elements, if any.
    """

    def __init__(self, message: str, expression: str | list[str] | tuple[str, ...] | None = None):
        super().__init__(message)
        self.message = message
        if expression is None:
            self.expression: tuple[str, ...] = ()
        elif isinstance(expression, str):
            self.expression = (expression,)
        else:
            self.expression = tuple(expression)
        self.issues: tuple[Issue, ...] = (Issue(message, self.expression),)

    @classmethod
    def many(cls, issues: list[Issue] | tuple[Issue, ...]) -> ServiceError:
        """Build one error carrying several issues; the first one is its message."""
        error = cls(issues[0].message, issues[0].expression)
        error.issues = tuple(issues)
        return error


class InvalidRequest(ServiceError, ValueError):
    """Raised when the body is not JSON, not FHIR, or breaks the FHIR structure rules."""


class NotFound(ServiceError, LookupError):
    """Raised for an unknown path, resource type or id."""


class MethodNotAllowed(ServiceError):
    """Raised when a path exists but not for this HTTP method; carries the allowed methods."""

    def __init__(self, message: str, allowed: tuple[str, ...] = ()):
        super().__init__(message)
        self.allowed = allowed


class NotAcceptable(ServiceError):
    """Raised when the Accept header or ``_format`` asks for a format the service does not emit."""


class UnsupportedMediaType(ServiceError):
    """Raised when the request body's Content-Type is not FHIR JSON."""


class PayloadTooLarge(ServiceError):
    """Raised when the body or the number of entries is over the configured limit."""


class RequestTimeout(ServiceError):
    """Raised when the client stops sending its request before the end (HTTP 408)."""


class Unprocessable(ServiceError):
    """Raised when a well-formed request cannot be used (HTTP 422)."""


class MixedSubjects(Unprocessable):
    """Raised when the Observations are about more than one patient."""


class ContradictoryFinding(Unprocessable):
    """Raised when one Observation carries values that contradict each other."""


class InvalidExam(Unprocessable, ValueError):
    """Raised when an ISNCSCI exam holds a value the standard does not allow.

    A grade out of range (light touch 3, motor 6), a star on a normal grade (``5*``), an unknown
    level or a missing item. ``item`` names the worksheet cell in words (``C5 right motor``); the
    FHIR edge turns it into an ``expression`` pointing at the Observation that carried it.
    """

    def __init__(self, message: str, item: str = ""):
        super().__init__(message)
        self.item = item


class NothingToLocalize(Unprocessable):
    """Raised when no Observation in the request is a usable neurological finding."""


class Unauthorized(ServiceError):
    """Raised when a bearer token is missing or invalid."""


class Forbidden(ServiceError):
    """Raised when a valid token lacks the scope for the request."""


class Conflict(ServiceError):
    """Raised when a write conflicts with another one and cannot be retried."""


class PreconditionFailed(ServiceError):
    """Raised when a CDS Hooks call neither carries the prefetch the service needs nor lets it
    fetch the data (CDS Hooks 2.0: 412 Precondition Failed)."""


class VersionMismatch(ServiceError):
    """Raised when ``If-Match`` names a version that is not the current one (HTTP 412).

    Not a :class:`PreconditionFailed`: that one is CDS Hooks' "give me the data" (issue type
    ``incomplete``); this one is a lost update (issue type ``conflict``).
    """


class StoreUnavailable(ServiceError):
    """Raised when the database cannot be reached; the request may be retried."""
