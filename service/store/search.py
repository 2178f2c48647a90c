"""FHIR search values turned into store filters: ``date`` prefixes and reference parameters.

No Flask here. A ``date`` search value has a precision (a year, a month, a day, a minute, a
second, a fraction); it stands for the whole range it covers, and the prefix compares
``ClinicalImpression.date`` (a point in time) with that range, as in FHIR R4 search:

=======  ==============================================  =================================
prefix   matches when the date is …                      bounds given to the store
=======  ==============================================  =================================
eq       inside the range (the default)                  ``ge`` start, ``le`` end
ne       outside the range                               ``excluded`` (start, end)
ge / gt  at or after the start / after the end           ``ge`` start / ``ge`` end + 1 µs
le / lt  at or before the end / before the start         ``le`` end / ``le`` start - 1 µs
sa / eb  after the end / before the start (as gt / lt)   as gt / as lt
ap       inside the range widened on both sides by 10 %  ``ge`` and ``le``, widened
         of the time between now and the value
=======  ==============================================  =================================

(``end`` is the last microsecond of the range.) The value is read by
:func:`service.fhir.read.dates.search_value`; one without a time zone is read as UTC.
Every valid value from year 0001 to 9999 works, with any time zone: the arithmetic is done in
whole microseconds (a Python integer, which cannot overflow) and only then turned back into
datetimes, clamped to what a datetime holds (0001-01-01 to 9999-12-31, UTC). A bound beyond
that span either drops (``ge`` before year 1: no lower bound) or makes the search match
nothing (``lt0001-01-01``, ``gt9999-12-31``): :attr:`DateBounds.empty`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..fhir.read import dates

__all__ = ["PREFIXES", "DateBounds", "date_bounds", "parse_reference"]

#: every FHIR R4 search prefix; all of them are supported.
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_REFERENCE = re.compile(
    r"^(?:https?://\S+?/)?(?:(?P<type>[A-Z][A-Za-z]{1,63})/)?"
    r"(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/(?P<version>[A-Za-z0-9\-.]{1,64}))?$"
)
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
#: the first and last microsecond a datetime can hold, counted from 0001-01-01T00:00:00Z.
_FIRST, _LAST = 0, (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _US
#: the share of the distance between now and the value that ``ap`` adds on each side.
APPROXIMATELY = 0.1


@dataclass(frozen=True, slots=True)
class DateBounds:
    """Inclusive bounds on a date (None: unbounded on that side), ranges the date must be
    outside of (``ne``), and whether nothing can match at all."""

    ge: datetime | None = None
    le: datetime | None = None
    excluded: tuple[tuple[datetime | None, datetime | None], ...] = ()
    empty: bool = False

    def narrow(self, other: DateBounds) -> DateBounds:
        """Both bounds at once (several ``date`` parameters must all match)."""
        ge = max((b for b in (self.ge, other.ge) if b is not None), default=None)
        le = min((b for b in (self.le, other.le) if b is not None), default=None)
        empty = self.empty or other.empty or (ge is not None and le is not None and ge > le)
        return DateBounds(ge, le, self.excluded + other.excluded, empty)


def _micros(moment: datetime) -> int:
    """Microseconds from 0001-01-01T00:00:00Z to *moment* (aware; may be negative)."""
    return (moment - _EPOCH) // _US


def _range(m: re.Match[str]) -> tuple[int, int]:
    """The first microsecond of the range *m* names and the first of the next one (UTC)."""
    year = int(m["year"])
    tz = dates.zone(m["tz"])
    month = int(m["month"] or 1)
    day = int(m["day"] or 1)
    start = datetime(
        year,
        month,
        day,
        int(m["hour"] or 0),
        int(m["minute"] or 0),
        int(m["second"] or 0),
        tzinfo=tz,
    )  # ValueError for a day that is not
    first = _micros(start)
    if m["month"] is None:
        days = 366 if calendar.isleap(year) else 365
        return first, first + days * 86_400_000_000
    if m["day"] is None:
        return first, first + calendar.monthrange(year, month)[1] * 86_400_000_000
    if m["hour"] is None:
        return first, first + 86_400_000_000
    if m["second"] is None:
        return first, first + 60_000_000
    if m["fraction"] is None:
        return first, first + 1_000_000
    digits = m["fraction"][:6]  # finer than a microsecond: the microsecond that holds it
    return first + int(digits.ljust(6, "0")), first + int(digits.ljust(6, "0")) + 10 ** (
        6 - len(digits)
    )


def _moment(micros: int) -> datetime:
    return _EPOCH + micros * _US


def _lower(micros: int) -> tuple[datetime | None, bool]:
    """A ``ge`` bound: (the datetime or None for unbounded, whether nothing can match)."""
    if micros <= _FIRST:
        return None, False
    if micros > _LAST:
        return None, True
    return _moment(micros), False


def _upper(micros: int) -> tuple[datetime | None, bool]:
    """A ``le`` bound: (the datetime or None for unbounded, whether nothing can match)."""
    if micros >= _LAST:
        return None, False
    if micros < _FIRST:
        return None, True
    return _moment(micros), False


def _between(first: int, last: int) -> DateBounds:
    ge, none_after = _lower(first)
    le, none_before = _upper(last)
    return DateBounds(ge, le, empty=none_after or none_before or first > last)


def date_bounds(value: str, now: datetime | None = None) -> DateBounds:
    """The store bounds for one ``date`` search value such as ``ge2026-01-01``.

    :param now: the present, for ``ap`` (default: the clock).
    :raise ValueError: with a message for the client when the value is not usable.
    """
    parsed = dates.search_value(value)
    if parsed is None:
        raise ValueError(
            f"date {value!r} is not a FHIR date search value "
            "([prefix]YYYY[-MM[-DD[Thh:mm[:ss[.ffffff]][Z|+hh:mm]]]])"
        )
    prefix, m = parsed[0] or "eq", parsed[1]
    if prefix not in PREFIXES:
        raise ValueError(
            f"date prefix {prefix!r} is not a FHIR search prefix (use one of {', '.join(PREFIXES)})"
        )
    try:
        first, following = _range(m)
    except ValueError as exc:
        raise ValueError(f"date {value!r} is not a valid date") from exc
    last = following - 1
    if prefix == "eq":
        return _between(first, last)
    if prefix == "ne":
        if last < _FIRST or first > _LAST:
            return DateBounds()  # the range is outside every storable date: nothing excluded
        return DateBounds(excluded=((_lower(first)[0], _upper(last)[0]),))
    if prefix in ("gt", "sa"):
        return _between(following, _LAST)
    if prefix == "ge":
        return _between(first, _LAST)
    if prefix in ("lt", "eb"):
        return _between(_FIRST, first - 1)
    if prefix == "le":
        return _between(_FIRST, last)
    # ap: the range widened by a share of the distance between now and the value
    present = _micros(now or datetime.now(UTC))
    margin = int(max(abs(present - first), abs(present - last)) * APPROXIMATELY)
    return _between(first - margin, last + margin)


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
