"""Progress, status and pace, with expected values worked out by hand."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from plugin.goals.status import progress, project, status

UTC = timezone.utc
START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
AFTER = datetime(2026, 4, 2, tzinfo=UTC)


@pytest.mark.parametrize("direction, value, target, expected", [
    ("higher", 15, 20, 0.75),
    ("higher", 0, 20, 0.0),
    ("higher", 5, 0, None),
    ("lower", 3600, 1800, 0.5),
    ("lower", 900, 1800, 2.0),
    ("lower", None, 1800, None),
    ("lower", 0, 1800, None),
])
def test_progress(direction, value, target, expected):
    assert progress(direction, value, target) == expected


@pytest.mark.parametrize("direction, unit, value, target, now, expected", [
    ("higher", "tickets", 5, 10, datetime(2026, 2, 1, tzinfo=UTC), "pending"),
    ("higher", "tickets", 5, 10, datetime(2026, 3, 5, tzinfo=UTC), "in_progress"),
    ("higher", "tickets", 5, 10, END, "missed"),
    ("higher", "tickets", 10, 10, AFTER, "achieved"),
    ("higher", "tickets", 11, 10, AFTER, "exceeded"),
    ("lower", "seconds", 3600.4, 3600, AFTER, "achieved"),
    ("lower", "seconds", 3599, 3600, AFTER, "exceeded"),
    ("lower", "seconds", 3601, 3600, AFTER, "missed"),
    ("lower", "seconds", None, 3600, AFTER, "no_data"),
    ("higher", "tickets", 3, None, AFTER, "no_data"),
    # Shares compare at tenths of a percentage point.
    ("higher", "percent", 89.96, 90, AFTER, "achieved"),
    ("higher", "percent", 89.6, 90, AFTER, "missed"),
    ("higher", "percent", 90.2, 90, AFTER, "exceeded"),
    ("higher", "percent", None, 90, AFTER, "no_data"),
])
def test_status(direction, unit, value, target, now, expected):
    assert status(direction, unit, value, target, START, END, now) == expected


DAY = 86400.0


@pytest.mark.parametrize("aggregation, direction, value, recent, target, elapsed, remaining, projected, verdict", [
    # 10 closed in 10 of 30 days: 30 projected against 30.
    ("count", "higher", 10, None, 30, 10 * DAY, 20 * DAY, 30, "on_track"),
    # 9 in 10 days: 27 of 30 = 90 %, at risk.
    ("count", "higher", 9, None, 30, 10 * DAY, 20 * DAY, 27, "at_risk"),
    # 5 in 10 days: 15 of 30, off track.
    ("count", "higher", 5, None, 30, 10 * DAY, 20 * DAY, 15, "off_track"),
    # Mean 3600 s so far, recent 1800 s, two thirds of the time left: 3600 - 1800 * 2/3 = 2400 s.
    ("mean", "lower", 3600, 1800, 2400, 10 * DAY, 20 * DAY, 2400, "on_track"),
    # Worsening trend: 1800 + (3600 - 1800) * 1/2 = 2700 against 2500: 2500/2700 = 0.926, at risk.
    ("mean", "lower", 1800, 3600, 2500, 15 * DAY, 15 * DAY, 2700, "at_risk"),
    # No recent samples: the running value stands.
    ("median", "lower", 1000, None, 500, 15 * DAY, 15 * DAY, 1000, "off_track"),
    # Share: 80 % so far, 100 % recently, half the time left: 90 % against 90.
    ("share_within", "higher", 80, 100, 90, 15 * DAY, 15 * DAY, 90, "on_track"),
])
def test_pace(aggregation, direction, value, recent, target, elapsed, remaining, projected, verdict):
    pace = project(aggregation, direction, value, recent, target, elapsed, remaining)

    assert pace.projected == pytest.approx(projected)
    assert pace.verdict == verdict


def test_pace_without_elapsed_time():
    assert project("count", "higher", 0, None, 10, 0, 30 * DAY).verdict is None


def test_pace_without_samples():
    pace = project("mean", "lower", None, None, 3600, DAY, DAY)

    assert pace.projected is None
    assert pace.verdict is None
