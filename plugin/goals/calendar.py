"""Business calendars: working time between two instants.

A calendar has a time zone, weekly working hours as local ``[start, end)`` times
per weekday, and holidays (national ones from the ``holidays`` package, plus
custom dates). Working time between two instants is the total length of the
working intervals that overlap them, so a clock that starts outside working
hours starts at the first working minute. Local times convert to UTC with the
zone's real rules: a working interval that a DST jump removes lasts 0 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_package

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
END_OF_DAY = "24:00"


class CalendarError(ValueError):
    """Calendar settings are invalid; the message names the value and the expected form."""


def parse_clock(text: str) -> time | None:
    """Parse ``HH:MM`` into a time; ``24:00`` returns None, meaning the next local midnight."""
    if text == END_OF_DAY:
        return None
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise CalendarError(f"time {text!r} is invalid: use HH:MM from 00:00 to 24:00") from None


def _minutes(value: time | None) -> int:
    return 24 * 60 if value is None else value.hour * 60 + value.minute


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in one time zone.

    ``weekly_hours`` maps a weekday (0 = Monday) to sorted, non-overlapping local
    intervals ``(start, end)``; an ``end`` of None is the next local midnight.
    ``country`` (ISO 3166 code such as ``IT``) and ``subdivision`` select national
    holidays; ``custom_holidays`` adds dates. A holiday has no working time.
    """

    time_zone: str
    weekly_hours: dict[int, tuple[tuple[time, time | None], ...]]
    country: str | None = None
    subdivision: str | None = None
    custom_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self):
        try:
            ZoneInfo(self.time_zone)
        except (KeyError, ValueError):
            raise CalendarError(f"time zone {self.time_zone!r} is unknown: use an IANA name such as Europe/Rome") from None
        if self.country is not None:
            try:
                holiday_package.country_holidays(self.country, subdiv=self.subdivision, years=2000)
            except NotImplementedError:
                raise CalendarError(f"country {self.country!r} (subdivision {self.subdivision!r}) has no holiday "
                                    "list in the holidays package: use an ISO 3166 code such as IT") from None
        for weekday, intervals in self.weekly_hours.items():
            if weekday not in range(7):
                raise CalendarError(f"weekday {weekday!r} is invalid: use 0 (Monday) to 6 (Sunday)")
            previous_end = 0
            for start, end in intervals:
                if _minutes(start) >= _minutes(end):
                    raise CalendarError(f"{WEEKDAYS[weekday]} interval {start:%H:%M}-{_clock_text(end)} is empty "
                                        "or reversed: the end must come after the start")
                if _minutes(start) < previous_end:
                    raise CalendarError(f"{WEEKDAYS[weekday]} intervals overlap or are not in order")
                previous_end = _minutes(end)

    @classmethod
    def always(cls, time_zone: str = "UTC") -> "BusinessCalendar":
        """Return a 24/7 calendar without holidays, whose working time equals calendar time."""
        return cls(time_zone, {weekday: ((time(0, 0), None),) for weekday in range(7)})

    @classmethod
    def from_settings(cls, time_zone: str, weekly_hours: dict[str, list[list[str]]], country: str | None = None,
                      subdivision: str | None = None, custom_holidays: list[str] | None = None) -> "BusinessCalendar":
        """Build a calendar from stored settings: ``{"monday": [["09:00", "13:00"], ...]}`` and ISO dates."""
        hours: dict[int, tuple] = {}
        for name, intervals in (weekly_hours or {}).items():
            if name not in WEEKDAYS:
                raise CalendarError(f"weekday {name!r} is unknown: use one of {', '.join(WEEKDAYS)}")
            parsed = []
            for interval in intervals:
                if len(interval) != 2:
                    raise CalendarError(f"{name} interval {interval!r} is invalid: use [\"HH:MM\", \"HH:MM\"]")
                start = parse_clock(interval[0])
                if start is None:
                    raise CalendarError(f"{name} interval starts at 24:00: a working interval starts before midnight")
                parsed.append((start, parse_clock(interval[1])))
            hours[WEEKDAYS.index(name)] = tuple(sorted(parsed, key=lambda pair: _minutes(pair[0])))
        dates = set()
        for text in custom_holidays or []:
            try:
                dates.add(date.fromisoformat(text))
            except ValueError:
                raise CalendarError(f"holiday {text!r} is invalid: use an ISO date such as 2026-08-14") from None
        return cls(time_zone, hours, country, subdivision, frozenset(dates))

    def is_holiday(self, day: date) -> bool:
        if day in self.custom_holidays:
            return True
        if self.country is None:
            return False
        return day in _national_holidays(self.country, self.subdivision, day.year)

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the working intervals of a local day as UTC ``[start, end)`` pairs."""
        if self.is_holiday(day):
            return []
        zone = ZoneInfo(self.time_zone)
        intervals = []
        for start, end in self.weekly_hours.get(day.weekday(), ()):
            start_utc = _local_to_utc(day, start, zone)
            end_utc = _local_to_utc(day, end, zone)
            if end_utc > start_utc:
                intervals.append((start_utc, end_utc))
        return intervals

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Return the working time in ``[start, end)`` in seconds; 0 when ``end`` is not after ``start``."""
        if end <= start:
            return 0.0
        zone = ZoneInfo(self.time_zone)
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        # Summing timedeltas keeps microseconds exact; floats would drift over many intervals.
        total = timedelta(0)
        while day <= last:
            for interval_start, interval_end in self.working_intervals(day):
                overlap_start = max(start, interval_start)
                overlap_end = min(end, interval_end)
                if overlap_end > overlap_start:
                    total += overlap_end - overlap_start
            day += timedelta(days=1)
        return total.total_seconds()


def _clock_text(value: time | None) -> str:
    return END_OF_DAY if value is None else value.strftime("%H:%M")


def _local_to_utc(day: date, clock: time | None, zone: ZoneInfo) -> datetime:
    if clock is None:
        day, clock = day + timedelta(days=1), time(0, 0)
    return datetime.combine(day, clock, tzinfo=zone).astimezone(timezone.utc)


@lru_cache(maxsize=256)
def _national_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holiday_package.country_holidays(country, subdiv=subdivision, years=year))


def elapsed_seconds(start: datetime, end: datetime, calendar: BusinessCalendar | None,
                    paused: list[tuple[datetime, datetime]] = ()) -> float:
    """Return the time in ``[start, end)`` minus the ``paused`` intervals, in working time when a calendar is given.

    Without a calendar the result is plain calendar time. Paused intervals may
    overlap each other and reach outside ``[start, end)``.
    """
    if end <= start:
        return 0.0
    counted = _subtract(start, end, paused)
    if calendar is None:
        return sum((stop - begin for begin, stop in counted), timedelta(0)).total_seconds()
    return sum(calendar.working_seconds(begin, stop) for begin, stop in counted)


def _subtract(start: datetime, end: datetime, paused) -> list[tuple[datetime, datetime]]:
    """Return ``[start, end)`` without the paused intervals, as sorted disjoint intervals."""
    pieces = []
    cursor = start
    for pause_start, pause_end in sorted(paused):
        if pause_end <= cursor or pause_start >= end:
            continue
        if pause_start > cursor:
            pieces.append((cursor, pause_start))
        cursor = max(cursor, pause_end)
        if cursor >= end:
            break
    if cursor < end:
        pieces.append((cursor, end))
    return pieces
