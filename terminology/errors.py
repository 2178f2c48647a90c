"""Errors raised by the terminology package.

No Flask and no fhir.resources imports here: the service maps these to OperationOutcomes
at its edge.

Hierarchy::

    ValueError
    └── TerminologyError      a data file is malformed (raised at load time, names file and line)
    LookupError
    └── UnknownCodeError      a lookup_* call was given a code the table does not hold
"""

from __future__ import annotations

__all__ = ["TerminologyError", "UnknownCodeError"]


class TerminologyError(ValueError):
    """A terminology data file is malformed.

    Raised by :func:`terminology.load_table` on the first problem found: a wrong header, an empty
    field, an unknown segment, code system, source key or vocabulary value, a bad weight, a
    duplicate key, or a broken reference between files. ``file`` is the data file's name (for
    example ``sites.csv``) and ``line`` the 1-based line in it (the header is line 1), or ``None``
    when the problem is the file as a whole (missing, empty).
    """

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.detail = message
        where = file if line is None else f"{file}, line {line}"
        super().__init__(f"{where}: {message}")


class UnknownCodeError(LookupError):
    """A ``lookup_*`` call asked for a code that is not in the table.

    ``system`` is the code system URI (``None`` for reflex, movement and pattern ids, which belong
    to the service) and ``code`` the code that was asked for.
    """

    def __init__(self, system: str | None, code: str, what: str) -> None:
        self.system = system
        self.code = code
        self.what = what
        label = code if system is None else f"{system}|{code}"
        super().__init__(f"unknown {what}: {label}")
