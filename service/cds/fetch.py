"""Fetching the exam from the EHR's FHIR server when a patient-view call brings no prefetch.

CDS Hooks 2.0 ("FHIR Resource Access") lets a client send ``fhirServer`` and
``fhirAuthorization`` instead of the prefetch. Calling a URL a request names is a server-side
request forgery waiting to happen, so this service calls it only when the operator allowed it:

- ``fhirServer`` must start with an entry of ``NEUROROOT_CDS_FHIR_SERVERS``: the same scheme,
  host and port, and a path equal to the entry's or below it at a ``/`` boundary
  (``https://ehr.example.org/fhir`` allows ``https://ehr.example.org/fhir/r4``, never
  ``https://ehr.example.org/fhirx`` nor ``https://ehr.example.org.evil.test/fhir``). URLs with
  credentials, a query or a fragment are refused. Empty list (the default): never.
- every ``next`` link followed must pass the same test *and* lie under ``fhirServer`` itself, so
  an allowed server cannot send the service elsewhere.
- the token of ``fhirAuthorization`` (``token_type`` Bearer) goes in ``Authorization`` and
  nowhere else (never logged).
- the whole fetch, every page together, has one deadline (``NEUROROOT_CDS_FETCH_TIMEOUT``) and
  one byte budget (``NEUROROOT_CDS_FETCH_MAX_BYTES``), enforced per page by the bounded GET of
  :mod:`service.auth.jwks` with what is left of both; at most :data:`MAX_OBSERVATIONS`
  Observations are read (paging stops there) and :data:`MAX_PAGES` pages.

Any failure (not allowed, refused, HTTP error, not JSON, not a Bundle, time or size exceeded) is
a 412 Precondition Failed: the service could not get the data it needs (CDS Hooks 2.0, "HTTP
Status Codes" of the service response). Its text names the reason, never the token.
"""

from __future__ import annotations

import json
import time
import typing as t
from urllib.parse import quote, urlsplit

from ..auth.jwks import FetchFailed, bounded_get
from ..errors import InvalidRequest, PreconditionFailed
from ..fhir.read.cds_exam import bundle_resources, next_link

__all__ = [
    "MAX_OBSERVATIONS",
    "MAX_PAGES",
    "allowed_server",
    "exams_query",
    "fetch_exams",
    "parse_allow_list",
]

#: the most Observations read from a FHIR server for one call (DESIGN: up to 5,000).
MAX_OBSERVATIONS = 5000
#: the most pages followed (a server paging one entry at a time cannot keep the service busy).
MAX_PAGES = 100


def parse_allow_list(value: str | None) -> tuple[str, ...]:
    """The entries of ``NEUROROOT_CDS_FHIR_SERVERS`` (checked by the config schema)."""
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _parts(url: str) -> tuple[str, str, int | None, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.fragment
    ):
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    return parts.scheme, parts.hostname.lower(), port or default, parts.path.rstrip("/")


def _under(url: str, base: str, *, query: bool) -> bool:
    mine, theirs = _parts(url), _parts(base)
    if mine is None or theirs is None or mine[:3] != theirs[:3]:
        return False
    if not query and urlsplit(url).query:
        return False
    return mine[3] == theirs[3] or mine[3].startswith(theirs[3] + "/")


def allowed_server(server: str, allow_list: t.Sequence[str]) -> bool:
    """Whether *server* (a ``fhirServer`` value) lies under an entry of *allow_list*."""
    return any(_under(server, entry, query=False) for entry in allow_list)


def exams_query(server: str, patient_id: str) -> str:
    """The URL of the ``exams`` prefetch template for *patient_id* on *server*."""
    return (
        f"{server.rstrip('/')}/Observation?patient={quote(patient_id, safe='')}"
        "&category=exam&_sort=-date&_count=500"
    )


def fetch_exams(
    server: str,
    patient_id: str,
    token: str | None,
    *,
    allow_list: t.Sequence[str],
    timeout: float,
    max_bytes: int,
) -> list[dict[str, t.Any]]:
    """The exam entries of *patient_id* from *server*, following ``next`` links.

    :raise PreconditionFailed: see the module doc (nothing was fetched when not allowed).
    """
    if not allowed_server(server, allow_list):
        raise PreconditionFailed(
            "the prefetch 'exams' is missing and fhirServer is not a FHIR server this service "
            "may call (NEUROROOT_CDS_FHIR_SERVERS); send the prefetch",
            "fhirServer",
        )
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    end = time.monotonic() + timeout
    budget = max_bytes
    url: str | None = exams_query(server, patient_id)
    entries: list[dict[str, t.Any]] = []
    pages = 0
    while url is not None:
        if pages >= MAX_PAGES:
            break
        if pages and not (
            allowed_server(url.split("?")[0], allow_list) and _under(url, server, query=True)
        ):
            raise PreconditionFailed(
                "the FHIR server's next link leaves fhirServer; paging stopped", "fhirServer"
            )
        left = end - time.monotonic()
        if left <= 0:
            raise PreconditionFailed(
                f"the FHIR server did not answer within {timeout:g} s", "fhirServer"
            )
        try:
            body = bounded_get(url, left, budget, None, headers)
        except FetchFailed as exc:
            if time.monotonic() >= end:
                raise PreconditionFailed(
                    f"the FHIR server did not answer within {timeout:g} s", "fhirServer"
                ) from exc
            raise PreconditionFailed(
                f"the exams could not be fetched from fhirServer ({exc})", "fhirServer"
            ) from exc
        budget -= len(body)
        pages += 1
        try:
            page = json.loads(body)
        except ValueError as exc:
            raise PreconditionFailed(
                "fhirServer answered something that is not JSON", "fhirServer"
            ) from exc
        try:
            found = bundle_resources(page, "fhirServer")
        except InvalidRequest as exc:  # the server's fault, not the client's
            raise PreconditionFailed("fhirServer did not answer a Bundle", "fhirServer") from exc
        entries += found
        observations = sum(1 for e in entries if e["resource"].get("resourceType") == "Observation")
        if observations >= MAX_OBSERVATIONS:
            break
        url = next_link(page)
    return entries
