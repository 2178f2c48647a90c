"""One date module: every reader of a FHIR date or dateTime goes through service.fhir.read.dates."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from service.fhir.read import dates
from service.store.search import date_bounds

SERVICE = Path(__file__).resolve().parents[2] / "service"
TICK = timedelta(microseconds=1)


def test_no_other_module_writes_a_date_pattern() -> None:
    """A regular expression for YYYY-MM... lives in read/dates.py only (it once lived in four)."""
    offenders = []
    for path in sorted(SERVICE.rglob("*.py")):
        if path == SERVICE / "fhir" / "read" / "dates.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if ("\\d{4}" in text or "[0-9]{3}" in text) and (
                    "\\d{2}" in text or "[0-9]" in text
                ):
                    offenders.append(f"{path.relative_to(SERVICE)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2024", datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC) - TICK),
        ("2024-02", datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC) - TICK),
        ("2023-02-28", datetime(2023, 2, 28, tzinfo=UTC), datetime(2023, 3, 1, tzinfo=UTC) - TICK),
        (
            "2024-03-01T08:00:00+02:00",
            datetime(2024, 3, 1, 8, tzinfo=timezone(timedelta(hours=2))),
            datetime(2024, 3, 1, 8, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2024-03-01T08:00:60.5Z",  # a leap second reads as :59
            datetime(2024, 3, 1, 8, 0, 59, 500_000, tzinfo=UTC),
            datetime(2024, 3, 1, 8, 0, 59, 500_000, tzinfo=UTC),
        ),
    ],
)
def test_bounds_of_an_effective_time(value: str, first: datetime, last: datetime) -> None:
    assert dates.bounds(value) == (first, last)


@pytest.mark.parametrize("value", ["2024-13", "2023-02-29", "24-01-01", "2024-01-01T25:00Z", ""])
def test_what_is_not_a_date_has_no_bounds(value: str) -> None:
    assert dates.bounds(value) is None


@pytest.mark.parametrize("value", ["2024", "2024-02", "2024-12", "2024-02-29", "2026-03-01"])
def test_search_and_effective_times_read_a_calendar_value_alike(value: str) -> None:
    """The ``date`` search parameter and the exam's effective times cover the same range."""
    bounds = date_bounds(value)
    assert (bounds.ge, bounds.le) == dates.bounds(value)


def test_a_search_value_with_a_time_covers_its_precision() -> None:
    parsed = dates.search_value("ge2026-03-01T08:00:00.25+02:00")
    assert parsed is not None
    prefix, match = parsed
    start, following = dates.period(match)
    assert prefix == "ge"
    assert following - start == timedelta(milliseconds=10)
    assert start == datetime(2026, 3, 1, 6, 0, 0, 250_000, tzinfo=UTC)


def test_search_values_finer_than_a_microsecond_are_read() -> None:
    assert dates.search_value("2026-03-01T08:00:00.123456Z") is not None
    parsed = dates.search_value("le2026-03-01T08:00:00.1234567Z")
    assert parsed is not None and parsed[0] == "le" and parsed[1]["fraction"] == "1234567"
    assert dates.search_value("2026-03-01T08:00:00.Z") is None


@pytest.mark.parametrize(
    ("value", "lacks"),
    [
        ("2024-03-01T08:00", True),
        ("2024-03-01T08:00:00.5", True),
        ("2024-03-01T08:00Z", False),
        ("2024-03-01", False),
        ("not a date", False),
    ],
)
def test_a_time_without_a_zone_is_noticed(value: str, lacks: bool) -> None:
    assert dates.lacks_zone(value) is lacks


def test_only_ascii_digits_make_a_date() -> None:
    assert dates.search_value("2026-03-01") is not None
    assert dates.search_value("\u0662\u0660\u0662\u0666-03-01") is None  # Arabic-Indic digits
    assert dates.DATE_TIME.match("２０２６") is None  # fullwidth digits
