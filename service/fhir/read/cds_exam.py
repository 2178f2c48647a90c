"""The FHIR side of a CDS Hooks call: the exam Bundles a hook brings, before ``parse_request``.

No Flask here. ``prefetch.exams`` (or the pages fetched from the EHR's FHIR server) is a
searchset Bundle of the patient's exam Observations, newest first, possibly over many exams;
``context.exam`` of ``org.neuroroot.exam-sign`` is a Bundle of one exam. This module checks that
they are Bundles, keeps their Observations (and the BodyStructures they may point to), drops
OperationOutcomes a client put in the results (CDS Hooks 2.0, "Prefetch Template": errors come
as OperationOutcomes), follows nothing itself (:func:`next_link` names the next page), and
picks the latest exam out of a patient's history (:func:`latest_exam`).

**The latest exam.** A patient's exam Observations over years are not one exam: localizing them
together would mix a resolved L5 lesion with today's C6 findings. So patient-view localizes the
exam of the newest Observation (greatest ``effective[x]`` start, then ``issued``): when that
Observation names an ``encounter``, the Observations of that encounter; otherwise those whose
effective date (the calendar day as written) is the same as its own.
"""

from __future__ import annotations

import typing as t

from ...errors import InvalidRequest

__all__ = ["as_bundle", "bundle_resources", "latest_exam", "next_link"]

_KEPT = frozenset({"Observation", "BodyStructure"})


def bundle_resources(document: t.Any, expression: str) -> list[dict[str, t.Any]]:
    """The Observations and BodyStructures of the Bundle *document*, in entry order.

    Entries whose ``search.mode`` is ``outcome`` and OperationOutcome resources are dropped;
    other resource types are dropped too (they carry nothing an exam needs).

    :param expression: where the Bundle is in the request (``prefetch.exams``...), for errors.
    :raise InvalidRequest: *document* is not a Bundle, or its entries are not a list of objects.
    """
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise InvalidRequest(f"{expression} must be a FHIR Bundle", expression)
    entries = document.get("entry", [])
    if not isinstance(entries, list):
        raise InvalidRequest(f"{expression}.entry must be an array", f"{expression}.entry")
    found = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("resource", {}), dict):
            raise InvalidRequest(
                f"{expression}.entry[{index}] must be an object with a resource",
                f"{expression}.entry[{index}]",
            )
        search = entry.get("search")
        if isinstance(search, dict) and search.get("mode") == "outcome":
            continue
        resource = entry.get("resource")
        if isinstance(resource, dict) and resource.get("resourceType") in _KEPT:
            found.append({k: v for k, v in entry.items() if k in ("fullUrl", "resource")})
    return found


def next_link(document: t.Mapping[str, t.Any]) -> str | None:
    """The ``next`` page URL of a searchset Bundle, or None."""
    for item in document.get("link") or ():
        if isinstance(item, dict) and item.get("relation") == "next":
            url = item.get("url")
            return url if isinstance(url, str) and url else None
    return None


def _start(observation: t.Mapping[str, t.Any]) -> str:
    for key in ("effectiveDateTime", "effectiveInstant"):
        value = observation.get(key)
        if isinstance(value, str):
            return value
    period = observation.get("effectivePeriod")
    if isinstance(period, dict):
        value = period.get("start") or period.get("end")
        if isinstance(value, str):
            return value
    issued = observation.get("issued")
    return issued if isinstance(issued, str) else ""


def _encounter(observation: t.Mapping[str, t.Any]) -> str | None:
    encounter = observation.get("encounter")
    reference = encounter.get("reference") if isinstance(encounter, dict) else None
    return reference if isinstance(reference, str) else None


def latest_exam(entries: t.Sequence[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """The entries of the newest exam (see the module doc); BodyStructures are all kept.

    Times are compared as written (ISO 8601 text): a history from one EHR writes them alike.
    """
    observations = [e for e in entries if e["resource"].get("resourceType") == "Observation"]
    if not observations:
        return []
    newest = max(observations, key=lambda e: _start(e["resource"]))["resource"]
    encounter = _encounter(newest)
    if encounter is not None:

        def same(o: t.Mapping[str, t.Any]) -> bool:
            return _encounter(o) == encounter
    else:
        day = _start(newest)[:10]

        def same(o: t.Mapping[str, t.Any]) -> bool:
            return _encounter(o) is None and _start(o)[:10] == day

    return [
        e
        for e in entries
        if e["resource"].get("resourceType") != "Observation" or same(e["resource"])
    ]


def as_bundle(entries: t.Sequence[dict[str, t.Any]]) -> dict[str, t.Any]:
    """A ``collection`` Bundle of *entries*: what ``parse_request`` reads."""
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}
