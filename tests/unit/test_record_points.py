"""Record points: how a permalink names what Reckon's records held, and what a page says."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.record_points import BadRecordPoint, RecordPoint, describe


def test_a_day_is_its_last_microsecond_in_utc() -> None:
    point = RecordPoint.parse("2026-11-25")
    assert point.at == dt.datetime(2026, 11, 25, 23, 59, 59, 999_999, tzinfo=dt.UTC)
    assert not point.exact
    assert point.param() == "2026-11-25"
    assert point.label() == "25 November 2026"
    assert RecordPoint.parse("9999-12-31").day == dt.date(9999, 12, 31)  # no overflow


@pytest.mark.parametrize(("text", "at", "param"), [
    ("2026-11-25T14:03:07Z", dt.datetime(2026, 11, 25, 14, 3, 7, tzinfo=dt.UTC),
     "2026-11-25T14:03:07Z"),
    ("2026-11-25T14:03:07.5Z", dt.datetime(2026, 11, 25, 14, 3, 7, 500_000, tzinfo=dt.UTC),
     "2026-11-25T14:03:07.500000Z"),
    ("2026-11-25T14:03:07.000123Z", dt.datetime(2026, 11, 25, 14, 3, 7, 123, tzinfo=dt.UTC),
     "2026-11-25T14:03:07.000123Z"),
])
def test_an_exact_time_round_trips_to_the_microsecond(text: str, at: dt.datetime,
                                                      param: str) -> None:
    point = RecordPoint.parse(text)
    assert (point.at, point.exact, point.param()) == (at, True, param)
    assert RecordPoint.parse(point.param()) == point
    assert point.label() == "25 November 2026, 14:03 UTC"


def test_a_time_from_the_database_is_taken_as_utc() -> None:
    naive = dt.datetime(2026, 1, 2, 3, 4, 5, 6)  # as SQLite hands it back
    assert RecordPoint.at_time(naive).param() == "2026-01-02T03:04:05.000006Z"
    berlin = dt.datetime(2026, 1, 2, 4, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert RecordPoint.at_time(berlin).param() == "2026-01-02T03:04:05Z"
    with pytest.raises(BadRecordPoint):
        RecordPoint(dt.datetime(2026, 1, 2), exact=True)


@pytest.mark.parametrize("text", ["", "2026-02-30", "2026-13-01", "20261125", "2026-11",
                                  "2026-11-25T14:03Z", "2026-11-25T14:03:07",
                                  "2026-11-25T14:03:07+01:00", "2026-11-25T24:00:00Z",
                                  "2026-11-25T14:03:07.1234567Z", "2026-11-25 14:03:07Z",
                                  "yesterday", "0"])
def test_anything_else_is_refused_saying_how_to_write_it(text: str) -> None:
    with pytest.raises(BadRecordPoint, match="YYYY-MM-DD"):
        RecordPoint.parse(text)


def test_a_point_is_settled_five_minutes_later() -> None:
    point = RecordPoint.parse("2026-11-25T14:03:07Z")
    assert not point.settled(point.at + dt.timedelta(minutes=4, seconds=59))
    assert point.settled(point.at + dt.timedelta(minutes=5))


def test_a_page_says_what_it_shows() -> None:
    day = RecordPoint.parse("2026-11-25")
    exact = RecordPoint.parse("2026-11-25T14:03:07Z")
    assert describe(day, None) == "Records as of 25 November 2026."
    assert describe(exact, dt.date(2025, 6, 30)) == (
        "Records as of 25 November 2026, 14:03 UTC; figures dated up to 30 June 2025.")
    assert describe(None, dt.date(2025, 6, 30)) == "Figures dated up to 30 June 2025."
    assert describe(None, None) == ""
