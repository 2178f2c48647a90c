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

(``end`` is the last microsecond of the range.) A value without a time zone is read as UTC.
``ne``, ``sa``, ``eb`` and ``ap`` are not supported and answer 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["DateBounds", "date_bounds", "parse_reference"]

_DATE = re.compile(
    r"^(?P<prefix>[a-z]{2})?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$")
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


def _tz(value: str | None) -> timezone:
    if value is None or value == "Z":
        return UTC
    sign = -1 if value[0] == "-" else 1
    hours, minutes = int(value[1:3]), int(value[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _range(m: re.Match[str]) -> tuple[datetime, datetime]:
    """The start of the range *m* names and the start of the next one."""
    year = int(m["year"])
    tz = _tz(m["tz"])
    if m["month"] is None:
        return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    month = int(m["month"])
    if m["day"] is None:
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
        return datetime(year, month, 1, tzinfo=tz), following
    day = datetime(year, month, int(m["day"]), tzinfo=tz)
    if m["hour"] is None:
        return day, day + timedelta(days=1)
    start = day.replace(hour=int(m["hour"]), minute=int(m["minute"]))
    if m["second"] is None:
        return start, start + timedelta(minutes=1)
    start = start.replace(second=int(m["second"]))
    if m["fraction"] is None:
        return start, start + timedelta(seconds=1)
    digits = m["fraction"]
    start = start.replace(microsecond=int(digits.ljust(6, "0")))
    return start, start + timedelta(microseconds=10 ** (6 - len(digits)))


def date_bounds(value: str) -> DateBounds:
    """The store bounds for one ``date`` search value such as ``ge2026-01-01``.

    :raise ValueError: with a message for the client when the value or prefix is not usable.
    """
    m = _DATE.match(value)
    if m is None:
        raise ValueError(f"date {value!r} is not a FHIR date search value "
                         "([prefix]YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|+hh:mm]]]])")
    prefix = m["prefix"] or "eq"
    if prefix not in _SUPPORTED:
        raise ValueError(f"date prefix {prefix!r} is not supported (use eq, ge, gt, le or lt)")
    try:
        start, following = _range(m)
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
