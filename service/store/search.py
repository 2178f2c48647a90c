"""FHIR search values turned into store filters: ``date`` prefixes and reference parameters.

No Flask here. A ``date`` search value has a precision (a year, a month, a day, a minute, a
second, a fraction); it stands for the whole range it covers, and the prefix compares
``ClinicalImpression.date`` (a point in time) with that range, as in FHIR R4 search:

=======  =====================================  ==========================
prefix   matches when the date is …             bounds given to the store
=======  =====================================  ==========================
eq       inside the range (the default)         ``ge`` start, ``le`` end
ge / gt  at or after the start / after the end  ``ge`` start / ``ge`` end
le / lt  at or before the end / before start    ``le`` end / ``le`` start
=======  =====================================  ==========================

(``end`` is the last microsecond of the range, from :func:`service.fhir.read.dates.period`.)
A value without a time zone is read as UTC.
``ne``, ``sa``, ``eb`` and ``ap`` are not supported and answer 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..fhir.read import dates

__all__ = ["DateBounds", "date_bounds", "parse_reference"]

_SUPPORTED = frozenset({"eq", "ge", "gt", "le", "lt"})
_REFERENCE = re.compile(r"^(?:https?://\S+?/)?(?:(?P<type>[A-Z][A-Za-z]{1,63})/)?"
                        r"(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/(?P<version>[A-Za-z0-9\-.]{1,64}))?$")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class DateBounds:
    """Inclusive bounds on a date; None means unbounded on that side."""

    ge: datetime | None = None
    le: datetime | None = None

    def narrow(self, other: DateBounds) -> DateBounds:
        """Both bounds at once (several ``date`` parameters must all match)."""
        ge = max((b for b in (self.ge, other.ge) if b is not None), default=None)
        le = min((b for b in (self.le, other.le) if b is not None), default=None)
        return DateBounds(ge, le)


def date_bounds(value: str) -> DateBounds:
    """The store bounds for one ``date`` search value such as ``ge2026-01-01``.

    :raise ValueError: with a message for the client when the value or prefix is not usable.
    """
    parsed = dates.search_value(value)
    if parsed is None:
        raise ValueError(f"date {value!r} is not a FHIR date search value "
                         "([prefix]YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|+hh:mm]]]])")
    prefix = parsed[0] or "eq"
    if prefix not in _SUPPORTED:
        raise ValueError(f"date prefix {prefix!r} is not supported (use eq, ge, gt, le or lt)")
    try:
        start, following = dates.period(parsed[1])
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"date {value!r} is not a valid date") from exc
    end = following - _TICK
    return {
        "eq": DateBounds(start, end),
        "ge": DateBounds(ge=start),
        "gt": DateBounds(ge=following),
        "le": DateBounds(le=end),
        "lt": DateBounds(le=start - _TICK),
    }[prefix]


def parse_reference(value: str, default_type: str) -> tuple[str, str, str | None]:
    """``(type, id, version)`` of a reference search value: ``Type/id``, a bare ``id`` (of
    *default_type*), an absolute URL, or a versioned ``Type/id/_history/v``.

    :raise ValueError: when the value is none of these (the message does not repeat the value,
        which may identify a patient).
    """
    m = _REFERENCE.match(value)
    if m is None:
        raise ValueError("not a reference: expected Type/id, a bare id or an absolute URL")
    return m["type"] or default_type, m["id"], m["version"]
