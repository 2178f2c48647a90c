"""FHIR dates and dateTimes: the one grammar and the ranges they stand for (no Flask).

Everything in the service that reads a FHIR date or dateTime goes through here: the structure
check (a time needs a zone), the effective times of an exam (:mod:`.times`), the ``date``
search parameter (:mod:`service.store.search`) and the fast schema check's patterns of values
R4B surely accepts (:mod:`.schema_check`). A fix to how a date is read (the first and last
years, 0001 and 9999, for instance) belongs here and nowhere else.

A value has a precision (``2024``, ``2024-03``, ``2024-03-01``, then a time with minutes,
seconds or a fraction, and a zone) and stands for the whole range it covers. A value without a
zone is read as UTC (FHIR leaves its zone unknown).
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = [
    "DATE_TIME",
    "SURELY_VALID",
    "bounds",
    "lacks_zone",
    "period",
    "search_value",
    "zone",
]

#: The lexical form read here: ``YYYY[-MM[-DD[Thh:mm[:ss[.f+]][Z|(+|-)hh:mm]]]]``. Looser than
#: R4 (minutes without seconds, a time without a zone): the callers say what they refuse.
DATE_TIME = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$",
    re.ASCII,  # \d is 0-9 only: a date in other scripts' digits is not a FHIR date
)
_SEARCH_PREFIX = re.compile(r"^[a-z]{2}")
_TICK = timedelta(microseconds=1)

# Dates and times that R4B surely accepts, as patterns (checked in Rust, no call into Python): a
# real calendar date (29 February in leap years only) from 1000 on, no leap second, at most 9
# decimals. Anything else is given to R4B's own validator (the format) to decide.
_YEAR = r"[1-9][0-9]{3}"
_LEAP_YEAR = r"(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)"
_DAY = (
    rf"(?:{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    rf"|(?:0[13578]|1[02])-31)|{_LEAP_YEAR}-02-29)"
)
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
_ZONE = r"(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)"
#: FHIR primitive type -> a JSON-schema pattern of values R4B surely accepts.
SURELY_VALID = {
    "date": rf"^(?:{_YEAR}|{_YEAR}-(?:0[1-9]|1[0-2])|{_DAY})$",
    "dateTime": rf"^(?:{_YEAR}|{_YEAR}-(?:0[1-9]|1[0-2])|{_DAY}(?:T{_TIME}{_ZONE})?)$",
    "instant": rf"^{_DAY}T{_TIME}{_ZONE}$",
    "time": rf"^{_TIME}$",
}


def zone(text: str | None) -> timezone:
    """The zone of ``Z``, ``+hh:mm`` or ``-hh:mm``; UTC when there is none."""
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError("time zone offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


@functools.lru_cache(maxsize=1024)  # an exam's Observations usually share their times
def lacks_zone(value: str) -> bool:
    """Whether *value* is a dateTime with a time but no zone (R4 requires one)."""
    match = DATE_TIME.match(value)
    return match is not None and match["hour"] is not None and match["tz"] is None


def _calendar_range(m: re.Match[str], tz: timezone) -> tuple[datetime, datetime] | None:
    """A year, month or day: its first instant and the first instant after it (None: it has a
    time). :raise ValueError, OverflowError: when it is not a calendar date."""
    year = int(m["year"])
    if m["month"] is None:
        return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    month = int(m["month"])
    if m["day"] is None:
        first = datetime(year, month, 1, tzinfo=tz)
        return first, first + timedelta(days=calendar.monthrange(year, month)[1])
    day = datetime(year, month, int(m["day"]), tzinfo=tz)
    if m["hour"] is None:
        return day, day + timedelta(days=1)
    return None


def period(m: re.Match[str]) -> tuple[datetime, datetime]:
    """The range a value of :data:`DATE_TIME` covers at its precision: its first instant and
    the first instant after it (a minute, a second, or the last digit of the fraction).

    :raise ValueError, OverflowError: when it is not a real date and time.
    """
    tz = zone(m["tz"])
    whole = _calendar_range(m, tz)
    if whole is not None:
        return whole
    day = datetime(int(m["year"]), int(m["month"]), int(m["day"]), tzinfo=tz)
    start = day.replace(hour=int(m["hour"]), minute=int(m["minute"]))
    if m["second"] is None:
        return start, start + timedelta(minutes=1)
    start = start.replace(second=int(m["second"]))
    if m["fraction"] is None:
        return start, start + timedelta(seconds=1)
    digits = m["fraction"]
    start = start.replace(microsecond=int(digits.ljust(6, "0")))
    return start, start + timedelta(microseconds=10 ** (6 - len(digits)))


@functools.lru_cache(maxsize=1024)  # an exam's Observations usually share their time
def bounds(value: str) -> tuple[datetime, datetime] | None:
    """The first and last instant *value* covers, or None when it is not a FHIR dateTime.

    A value with a time is one instant (a leap second reads as :59, a fraction is rounded to
    the microsecond); a year, month or day runs to its last microsecond.
    """
    match = DATE_TIME.match(value.strip())
    if not match:
        return None
    try:
        tz = zone(match["tz"])
        whole = _calendar_range(match, tz)
        if whole is not None:
            return whole[0], whole[1] - _TICK
        day = datetime(int(match["year"]), int(match["month"]), int(match["day"]), tzinfo=tz)
        digits = match["fraction"]
        micro = int(round(float("." + digits) * 1_000_000)) if digits else 0
        moment = day.replace(
            hour=int(match["hour"]),
            minute=int(match["minute"]),
            second=min(int(match["second"] or 0), 59),
            microsecond=min(micro, 999_999),
        )
        return moment, moment
    except ValueError:
        return None


def search_value(value: str) -> tuple[str | None, re.Match[str]] | None:
    """A ``date`` search value split into its prefix (``ge``, or None) and its date; None when
    it is not one. Decimals finer than a microsecond are allowed: the store reads the
    microsecond that holds them."""
    prefix = _SEARCH_PREFIX.match(value)
    m = DATE_TIME.match(value[2:] if prefix else value)
    if m is None:
        return None
    return (prefix[0] if prefix else None), m
