"""Milestone periods: local midnights, DST weeks, ISO and Sunday weeks, fiscal calendars, custom spans."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from plugin.goals.periods import PeriodError, Span, build_periods

UTC = timezone.utc


def _hours(period) -> float:
    return (period.ends_at - period.starts_at).total_seconds() / 3600


@pytest.mark.parametrize("zone, week_start_day, hours", [
    # Europe/Rome: clocks go forward on Sunday 2026-03-29 and back on Sunday 2026-10-25.
    ("Europe/Rome", date(2026, 3, 23), 167),
    ("Europe/Rome", date(2026, 10, 19), 169),
    ("Europe/Rome", date(2026, 3, 16), 168),
    # America/New_York: forward on 2026-03-08, back on 2026-11-01.
    ("America/New_York", date(2026, 3, 2), 167),
    ("America/New_York", date(2026, 10, 26), 169),
    # Australia/Sydney: back on 2026-04-05, forward on 2026-10-04 (southern hemisphere).
    ("Australia/Sydney", date(2026, 3, 30), 169),
    ("Australia/Sydney", date(2026, 9, 28), 167),
])
def test_dst_week_length(zone, week_start_day, hours):
    periods = build_periods("weekly", Span("year", year=2026), zone)
    week = next(period for period in periods if period.start_date == week_start_day)

    assert _hours(week) == hours


@pytest.mark.parametrize("zone, day, utc_midnight", [
    ("Europe/Rome", date(2026, 1, 5), datetime(2026, 1, 4, 23, 0, tzinfo=UTC)),
    ("Europe/Rome", date(2026, 7, 6), datetime(2026, 7, 5, 22, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 1, 5), datetime(2026, 1, 5, 5, 0, tzinfo=UTC)),
    ("Australia/Sydney", date(2026, 1, 5), datetime(2026, 1, 4, 13, 0, tzinfo=UTC)),
    ("Australia/Sydney", date(2026, 7, 6), datetime(2026, 7, 5, 14, 0, tzinfo=UTC)),
])
def test_week_starts_at_local_midnight(zone, day, utc_midnight):
    periods = build_periods("weekly", Span("year", year=2026), zone)
    week = next(period for period in periods if period.start_date == day)

    assert week.starts_at == utc_midnight


def test_iso_weeks_of_2026():
    periods = build_periods("weekly", Span("year", year=2026), "UTC")

    # 2026-01-01 is a Thursday: the first Monday inside the year is 2026-01-05, ISO week 2.
    assert periods[0].start_date == date(2026, 1, 5)
    assert periods[0].label == "2026-W02"
    # The last week starting in 2026 begins on Monday 2026-12-28 and ends in 2027.
    assert periods[-1].start_date == date(2026, 12, 28)
    assert periods[-1].end_date == date(2027, 1, 4)
    assert periods[-1].label == "2026-W53"
    assert len(periods) == 52


def test_sunday_weeks_start_on_sunday():
    periods = build_periods("weekly", Span("year", year=2026), "UTC", week_start=6)

    assert periods[0].start_date == date(2026, 1, 4)
    assert all(period.start_date.weekday() == 6 for period in periods)
    assert all(period.end_date - period.start_date == timedelta(days=7) for period in periods)
    # Named after the ISO week of the Monday that follows: 2026-01-05 is in week 2.
    assert periods[0].label == "2026-W02"


def test_weekly_milestones_are_contiguous():
    periods = build_periods("weekly", Span("year", year=2026), "Europe/Rome")

    for previous, following in zip(periods, periods[1:]):
        assert previous.ends_at == following.starts_at


@pytest.mark.parametrize("year, month, days", [
    (2026, 2, 28),
    (2028, 2, 29),  # leap year
    (2100, 2, 28),  # divisible by 100, not a leap year
    (2000, 2, 29),  # divisible by 400, a leap year
    (2026, 4, 30),
    (2026, 12, 31),
])
def test_month_length(year, month, days):
    periods = build_periods("monthly", Span("year", year=year), "UTC")
    milestone = periods[month - 1]

    assert milestone.label == f"{year}-{month:02d}"
    assert (milestone.end_date - milestone.start_date).days == days


@pytest.mark.parametrize("start_month, year, first_start, last_end, labels", [
    (4, 2027, date(2026, 4, 1), date(2027, 4, 1), ["FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]),
    (7, 2026, date(2025, 7, 1), date(2026, 7, 1), ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]),
    (10, 2027, date(2026, 10, 1), date(2027, 10, 1), ["FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]),
    (2, 2027, date(2026, 2, 1), date(2027, 2, 1), ["FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]),
    (1, 2026, date(2026, 1, 1), date(2027, 1, 1), ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]),
])
def test_fiscal_quarters(start_month, year, first_start, last_end, labels):
    periods = build_periods("quarterly", Span("fiscal_year", year=year), "Europe/Rome", fiscal_start_month=start_month)

    assert [period.label for period in periods] == labels
    assert periods[0].start_date == first_start
    assert periods[-1].end_date == last_end


@pytest.mark.parametrize("start_month, year, label, start, end", [
    (4, 2027, "FY2027", date(2026, 4, 1), date(2027, 4, 1)),
    (9, 2026, "FY2026", date(2025, 9, 1), date(2026, 9, 1)),
    (1, 2026, "2026", date(2026, 1, 1), date(2027, 1, 1)),
])
def test_fiscal_year(start_month, year, label, start, end):
    (period,) = build_periods("yearly", Span("fiscal_year", year=year), "UTC", fiscal_start_month=start_month)

    assert period.label == label
    assert period.start_date == start
    assert period.end_date == end


def test_fiscal_year_in_months():
    periods = build_periods("monthly", Span("fiscal_year", year=2027), "UTC", fiscal_start_month=4)

    assert [period.label for period in periods][:2] == ["2026-04", "2026-05"]
    assert periods[-1].label == "2027-03"
    assert len(periods) == 12


def test_calendar_quarters():
    periods = build_periods("quarterly", Span("year", year=2026), "Europe/Rome")

    assert [period.label for period in periods] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    # Q1 holds the spring DST change: 90 days minus one hour.
    assert _hours(periods[0]) == 90 * 24 - 1


def test_custom_span_includes_both_dates():
    (period,) = build_periods("custom", Span("dates", start=date(2026, 3, 10), end=date(2026, 3, 12)), "Europe/Rome")

    assert period.label == "2026-03-10..2026-03-12"
    assert period.starts_at == datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    assert period.ends_at == datetime(2026, 3, 12, 23, 0, tzinfo=UTC)


def test_custom_single_day():
    (period,) = build_periods("custom", Span("dates", start=date(2026, 3, 29), end=date(2026, 3, 29)), "Europe/Rome")

    # The spring-forward day has 23 hours.
    assert _hours(period) == 23


@pytest.mark.parametrize("frequency, span, message", [
    ("custom", Span("dates", start=date(2026, 3, 12), end=date(2026, 3, 10)), "before its start"),
    ("monthly", Span("dates", start=date(2026, 3, 2), end=date(2026, 3, 20)), "no monthly period"),
    ("hourly", Span("year", year=2026), "frequency 'hourly' is unknown"),
])
def test_invalid_spans_rejected(frequency, span, message):
    with pytest.raises(PeriodError, match=message):
        build_periods(frequency, span, "UTC")


def test_unknown_time_zone_rejected():
    with pytest.raises(PeriodError, match="Mars/Olympus"):
        build_periods("monthly", Span("year", year=2026), "Mars/Olympus")
