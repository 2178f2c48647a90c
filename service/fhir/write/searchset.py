"""Searchset Bundles: the body of every FHIR search answer (no Flask).

The views work out the page and the absolute URLs (they need the request); this module only
writes the Bundle, so the stored results and the terminology searches answer the same shape.
FHIR JSON has no empty arrays: a Bundle with no match has no ``entry``.
"""

from __future__ import annotations

import typing as t

__all__ = ["search_entry", "searchset"]


def searchset(
    entries: t.Sequence[dict[str, t.Any]], total: int | None, links: t.Sequence[dict[str, str]]
) -> dict[str, t.Any]:
    """A ``searchset`` Bundle of *entries*, with ``total`` and the paging *links*.

    :param entries: made by :func:`search_entry`, matches first, then includes.
    :param total: the number of matches; None leaves it out (``_total=none``).
    :param links: ``{"relation": ..., "url": ...}`` dicts, ``self`` first.
    """
    bundle: dict[str, t.Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = list(links)
    if entries:
        bundle["entry"] = list(entries)
    return bundle


def search_entry(
    full_url: str, resource: dict[str, t.Any], mode: str = "match"
) -> dict[str, t.Any]:
    """One Bundle entry: *resource* at its absolute *full_url*, searched as *mode*
    (``match``, or ``include`` for a resource pulled in by ``_include``/``_revinclude``)."""
    return {"fullUrl": full_url, "resource": resource, "search": {"mode": mode}}
