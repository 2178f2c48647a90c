"""Whether a request asks for a page rather than FHIR JSON (DESIGN section 10).

Kept apart from :mod:`service.fhir.http` (FHIR content negotiation) on purpose: it is one
question asked before that module's checks, on the few routes that also answer a page.

- ``_format=html`` (or ``text/html``) asks for the page; ``_format`` overrides Accept, as FHIR
  says.
- Without ``_format``, Accept does when it ranks ``text/html`` above FHIR JSON and plain JSON
  (a browser's ``text/html,...,*/*;q=0.8``); ``*/*`` alone, or JSON ranked equal or higher,
  keeps FHIR JSON, so API clients never get a page by accident.
- Only on :data:`HTML_ENDPOINTS`; anywhere else ``text/html`` is what it always was: 406.
"""

from __future__ import annotations

from flask import request

__all__ = ["HTML_ENDPOINTS", "wants_html"]

#: routes that also answer a page for people: the read of a stored result (a ClinicalImpression;
#: an ISNCSCI panel Observation, as the worksheet; a member Observation refuses it with 406).
HTML_ENDPOINTS = frozenset({"results.read_impression", "isncsci.read_observation"})
_HTML_FORMATS = frozenset({"html", "text/html"})
_OFFERED = ["application/fhir+json", "application/json", "text/html"]


def wants_html() -> bool:
    """Whether this request, on an HTML-capable route, asks for the page."""
    if request.endpoint not in HTML_ENDPOINTS:
        return False
    fmt = request.args.get("_format")
    if fmt is not None:
        return fmt.split(";", 1)[0].strip().lower() in _HTML_FORMATS
    return request.accept_mimetypes.best_match(_OFFERED) == "text/html"
