"""KPIs of a goal: which samples a ticket gives inside one milestone, and how they aggregate.

A KPI is a metric (``first_response_time``, ``resolution_time``,
``tickets_closed``), an aggregation (``count``, ``mean``, ``median``, ``p90``,
``share_within`` a threshold) and ticket filters. The three built-in templates
are presets of that form. A sample is one ticket's contribution to one milestone,
with the owner, team, pipeline and filter fields it carried at the moment that
decides the credit. Contributors then select their samples (by user, by team)
and aggregate them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable

from .calendar import BusinessCalendar, elapsed_seconds
from .timeline import Moment, TicketHistory

METRICS = ("first_response_time", "resolution_time", "tickets_closed")
DURATION_METRICS = frozenset({"first_response_time", "resolution_time"})
AGGREGATIONS = ("count", "mean", "median", "p90", "share_within")
# Higher or lower is better, per aggregation.
DIRECTIONS = {"count": "higher", "mean": "lower", "median": "lower", "p90": "lower", "share_within": "higher"}
UNITS = {"count": "tickets", "mean": "seconds", "median": "seconds", "p90": "seconds", "share_within": "percent"}


@dataclass(frozen=True)
class Kpi:
    """The measure of a goal. ``threshold_seconds`` is used by ``share_within`` only."""

    metric: str
    aggregation: str
    threshold_seconds: float | None = None

    @property
    def direction(self) -> str:
        return DIRECTIONS[self.aggregation]

    @property
    def unit(self) -> str:
        return UNITS[self.aggregation]

    def problems(self) -> dict[str, str]:
        """Return every invalid combination, keyed by field, with what to choose instead."""
        found: dict[str, str] = {}
        if self.metric not in METRICS:
            found["metric"] = f"metric {self.metric!r} is unknown: use one of {', '.join(METRICS)}"
        if self.aggregation not in AGGREGATIONS:
            found["aggregation"] = f"aggregation {self.aggregation!r} is unknown: use one of {', '.join(AGGREGATIONS)}"
        if self.metric == "tickets_closed" and self.aggregation != "count":
            found["aggregation"] = "tickets_closed has no duration to average: use the count aggregation"
        if self.aggregation == "share_within" and (self.threshold_seconds is None or self.threshold_seconds <= 0):
            found["threshold_seconds"] = "share_within needs a threshold in seconds greater than 0, such as 3600"
        if self.aggregation != "share_within" and self.threshold_seconds is not None:
            found["threshold_seconds"] = "a threshold is used only by the share_within aggregation: leave it out"
        return found


PRESETS = {
    "tickets_closed": Kpi("tickets_closed", "count"),
    "avg_first_response_time": Kpi("first_response_time", "mean"),
    "avg_resolution_time": Kpi("resolution_time", "mean"),
}
CUSTOM_TEMPLATE = "custom"
# Direction of each template; a custom goal takes the direction of its aggregation.
TEMPLATES = {**{name: kpi.direction for name, kpi in PRESETS.items()}, CUSTOM_TEMPLATE: None}
COUNT_TEMPLATES = frozenset({"tickets_closed"})


@dataclass(frozen=True)
class Sample:
    """One ticket's contribution: ``value`` is 1 for closes, seconds for durations.

    ``user_id`` is the credited user (None when the ticket had no owner); the other
    fields are the ticket's team, pipeline, priority, channel and tags at ``at``.
    """

    ticket_id: int
    at: datetime
    value: float
    user_id: int | None
    team_id: int | None
    pipeline_id: int | None
    priority: str | None = None
    channel: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketFilter:
    """Ticket filters of a goal; an empty set lets every value through.

    A ticket passes when its pipeline, priority and channel at the sample's moment
    are among the chosen ones and it carries at least one of the chosen tags.
    """

    pipelines: frozenset[int] = frozenset()
    priorities: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def accepts(self, sample: Sample) -> bool:
        if self.pipelines and sample.pipeline_id not in self.pipelines:
            return False
        if self.priorities and sample.priority not in self.priorities:
            return False
        if self.channels and sample.channel not in self.channels:
            return False
        if self.tags and not self.tags.intersection(sample.tags):
            return False
        return True


def _always_calendar(_moment: Moment) -> BusinessCalendar | None:
    return None


@dataclass(frozen=True)
class MetricOptions:
    """Per-goal switches that change which samples exist, whom they credit and how durations count.

    ``calendar_for`` returns the business calendar for a ticket at the moment
    that decides its sample, or None for calendar time. ``exclude_paused``
    leaves out time in pending-class states and between a close and a reopen.
    """

    response_credit: str = "responder"
    include_agent_opened: bool = False
    exclude_paused: bool = False
    calendar_for: Callable[[Moment], BusinessCalendar | None] = field(default=_always_calendar)


def _sample(history: TicketHistory, moment: Moment, value: float, user_id: int | None) -> Sample:
    return Sample(history.ticket_id, moment.at, value, user_id, moment.team_id, moment.pipeline_id,
                  moment.priority, moment.channel, moment.tags)


def _duration(history: TicketHistory, start: datetime, moment: Moment, options: MetricOptions) -> float:
    paused = []
    if options.exclude_paused:
        paused = [(begin, end or datetime.max.replace(tzinfo=begin.tzinfo)) for begin, end in history.paused]
    return elapsed_seconds(start, moment.at, options.calendar_for(moment), paused)


def samples_for(
    metric: str,
    history: TicketHistory,
    starts_at: datetime,
    ends_at: datetime,
    options: MetricOptions,
) -> list[Sample]:
    """Return the ticket's samples of ``metric`` inside ``[starts_at, ends_at)``.

    - ``tickets_closed``: one sample per close event inside the window, credited to
      the owner at that close. Aggregation counts distinct tickets, so two closes by
      one agent count once and closes by two agents count once for each.
    - ``resolution_time``: one sample from creation to the latest close inside
      the window, credited to the owner at that close.
    - ``first_response_time``: one sample when the first response falls inside
      the window, credited to the responder or to the owner at that moment.
      Agent-opened tickets give none unless ``include_agent_opened``.
    """
    inside = [close for close in history.closes if starts_at <= close.at < ends_at]

    if metric == "tickets_closed":
        return [_sample(history, close, 1.0, close.owner_id) for close in inside]

    if metric == "resolution_time":
        if not inside or history.created_at is None:
            return []
        latest = inside[-1]
        seconds = _duration(history, history.created_at, latest, options)
        return [_sample(history, latest, seconds, latest.owner_id)]

    if metric == "first_response_time":
        response = history.response
        if response is None or not starts_at <= response.moment.at < ends_at:
            return []
        if history.agent_opened and not options.include_agent_opened:
            return []
        if options.response_credit == "owner":
            credited = response.moment.owner_id
        else:
            credited = response.responder_id
        seconds = _duration(history, response.started_at, response.moment, options)
        return [_sample(history, response.moment, seconds, credited)]

    raise ValueError(f"metric {metric!r} is unknown: use one of {', '.join(METRICS)}")


@dataclass(frozen=True)
class Aggregate:
    """A contributor's value for a milestone. ``value`` None = no samples for a non-count aggregation."""

    value: float | None
    sample_count: int


def percentile_nearest_rank(values: list[float], percent: float) -> float:
    """Return the smallest value with at least ``percent`` % of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def aggregate(kpi: Kpi, samples: Iterable[Sample]) -> Aggregate:
    """Aggregate samples into one value.

    ``count`` counts distinct tickets (0 without samples). The others pool every
    sample, so a team's value is ticket-weighted: ``mean``, ``median`` (mean of the
    two middle values for an even count), ``p90`` (nearest rank) in seconds, and
    ``share_within``, the percentage of samples at or under the threshold. Without
    samples they return None.
    """
    chosen = list(samples)
    if kpi.aggregation == "count":
        tickets = {sample.ticket_id for sample in chosen}
        return Aggregate(float(len(tickets)), len(tickets))
    if not chosen:
        return Aggregate(None, 0)
    values = [sample.value for sample in chosen]
    if kpi.aggregation == "mean":
        return Aggregate(sum(values) / len(values), len(values))
    if kpi.aggregation == "median":
        return Aggregate(float(statistics.median(values)), len(values))
    if kpi.aggregation == "p90":
        return Aggregate(float(percentile_nearest_rank(values, 90)), len(values))
    if kpi.aggregation == "share_within":
        within = sum(1 for value in values if value <= kpi.threshold_seconds)
        return Aggregate(100.0 * within / len(values), len(values))
    raise ValueError(f"aggregation {kpi.aggregation!r} is unknown: use one of {', '.join(AGGREGATIONS)}")


def select(samples: Iterable[Sample], predicate: Callable[[Sample], bool]) -> list[Sample]:
    return [sample for sample in samples if predicate(sample)]
