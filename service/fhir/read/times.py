"""When the used Observations were made: the earliest and latest ``effective[x]``.

FHIR dateTimes have several precisions (``2024``, ``2024-03``, ``2024-03-01``, with a time and a
zone). They are compared as intervals: the earliest start is the one whose first instant is
earliest, the latest end the one whose last instant is latest. A date without a zone is read as
UTC (FHIR leaves its zone unknown). The strings are returned as given.
"""

from __future__ import annotations

import calendar
import functools
import re
import typing as t
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["bounds", "effective_range"]

_PATTERN = re.compile(
    r"^(?P<y>\d{4})(-(?P<m>\d{2})(-(?P<d>\d{2})(T(?P<H>\d{2}):(?P<M>\d{2})(:(?P<S>\d{2})(?P<f>\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@functools.lru_cache(maxsize=1024)  # an exam's Observations usually share their time
def bounds(value: str) -> tuple[datetime, datetime] | None:
    """The first and last instant *value* covers, or None when it is not a FHIR dateTime."""
    match = _PATTERN.match(value.strip())
    if not match:
        return None
    g = match.groupdict()
    try:
        zone = _zone(g["tz"])
        year = int(g["y"])
        if g["m"] is None:
            return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone) - _TICK
        month = int(g["m"])
        if g["d"] is None:
            days = calendar.monthrange(year, month)[1]
            first = datetime(year, month, 1, tzinfo=zone)
            return first, first + timedelta(days=days) - _TICK
        day = datetime(year, month, int(g["d"]), tzinfo=zone)
        if g["H"] is None:
            return day, day + timedelta(days=1) - _TICK
        seconds = int(g["S"] or 0)
        micro = int(round(float(g["f"]) * 1_000_000)) if g["f"] else 0
        moment = day.replace(
            hour=int(g["H"]),
            minute=int(g["M"]),
            second=min(seconds, 59),
            microsecond=min(micro, 999_999),
        )
        return moment, moment
    except ValueError:
        return None


_TICK = timedelta(microseconds=1)


def _zone(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def effective_range(observations: t.Iterable[dict[str, t.Any]]) -> tuple[str | None, str | None]:
    """(earliest, latest) ``effective[x]`` of *observations*, as given; None where there is none.

    Read: effectiveDateTime, effectiveInstant, effectivePeriod.start/.end (a period with one end
    counts as that moment). effectiveTiming is not read.
    """
    starts: list[tuple[datetime, str]] = []
    ends: list[tuple[datetime, str]] = []
    # the Observations of an exam mostly share their times: each distinct one is read once
    moments = dict.fromkeys(m for observation in observations for m in _moments(observation))
    for first, last in moments:
        first_bounds, last_bounds = bounds(first), bounds(last)
        if first_bounds is not None:
            starts.append((first_bounds[0], first))
        if last_bounds is not None:
            ends.append((last_bounds[1], last))
    start = min(starts, key=lambda item: item[0])[1] if starts else None
    end = max(ends, key=lambda item: item[0])[1] if ends else None
    return start, end


def _moments(observation: dict[str, t.Any]) -> list[tuple[str, str]]:
    out = []
    for name in ("effectiveDateTime", "effectiveInstant"):
        if isinstance(observation.get(name), str):
            out.append((observation[name], observation[name]))
    period = observation.get("effectivePeriod")
    if isinstance(period, dict):
        start, end = period.get("start"), period.get("end")
        start = start if isinstance(start, str) else None
        end = end if isinstance(end, str) else None
        if start or end:
            out.append((start or t.cast(str, end), end or t.cast(str, start)))
    return out
