"""FHIR search values as store filters: date ranges by precision and prefix, references."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.store.search import DateBounds, date_bounds, parse_reference

END_OF_2026 = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026", DateBounds(datetime(2026, 1, 1, tzinfo=UTC), END_OF_2026)),
        ("2026-12", DateBounds(datetime(2026, 12, 1, tzinfo=UTC), END_OF_2026)),
        (
            "eq2026-02-28",
            DateBounds(
                datetime(2026, 2, 28, tzinfo=UTC),
                datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC),
            ),
        ),
        (
            "2026-02-28T10:15Z",
            DateBounds(
                datetime(2026, 2, 28, 10, 15, tzinfo=UTC),
                datetime(2026, 2, 28, 10, 15, 59, 999999, tzinfo=UTC),
            ),
        ),
        (
            "2026-02-28T10:15:30.5Z",
            DateBounds(
                datetime(2026, 2, 28, 10, 15, 30, 500000, tzinfo=UTC),
                datetime(2026, 2, 28, 10, 15, 30, 599999, tzinfo=UTC),
            ),
        ),
        ("ge2026", DateBounds(ge=datetime(2026, 1, 1, tzinfo=UTC))),
        ("gt2026", DateBounds(ge=datetime(2027, 1, 1, tzinfo=UTC))),
        ("le2026", DateBounds(le=END_OF_2026)),
        ("lt2027", DateBounds(le=END_OF_2026)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_date_covers_the_range_of_its_precision(value: str, expected: DateBounds) -> None:
    assert date_bounds(value) == expected


def test_a_time_zone_offset_moves_the_range() -> None:
    bounds = date_bounds("ge2026-03-01T08:00:00+02:00")
    assert bounds.ge == datetime(2026, 3, 1, 8, tzinfo=timezone(timedelta(hours=2)))
    assert bounds.ge is not None and bounds.ge.tzinfo == UTC  # the store compares in UTC
    assert bounds.ge.hour == 6


def test_several_dates_narrow_each_other() -> None:
    bounds = (
        date_bounds("ge2026-01-01")
        .narrow(date_bounds("le2026-06"))
        .narrow(date_bounds("ge2026-02"))
    )
    assert bounds == DateBounds(
        datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "value",
    [
        "xx2026",
        "2026-02-30",
        "2026-13",
        "0000",
        "10000",
        "26-01-01",
        "2026-01-01T10",
        "2026-01-01T24:00",
        "2026-01-01T10:00+24:00",
        "ge",
        "eq",
        "",
    ],
)
def test_unusable_date_values_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="date"):
        date_bounds(value)


FIRST = datetime(1, 1, 1, tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0001", DateBounds(le=datetime(1, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))),
        ("ge0001-01-01", DateBounds()),  # every date
        ("gt0001-01-01", DateBounds(ge=datetime(1, 1, 2, tzinfo=UTC))),
        ("lt0001-01-01", DateBounds(empty=True)),
        ("eb0001-01-01T00:00:00Z", DateBounds(empty=True)),
        ("le0001-01-01T00:00:00Z", DateBounds(le=datetime(1, 1, 1, 0, 0, 0, 999999, tzinfo=UTC))),
        ("lt0001-01-01T05:00+05:00", DateBounds(empty=True)),
        ("ge0001-01-01T00:00:00+02:00", DateBounds()),  # before year 1 in UTC: no lower bound
        ("le0001-01-01T01:00:00+02:00", DateBounds(empty=True)),
        ("9999-12-31", DateBounds(ge=datetime(9999, 12, 31, tzinfo=UTC))),
        ("9999", DateBounds(ge=datetime(9999, 1, 1, tzinfo=UTC))),
        ("gt9999-12-31", DateBounds(empty=True)),
        ("sa9999", DateBounds(empty=True)),
        ("ge9999-12-31T23:59:59.999999Z", DateBounds(ge=LAST)),
        ("le9999-12-31", DateBounds()),
        ("lt9999-12-31T23:00-02:00", DateBounds()),  # after 9999 in UTC: no upper bound
        ("gt9999-12-31T22:00:00-03:00", DateBounds(empty=True)),
        (
            "ne0001",
            DateBounds(excluded=((None, datetime(1, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),)),
        ),
        ("ne9999-12-31", DateBounds(excluded=((datetime(9999, 12, 31, tzinfo=UTC), None),))),
        (
            "ne2026-02",
            DateBounds(
                excluded=(
                    (
                        datetime(2026, 2, 1, tzinfo=UTC),
                        datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC),
                    ),
                )
            ),
        ),
        ("sa2026", DateBounds(ge=datetime(2027, 1, 1, tzinfo=UTC))),
        ("eb2026", DateBounds(le=datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))),
        (
            "2026-03-01T10:00:00.1234567Z",
            DateBounds(
                datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC),
                datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC),
            ),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_dates_at_the_edges_of_the_calendar_have_exact_bounds(
    value: str, expected: DateBounds
) -> None:
    assert date_bounds(value) == expected


def test_ap_widens_the_range_by_a_tenth_of_its_distance_from_now() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    bounds = date_bounds("ap2016-01-01", now=now)  # 10 years ago: about a year each way
    assert bounds.ge is not None and bounds.le is not None
    assert datetime(2014, 12, 31, tzinfo=UTC) < bounds.ge < datetime(2015, 1, 2, tzinfo=UTC)
    assert datetime(2016, 12, 31, tzinfo=UTC) < bounds.le < datetime(2017, 1, 2, tzinfo=UTC)
    assert date_bounds("ap0001", now=now).ge is None  # widened past year 1: unbounded
    assert date_bounds("ap9999", now=now).le is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("p1", ("Patient", "p1", None)),
        ("Patient/p1", ("Patient", "p1", None)),
        ("Group/g-1.2", ("Group", "g-1.2", None)),
        ("https://ehr.example/fhir/Group/g1", ("Group", "g1", None)),
        ("ClinicalImpression/abc/_history/1", ("ClinicalImpression", "abc", "1")),
        ("http://x/fhir/ClinicalImpression/abc/_history/2", ("ClinicalImpression", "abc", "2")),
    ],
)
def test_references_in_every_form(value: str, expected: tuple[str, str, str | None]) -> None:
    assert parse_reference(value, "Patient") == expected


@pytest.mark.parametrize("value", ["", "pat 007", "Patient/", "Patient/p1/extra", "x" * 65])
def test_malformed_references_are_refused_without_repeating_them(value: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_reference(value, "Patient")
    assert not value or value not in str(info.value)
