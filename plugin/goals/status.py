"""Progress and status of one contributor's milestone."""

from __future__ import annotations

from datetime import datetime

from .metrics import TEMPLATES

STATUSES = ("pending", "in_progress", "achieved", "exceeded", "missed", "no_data")


def progress(template: str, value: float | None, target: float | None) -> float | None:
    """Return ``value / target`` (higher is better) or ``target / value`` (lower is better).

    None when there is no value or target, or the divisor is 0.
    """
    if value is None or target is None:
        return None
    if TEMPLATES[template] == "higher":
        return value / target if target else None
    return target / value if value else None


def _whole(number: float) -> int:
    # Counts compare in whole tickets, durations in whole seconds.
    return int(round(number))


def status(
    template: str,
    value: float | None,
    target: float | None,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> str:
    """Return the milestone status at ``now``.

    Before the start ``pending``; inside ``in_progress``; after the end the final
    verdict: ``exceeded`` when strictly better than the target, ``achieved`` when
    equal in whole tickets or whole seconds, ``missed`` when worse, ``no_data``
    for an average without samples. A milestone without a target is ``no_data``
    after its end, because there is nothing to compare with.
    """
    if now < starts_at:
        return "pending"
    if now < ends_at:
        return "in_progress"
    if value is None:
        return "no_data"
    if target is None:
        return "no_data"

    actual = _whole(value)
    wanted = _whole(target)
    if actual == wanted:
        return "achieved"
    better = actual > wanted if TEMPLATES[template] == "higher" else actual < wanted
    return "exceeded" if better else "missed"
