"""Samples of the three built-in metrics inside one milestone, and their aggregation.

A sample is one ticket's contribution to one milestone, with the owner, team and
pipeline it carried at the moment that decides the credit. Contributors then
select their samples (by user, by team) and aggregate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from .timeline import TicketHistory

TEMPLATES = {
    "tickets_closed": "higher",
    "avg_first_response_time": "lower",
    "avg_resolution_time": "lower",
}
COUNT_TEMPLATES = frozenset({"tickets_closed"})


@dataclass(frozen=True)
class Sample:
    """One ticket's contribution: ``value`` is 1 for counts, seconds for durations.

    ``user_id`` is the credited user (None when the ticket had no owner); ``team_id``
    and ``pipeline_id`` are the ticket's team and pipeline at ``at``.
    """

    ticket_id: int
    at: datetime
    value: float
    user_id: int | None
    team_id: int | None
    pipeline_id: int | None


@dataclass(frozen=True)
class MetricOptions:
    """Per-goal switches that change which samples exist and whom they credit."""

    response_credit: str = "responder"
    include_agent_opened: bool = False


def samples_for(
    template: str,
    history: TicketHistory,
    starts_at: datetime,
    ends_at: datetime,
    options: MetricOptions,
) -> list[Sample]:
    """Return the ticket's samples for ``template`` inside ``[starts_at, ends_at)``.

    - ``tickets_closed``: one sample per close event inside the window, credited to
      the owner at that close. Aggregation counts distinct tickets, so two closes by
      one agent count once and closes by two agents count once for each.
    - ``avg_resolution_time``: one sample from creation to the latest close inside
      the window, credited to the owner at that close.
    - ``avg_first_response_time``: one sample when the first response falls inside
      the window, credited to the responder or to the owner at that moment.
      Agent-opened tickets give none unless ``include_agent_opened``.
    """
    inside = [close for close in history.closes if starts_at <= close.at < ends_at]

    if template == "tickets_closed":
        return [
            Sample(history.ticket_id, close.at, 1.0, close.owner_id, close.team_id, close.pipeline_id)
            for close in inside
        ]

    if template == "avg_resolution_time":
        if not inside or history.created_at is None:
            return []
        latest = inside[-1]
        seconds = (latest.at - history.created_at).total_seconds()
        return [Sample(history.ticket_id, latest.at, seconds, latest.owner_id, latest.team_id, latest.pipeline_id)]

    if template == "avg_first_response_time":
        response = history.response
        if response is None or not starts_at <= response.moment.at < ends_at:
            return []
        if history.agent_opened and not options.include_agent_opened:
            return []
        if options.response_credit == "owner":
            credited = response.moment.owner_id
        else:
            credited = response.responder_id
        moment = response.moment
        return [Sample(history.ticket_id, moment.at, response.seconds, credited, moment.team_id, moment.pipeline_id)]

    raise ValueError(f"template {template!r} is unknown: use one of {', '.join(TEMPLATES)}")


@dataclass(frozen=True)
class Aggregate:
    """A contributor's value for a milestone. ``value`` None = average without samples."""

    value: float | None
    sample_count: int


def aggregate(template: str, samples: Iterable[Sample]) -> Aggregate:
    """Count distinct tickets for counts; pool every sample into one mean for durations."""
    chosen = list(samples)
    if template in COUNT_TEMPLATES:
        tickets = {sample.ticket_id for sample in chosen}
        return Aggregate(float(len(tickets)), len(tickets))
    if not chosen:
        return Aggregate(None, 0)
    return Aggregate(sum(sample.value for sample in chosen) / len(chosen), len(chosen))


def select(samples: Iterable[Sample], predicate: Callable[[Sample], bool]) -> list[Sample]:
    return [sample for sample in samples if predicate(sample)]
