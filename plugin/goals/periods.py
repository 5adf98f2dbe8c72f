"""Milestone periods: half-open ``[start, end)`` intervals between local midnights.

Bounds are local dates in the goal's time zone, converted to UTC with the zone's
real rules, so a week that contains a DST change lasts 167 or 169 hours. A local
midnight that does not exist (a DST jump at midnight) resolves with ``fold=0``,
which ``zoneinfo`` maps to the offset in force before the jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

FREQUENCIES = ("weekly", "monthly", "quarterly", "yearly", "custom")
SPAN_KINDS = ("year", "fiscal_year", "dates")


class PeriodError(ValueError):
    """A span or frequency cannot produce milestones; the message names the value."""


@dataclass(frozen=True)
class Span:
    """The dates a goal covers.

    ``year``: the calendar year ``year``. ``fiscal_year``: the fiscal year named
    by the calendar year in which it ends (FY2027 starting in April is April 2026
    to March 2027). ``dates``: ``start`` to ``end``, both included.
    """

    kind: str
    year: int | None = None
    start: date | None = None
    end: date | None = None

    def bounds(self, fiscal_start_month: int) -> tuple[date, date]:
        """Return the span as ``[first day, day after the last day)``."""
        if self.kind == "year":
            return date(self.year, 1, 1), date(self.year + 1, 1, 1)
        if self.kind == "fiscal_year":
            if fiscal_start_month == 1:
                return date(self.year, 1, 1), date(self.year + 1, 1, 1)
            return date(self.year - 1, fiscal_start_month, 1), date(self.year, fiscal_start_month, 1)
        if self.kind == "dates":
            if self.start is None or self.end is None:
                raise PeriodError("a dates span needs both start and end")
            if self.end < self.start:
                raise PeriodError(f"span end {self.end.isoformat()} is before its start {self.start.isoformat()}")
            return self.start, self.end + timedelta(days=1)
        raise PeriodError(f"span kind {self.kind!r} is unknown: use one of {', '.join(SPAN_KINDS)}")


@dataclass(frozen=True)
class Period:
    """One milestone: a label and its local and UTC bounds."""

    label: str
    start_date: date
    end_date: date
    starts_at: datetime
    ends_at: datetime


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of local midnight at the start of ``day`` in ``zone``."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(timezone.utc)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _fiscal_year_of(month_start: date, fiscal_start_month: int) -> int:
    """Return the name of the fiscal year containing ``month_start`` (the year it ends in)."""
    if fiscal_start_month == 1 or month_start.month < fiscal_start_month:
        return month_start.year
    return month_start.year + 1


def _week_label(week_start_day: date) -> str:
    # A Sunday-start week is named after the ISO week of its Monday.
    monday = week_start_day if week_start_day.weekday() == 0 else week_start_day + timedelta(days=(7 - week_start_day.weekday()) % 7)
    iso_year, iso_week, _ = monday.isocalendar()
    return f"{iso_year}-W{iso_week:02d}"


def _starts(frequency: str, first: date, stop: date, fiscal: bool, fiscal_start_month: int, week_start: int):
    """Yield ``(label, start, end)`` for each period of ``frequency`` starting in ``[first, stop)``."""
    if frequency == "weekly":
        day = first + timedelta(days=(week_start - first.weekday()) % 7)
        while day < stop:
            yield _week_label(day), day, day + timedelta(days=7)
            day += timedelta(days=7)
        return

    if frequency == "monthly":
        day = first if first.day == 1 else _add_months(first, 1)
        while day < stop:
            yield f"{day.year}-{day.month:02d}", day, _add_months(day, 1)
            day = _add_months(day, 1)
        return

    if frequency == "quarterly":
        anchor = fiscal_start_month if fiscal else 1
        day = first if first.day == 1 else _add_months(first, 1)
        while (day.month - anchor) % 3 != 0:
            day = _add_months(day, 1)
        while day < stop:
            if fiscal and anchor != 1:
                quarter = ((day.month - anchor) % 12) // 3 + 1
                label = f"FY{_fiscal_year_of(day, anchor)}-Q{quarter}"
            else:
                label = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
            yield label, day, _add_months(day, 3)
            day = _add_months(day, 3)
        return

    if frequency == "yearly":
        anchor = fiscal_start_month if fiscal else 1
        day = first if first.day == 1 else _add_months(first, 1)
        while day.month != anchor:
            day = _add_months(day, 1)
        while day < stop:
            label = f"FY{_fiscal_year_of(day, anchor)}" if fiscal and anchor != 1 else f"{day.year}"
            yield label, day, _add_months(day, 12)
            day = _add_months(day, 12)
        return

    raise PeriodError(f"frequency {frequency!r} is unknown: use one of {', '.join(FREQUENCIES)}")


def build_periods(
    frequency: str,
    span: Span,
    time_zone: str,
    fiscal_start_month: int = 1,
    week_start: int = 0,
) -> list[Period]:
    """Return the milestones of a goal in order.

    Periods of ``frequency`` that start inside the span belong to it, so the last
    week of a yearly span may end in the next year. ``custom`` gives one period
    covering the span. Quarters and years follow the fiscal calendar only for a
    ``fiscal_year`` span. ``week_start`` is 0 for Monday to 6 for Sunday.

    Raises ``PeriodError`` naming the bad value, and when the span holds no period.
    """
    if not 1 <= fiscal_start_month <= 12:
        raise PeriodError(f"fiscal year start month {fiscal_start_month} is invalid: use 1 to 12")
    if not 0 <= week_start <= 6:
        raise PeriodError(f"week start {week_start} is invalid: use 0 (Monday) to 6 (Sunday)")
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError) as error:
        raise PeriodError(f"time zone {time_zone!r} is unknown: use an IANA name such as Europe/Rome") from error

    first, stop = span.bounds(fiscal_start_month)

    if frequency == "custom":
        label = f"{first.isoformat()}..{(stop - timedelta(days=1)).isoformat()}"
        spans = [(label, first, stop)]
    else:
        fiscal = span.kind == "fiscal_year"
        spans = list(_starts(frequency, first, stop, fiscal, fiscal_start_month, week_start))

    if not spans:
        raise PeriodError(
            f"no {frequency} period starts between {first.isoformat()} and {(stop - timedelta(days=1)).isoformat()}: "
            "widen the span or choose a shorter frequency"
        )

    return [
        Period(label, start, end, local_midnight_utc(start, zone), local_midnight_utc(end, zone))
        for label, start, end in spans
    ]
