"""When the used Observations were made: the earliest and latest ``effective[x]``.

FHIR dateTimes have several precisions (``2024``, ``2024-03``, ``2024-03-01``, with a time and a
zone). They are compared as intervals: the earliest start is the one whose first instant is
earliest, the latest end the one whose last instant is latest (:func:`.dates.bounds`). A date
without a zone is read as UTC (FHIR leaves its zone unknown). The strings are returned as given.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

from .dates import bounds

__all__ = ["effective_range"]


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
