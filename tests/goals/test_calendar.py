"""Business calendars: working time, holidays, DST, and the 24/7 calendar."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.goals.calendar import BusinessCalendar, CalendarError, elapsed_seconds

ROME = ZoneInfo("Europe/Rome")
HOUR = 3600.0
OFFICE = {day: [["09:00", "13:00"], ["14:00", "18:00"]]
          for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def rome(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ROME)


@pytest.fixture
def office():
    return BusinessCalendar.from_settings("Europe/Rome", OFFICE, country="IT", custom_holidays=["2026-08-14"])


@pytest.mark.parametrize("start, end, hours", [
    # Inside one morning interval.
    ("2026-03-02 09:30", "2026-03-02 11:00", 1.5),
    # Across lunch: 09:00-13:00 and 14:00-15:00.
    ("2026-03-02 09:00", "2026-03-02 15:00", 5),
    # Starts before opening: the clock starts at 09:00.
    ("2026-03-02 07:00", "2026-03-02 10:00", 1),
    # Friday evening to Monday 10:00: Friday 17:00-18:00 and Monday 09:00-10:00.
    ("2026-03-06 17:00", "2026-03-09 10:00", 2),
    # A whole weekend has no working time.
    ("2026-03-07 00:00", "2026-03-09 00:00", 0),
    # Easter Monday 2026-04-06 is an Italian holiday: Friday 3 April 17:00 to Tuesday 10:00.
    ("2026-04-03 17:00", "2026-04-07 10:00", 2),
    # 2026-08-14 is a custom holiday, 2026-08-15 a national one on a Saturday.
    ("2026-08-13 17:00", "2026-08-17 10:00", 2),
    # One full working week.
    ("2026-03-02 00:00", "2026-03-09 00:00", 40),
    # End before start.
    ("2026-03-02 12:00", "2026-03-02 10:00", 0),
])
def test_office_working_time(office, start, end, hours):
    assert office.working_seconds(rome(start), rome(end)) == hours * HOUR


def test_dst_week_has_same_working_hours(office):
    # The week of 2026-03-29 (spring forward on Sunday) still has 40 working hours.
    assert office.working_seconds(rome("2026-03-23 00:00"), rome("2026-03-30 00:00")) == 40 * HOUR


@pytest.mark.parametrize("zone, start, end, hours", [
    ("Europe/Rome", "2026-03-28 12:00", "2026-03-29 12:00", 23),
    ("Europe/Rome", "2026-10-24 12:00", "2026-10-25 12:00", 25),
    ("America/New_York", "2026-03-07 12:00", "2026-03-08 12:00", 23),
    ("Australia/Sydney", "2026-04-04 12:00", "2026-04-05 12:00", 25),
])
def test_always_calendar_counts_real_hours(zone, start, end, hours):
    calendar = BusinessCalendar.always(zone)
    local = ZoneInfo(zone)
    begin = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=local)
    stop = datetime.strptime(end, "%Y-%m-%d %H:%M").replace(tzinfo=local)

    assert calendar.working_seconds(begin, stop) == hours * HOUR


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(timezone.utc))


@settings(max_examples=60, deadline=None)
@given(start=instants, length=st.integers(min_value=0, max_value=40 * 24 * 3600),
       zone=st.sampled_from(["Europe/Rome", "America/New_York", "Australia/Sydney"]))
def test_always_calendar_equals_calendar_time(start, length, zone):
    end = start + timedelta(seconds=length)

    assert BusinessCalendar.always(zone).working_seconds(start, end) == float(length)


@settings(max_examples=40, deadline=None)
@given(start=instants, first=st.integers(0, 20 * 24 * 3600), second=st.integers(0, 20 * 24 * 3600))
def test_working_time_is_additive(start, first, second):
    calendar = BusinessCalendar.from_settings("Europe/Rome", OFFICE, country="IT")
    middle = start + timedelta(seconds=first)
    end = middle + timedelta(seconds=second)

    whole = calendar.working_seconds(start, end)
    parts = calendar.working_seconds(start, middle) + calendar.working_seconds(middle, end)
    assert whole == pytest.approx(parts, abs=1e-6)


@pytest.mark.parametrize("paused, hours", [
    ([], 8),
    ([(rome("2026-03-02 10:00"), rome("2026-03-02 11:00"))], 7),
    # Overlapping pauses count once; a pause reaching outside the interval is clipped.
    ([(rome("2026-03-02 10:00"), rome("2026-03-02 11:00")), (rome("2026-03-02 10:30"), rome("2026-03-02 12:00"))], 6),
    ([(rome("2026-03-02 17:00"), rome("2026-03-05 00:00"))], 7),
])
def test_elapsed_without_pauses(office, paused, hours):
    assert elapsed_seconds(rome("2026-03-02 09:00"), rome("2026-03-02 18:00"), office, paused) == hours * HOUR


def test_elapsed_without_calendar_is_calendar_time():
    paused = [(rome("2026-03-07 00:00"), rome("2026-03-08 00:00"))]

    assert elapsed_seconds(rome("2026-03-06 00:00"), rome("2026-03-09 00:00"), None, paused) == 48 * HOUR


@pytest.mark.parametrize("hours, message", [
    ({"monday": [["13:00", "09:00"]]}, "empty or reversed"),
    ({"monday": [["09:00", "13:00"], ["12:00", "18:00"]]}, "overlap"),
    ({"funday": [["09:00", "13:00"]]}, "weekday 'funday' is unknown"),
    ({"monday": [["9", "13:00"]]}, "time '9' is invalid"),
])
def test_invalid_hours_rejected(hours, message):
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_settings("Europe/Rome", hours)


def test_unknown_country_rejected():
    with pytest.raises(CalendarError, match="country 'XX'"):
        BusinessCalendar.from_settings("Europe/Rome", OFFICE, country="XX")
