"""Progress, status and pace of one contributor's milestone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATUSES = ("pending", "in_progress", "achieved", "exceeded", "missed", "no_data")
PACE_VERDICTS = ("on_track", "at_risk", "off_track")
# A projection within this share of the target is at risk rather than off track.
AT_RISK_MARGIN = 0.10
# Values compare at this precision: whole tickets, whole seconds, tenths of a percentage point.
PRECISION = {"tickets": 1.0, "seconds": 1.0, "percent": 0.1}


def progress(direction: str, value: float | None, target: float | None) -> float | None:
    """Return ``value / target`` (higher is better) or ``target / value`` (lower is better).

    None when there is no value or target, or the divisor is 0.
    """
    if value is None or target is None:
        return None
    if direction == "higher":
        return value / target if target else None
    return target / value if value else None


def _whole(number: float, unit: str) -> int:
    return int(round(number / PRECISION[unit]))


def status(
    direction: str,
    unit: str,
    value: float | None,
    target: float | None,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> str:
    """Return the milestone status at ``now``.

    Before the start ``pending``; inside ``in_progress``; after the end the final
    verdict: ``exceeded`` when strictly better than the target, ``achieved`` when
    equal at the unit's precision (whole tickets, whole seconds, tenths of a
    percentage point), ``missed`` when worse, ``no_data`` for a value without
    samples. A milestone without a target is ``no_data`` after its end, because
    there is nothing to compare with.
    """
    if now < starts_at:
        return "pending"
    if now < ends_at:
        return "in_progress"
    if value is None or target is None:
        return "no_data"

    actual = _whole(value, unit)
    wanted = _whole(target, unit)
    if actual == wanted:
        return "achieved"
    better = actual > wanted if direction == "higher" else actual < wanted
    return "exceeded" if better else "missed"


@dataclass(frozen=True)
class Pace:
    """A projection of the final value of a milestone in progress and its verdict."""

    projected: float | None
    verdict: str | None


def project(
    aggregation: str,
    direction: str,
    value: float | None,
    recent_value: float | None,
    target: float | None,
    elapsed_seconds: float,
    remaining_seconds: float,
) -> Pace:
    """Project the final value from what the milestone shows so far.

    Counts keep their current rate: ``value * (elapsed + remaining) / elapsed``.
    Other aggregations assume the samples still to come look like the recent ones
    (those of the later half of the elapsed time) and arrive at the same rate, so
    the final value moves from the running value toward the recent one in
    proportion to the time left: ``value + (recent - value) * remaining /
    (elapsed + remaining)``; without recent samples the running value remains.
    The verdict compares the projection with the target: ``on_track`` when it
    reaches it, ``at_risk`` when progress is at least 90 %, ``off_track`` below.
    Without elapsed time, a value or a target there is no verdict.
    """
    if elapsed_seconds <= 0 or value is None:
        return Pace(None, None)
    total = elapsed_seconds + remaining_seconds
    if aggregation == "count":
        projected = value * total / elapsed_seconds
    elif recent_value is None:
        projected = value
    else:
        projected = value + (recent_value - value) * remaining_seconds / total
    if target is None:
        return Pace(projected, None)
    ratio = progress(direction, projected, target)
    if ratio is None:
        # A count target of 0, or a projected duration of 0 seconds: the target cannot be missed.
        verdict = "on_track"
    elif ratio >= 1:
        verdict = "on_track"
    elif ratio >= 1 - AT_RISK_MARGIN:
        verdict = "at_risk"
    else:
        verdict = "off_track"
    return Pace(projected, verdict)
