"""FHIR search values as store filters: date ranges by precision and prefix, references."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.store.search import DateBounds, date_bounds, parse_reference

END_OF_2026 = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2026", DateBounds(datetime(2026, 1, 1, tzinfo=UTC), END_OF_2026)),
    ("2026-12", DateBounds(datetime(2026, 12, 1, tzinfo=UTC), END_OF_2026)),
    ("eq2026-02-28", DateBounds(datetime(2026, 2, 28, tzinfo=UTC),
                                datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC))),
    ("2026-02-28T10:15Z", DateBounds(datetime(2026, 2, 28, 10, 15, tzinfo=UTC),
                                     datetime(2026, 2, 28, 10, 15, 59, 999999, tzinfo=UTC))),
    ("2026-02-28T10:15:30.5Z", DateBounds(datetime(2026, 2, 28, 10, 15, 30, 500000, tzinfo=UTC),
                                          datetime(2026, 2, 28, 10, 15, 30, 599999, tzinfo=UTC))),
    ("ge2026", DateBounds(ge=datetime(2026, 1, 1, tzinfo=UTC))),
    ("gt2026", DateBounds(ge=datetime(2027, 1, 1, tzinfo=UTC))),
    ("le2026", DateBounds(le=END_OF_2026)),
    ("lt2027", DateBounds(le=END_OF_2026)),
], ids=lambda value: value if isinstance(value, str) else "")
def test_a_date_covers_the_range_of_its_precision(value: str, expected: DateBounds) -> None:
    assert date_bounds(value) == expected


def test_a_time_zone_offset_moves_the_range() -> None:
    bounds = date_bounds("ge2026-03-01T08:00:00+02:00")
    assert bounds.ge == datetime(2026, 3, 1, 6, tzinfo=UTC)
    assert bounds.ge is not None and bounds.ge.utcoffset() == timedelta(hours=2)
    assert bounds.ge.tzinfo == timezone(timedelta(hours=2))


def test_several_dates_narrow_each_other() -> None:
    bounds = date_bounds("ge2026-01-01").narrow(date_bounds("le2026-06")).narrow(
        date_bounds("ge2026-02"))
    assert bounds == DateBounds(datetime(2026, 2, 1, tzinfo=UTC),
                                datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC))


@pytest.mark.parametrize("value", ["ne2026", "sa2026", "ap2026", "2026-02-30", "2026-13",
                                   "26-01-01", "2026-01-01T10", "ge", "9999", ""])
def test_unusable_date_values_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="date"):
        date_bounds(value)


@pytest.mark.parametrize(("value", "expected"), [
    ("p1", ("Patient", "p1", None)),
    ("Patient/p1", ("Patient", "p1", None)),
    ("Group/g-1.2", ("Group", "g-1.2", None)),
    ("https://ehr.example/fhir/Group/g1", ("Group", "g1", None)),
    ("ClinicalImpression/abc/_history/1", ("ClinicalImpression", "abc", "1")),
    ("http://x/fhir/ClinicalImpression/abc/_history/2", ("ClinicalImpression", "abc", "2")),
])
def test_references_in_every_form(value: str, expected: tuple[str, str, str | None]) -> None:
    assert parse_reference(value, "Patient") == expected


@pytest.mark.parametrize("value", ["", "pat 007", "Patient/", "Patient/p1/extra", "x" * 65])
def test_malformed_references_are_refused_without_repeating_them(value: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_reference(value, "Patient")
    assert not value or value not in str(info.value)
