"""Compute and store the results of goal milestones from the mirror.

The incremental path (after webhooks) and the full recompute (daily, and on goal
creation) both call ``compute_milestone``, so they give the same numbers by
construction. ``reconcile_installation`` checks that the stored values agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..goals.calendar import BusinessCalendar, elapsed_seconds
from ..goals.metrics import Aggregate, Kpi, MetricOptions, Sample, TicketFilter, aggregate, samples_for
from ..goals.status import Pace, progress, project, status
from ..goals.timeline import replay
from ..models import (
    BusinessCalendarRow,
    Goal,
    GoalContributor,
    Installation,
    Membership,
    Milestone,
    PendingRecompute,
    Result,
    Target,
    Ticket,
    TicketEvent,
    User,
)
from .mirror import entry_view

log = logging.getLogger(__name__)

SAMPLE_KINDS = ("created", "state", "message")
TICKET_COLUMNS = (Ticket.id, Ticket.created_by_role, Ticket.priority, Ticket.channel, Ticket.tags)
ENTRY_COLUMNS = (
    TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.occurred_at, TicketEvent.event_id, TicketEvent.sequence,
    TicketEvent.state_class, TicketEvent.owner_id, TicketEvent.owner_set, TicketEvent.pipeline_id,
    TicketEvent.pipeline_set, TicketEvent.team_id, TicketEvent.team_set, TicketEvent.author_id,
    TicketEvent.author_role, TicketEvent.public, TicketEvent.auto_reply, TicketEvent.fields,
)
_CHUNK = 500


@dataclass(frozen=True)
class ContributorValue:
    """The computed numbers of one contributor for one milestone."""

    contributor_id: int
    value: float | None
    sample_count: int
    target: float | None
    progress: float | None
    status: str
    recent_value: float | None = None


def _chunks(items: list[int]) -> Iterable[list[int]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index:index + _CHUNK]


def kpi_of(goal: Goal) -> Kpi:
    """Return the goal's KPI: metric, aggregation and threshold."""
    return Kpi(goal.metric, goal.aggregation, goal.threshold_seconds)


def ticket_filter_of(goal: Goal) -> TicketFilter:
    return TicketFilter(
        pipelines=frozenset(row.pipeline_id for row in goal.pipelines),
        priorities=frozenset(goal.filter_priorities or ()),
        channels=frozenset(goal.filter_channels or ()),
        tags=frozenset(goal.filter_tags or ()),
    )


def calendar_from_row(row: BusinessCalendarRow) -> BusinessCalendar:
    return BusinessCalendar.from_settings(row.time_zone, row.weekly_hours, row.country, row.subdivision,
                                          row.custom_holidays)


@dataclass(frozen=True)
class Calendars:
    """The business calendars of an installation: the default one and those of single teams."""

    default: BusinessCalendar | None
    by_team: dict[int, BusinessCalendar]

    def for_team(self, team_id: int | None) -> BusinessCalendar | None:
        """Return the team's calendar, else the installation's; None means calendar time (24/7)."""
        if team_id is not None and team_id in self.by_team:
            return self.by_team[team_id]
        return self.default


def load_calendars(session: Session, installation_id: int) -> Calendars:
    default = None
    by_team: dict[int, BusinessCalendar] = {}
    for row in session.scalars(select(BusinessCalendarRow).where(BusinessCalendarRow.installation_id == installation_id)):
        if row.team_id is None:
            default = calendar_from_row(row)
        else:
            by_team[row.team_id] = calendar_from_row(row)
    return Calendars(default, by_team)


def metric_options(session: Session, goal: Goal) -> MetricOptions:
    """Return the goal's metric options; with business hours, a sample uses the calendar of the ticket's team."""
    options = MetricOptions(response_credit=goal.response_credit, include_agent_opened=goal.include_agent_opened,
                            exclude_paused=goal.exclude_paused)
    if not goal.business_hours:
        return options
    calendars = load_calendars(session, goal.installation_id)
    return replace(options, calendar_for=lambda moment: calendars.for_team(moment.team_id))


def milestone_samples(session: Session, goal: Goal, milestone: Milestone) -> list[Sample]:
    """Return every sample of the goal's KPI inside the milestone that passes its filters.

    A ticket merged, deleted or marked as spam before the milestone's end gives
    no samples to it; one removed later keeps them, because events after a
    milestone's end never change it. Only tickets with a creation, state change
    or message inside the milestone can have a sample, so only those timelines
    are read.
    """
    ticket_ids = list(
        session.scalars(
            select(TicketEvent.ticket_id)
            .where(
                TicketEvent.installation_id == goal.installation_id,
                TicketEvent.occurred_at >= milestone.starts_at,
                TicketEvent.occurred_at < milestone.ends_at,
                TicketEvent.kind.in_(SAMPLE_KINDS),
            )
            .distinct()
        )
    )
    options = metric_options(session, goal)
    ticket_filter = ticket_filter_of(goal)
    metric = goal.metric

    samples: list[Sample] = []
    for chunk in _chunks(sorted(ticket_ids)):
        # Plain column rows instead of ORM objects: a yearly milestone reads
        # tens of thousands of timeline rows on every recompute.
        tickets = {row.id: row for row in session.execute(select(*TICKET_COLUMNS).where(Ticket.id.in_(chunk)))}
        entries_by_ticket: dict[int, list] = {ticket_id: [] for ticket_id in tickets}
        for row in session.execute(select(*ENTRY_COLUMNS).where(TicketEvent.ticket_id.in_(list(tickets)))):
            entries_by_ticket[row.ticket_id].append(entry_view(row))
        for ticket_id, ticket in tickets.items():
            defaults = {"priority": ticket.priority, "channel": ticket.channel, "tags": ticket.tags}
            history = replay(ticket_id, ticket.created_by_role, entries_by_ticket[ticket_id], defaults)
            if history.removed_at is not None and history.removed_at < milestone.ends_at:
                continue
            for sample in samples_for(metric, history, milestone.starts_at, milestone.ends_at, options):
                if ticket_filter.accepts(sample):
                    samples.append(sample)
    return samples


class TeamResolver:
    """Finds the team of a goal that a user's sample counts toward, by membership at its time.

    A user counts toward at most one team of the goal: a primary membership wins;
    an extra membership counts only when the goal includes extra members and no
    primary membership places the user in another team of the goal. Among several
    extra memberships the team with the lowest id wins, so the choice is stable.
    """

    def __init__(self, session: Session, team_ids: set[int], include_extra: bool):
        self.include_extra = include_extra
        self.rows: dict[int, list[Membership]] = {}
        if team_ids:
            for row in session.scalars(select(Membership).where(Membership.team_id.in_(sorted(team_ids)))):
                self.rows.setdefault(row.user_id, []).append(row)

    def team_of(self, user_id: int | None, at: datetime) -> int | None:
        if user_id is None:
            return None
        valid = [
            row for row in self.rows.get(user_id, [])
            if row.valid_from <= at and (row.valid_to is None or at < row.valid_to)
        ]
        primary = [row.team_id for row in valid if row.kind == "primary"]
        if primary:
            return min(primary)
        if self.include_extra:
            extra = [row.team_id for row in valid if row.kind == "extra"]
            if extra:
                return min(extra)
        return None


def compute_milestone(session: Session, goal: Goal, milestone: Milestone, now: datetime) -> list[ContributorValue]:
    """Compute every contributor's value, target, progress and status for one milestone.

    User contributors take the samples credited to them before the user's
    deactivation, and their status stays as it was at that moment. Team
    contributors take the samples of the ticket's team at the event
    (``team_attribution = ticket_team``) or of the members by membership at the
    event (``membership``), deactivated members included; team values pool the
    samples.
    """
    kpi = kpi_of(goal)
    samples = milestone_samples(session, goal, milestone)
    contributors = list(goal.contributors)

    user_ids = {contributor.user_id for contributor in contributors if contributor.kind == "user"}
    deactivated = {
        user.id: user.deactivated_at
        for user in session.scalars(select(User).where(User.id.in_(sorted(user_ids))))
        if user.deactivated_at is not None
    } if user_ids else {}

    team_ids = {contributor.team_id for contributor in contributors if contributor.kind == "team"}
    resolver = None
    if goal.team_attribution == "membership" and team_ids:
        resolver = TeamResolver(session, team_ids, goal.include_extra_members)

    targets = {
        row.contributor_id: row.value
        for row in session.scalars(select(Target).where(Target.milestone_id == milestone.id))
    }

    values: list[ContributorValue] = []
    for contributor in contributors:
        status_time = now
        if contributor.kind == "user":
            cutoff = deactivated.get(contributor.user_id)
            if cutoff is not None:
                status_time = min(now, cutoff)
            chosen = [
                sample for sample in samples
                if sample.user_id == contributor.user_id and (cutoff is None or sample.at < cutoff)
            ]
        elif resolver is not None:
            chosen = [sample for sample in samples if resolver.team_of(sample.user_id, sample.at) == contributor.team_id]
        else:
            chosen = [sample for sample in samples if sample.team_id == contributor.team_id]

        result: Aggregate = aggregate(kpi, chosen)
        target = target_for(goal, contributor, contributors, targets)
        values.append(
            ContributorValue(
                contributor_id=contributor.id,
                value=result.value,
                sample_count=result.sample_count,
                target=target,
                progress=progress(kpi.direction, result.value, target),
                status=status(kpi.direction, kpi.unit, result.value, target, milestone.starts_at, milestone.ends_at,
                              status_time),
                recent_value=_recent_value(kpi, chosen, milestone, status_time),
            )
        )
    return values


def _recent_value(kpi: Kpi, samples: list[Sample], milestone: Milestone, now: datetime) -> float | None:
    """Return the aggregate of the samples in the later half of the elapsed part of the milestone."""
    if kpi.aggregation == "count" or not milestone.starts_at <= now < milestone.ends_at:
        return None
    middle = milestone.starts_at + (now - milestone.starts_at) / 2
    return aggregate(kpi, [sample for sample in samples if sample.at >= middle]).value


def target_for(goal: Goal, contributor: GoalContributor, contributors: list[GoalContributor],
               targets: dict[int, float]) -> float | None:
    """Return the contributor's target; a per-user team target is the sum of its members' targets."""
    if contributor.kind == "team" and goal.team_basis == "per_user" and goal.aggregation == "count":
        members = [member.id for member in contributors if member.team_contributor_id == contributor.id]
        member_targets = [targets[member] for member in members if member in targets]
        return float(sum(member_targets)) if member_targets else None
    return targets.get(contributor.id)


def pace_for(goal: Goal, milestone: Milestone, value: float | None, recent_value: float | None,
             target: float | None, now: datetime, calendar: BusinessCalendar | None) -> Pace | None:
    """Return the pace of a milestone in progress at ``now``, or None outside it.

    Elapsed and remaining time are business time when the goal counts business
    hours and a calendar applies, calendar time otherwise.
    """
    if not milestone.starts_at <= now < milestone.ends_at:
        return None
    kpi = kpi_of(goal)
    used = calendar if goal.business_hours else None
    elapsed = elapsed_seconds(milestone.starts_at, now, used)
    remaining = elapsed_seconds(now, milestone.ends_at, used)
    return project(kpi.aggregation, kpi.direction, value, recent_value, target, elapsed, remaining)


def store_milestone(session: Session, goal: Goal, milestone: Milestone, values: list[ContributorValue],
                    now: datetime) -> None:
    """Write the computed values as the milestone's results, replacing older ones."""
    existing = {
        row.contributor_id: row
        for row in session.scalars(select(Result).where(Result.milestone_id == milestone.id))
    }
    for value in values:
        row = existing.pop(value.contributor_id, None)
        if row is None:
            row = Result(goal_id=goal.id, contributor_id=value.contributor_id, milestone_id=milestone.id)
            session.add(row)
        row.value = value.value
        row.sample_count = value.sample_count
        row.recent_value = value.recent_value
        row.status = value.status
        row.computed_at = now
    for stale in existing.values():
        session.delete(stale)


def freeze_time(milestone: Milestone, installation: Installation) -> datetime:
    """Return when the milestone's numbers become final: its end plus the grace window."""
    return milestone.ends_at + timedelta(minutes=installation.grace_minutes)


def recompute_milestone(session: Session, goal: Goal, milestone: Milestone, installation: Installation,
                        now: datetime, force: bool = False) -> list[ContributorValue] | None:
    """Recompute and store one milestone unless it is frozen; freeze it when its time has come.

    Returns None for a frozen milestone, which is never recomputed unless ``force``,
    and the final values for one frozen by this call. Past its freeze time (end
    plus grace window) a milestone that has results is frozen without another
    computation, so an event delivered after the grace window changes
    nothing even when it happened before the end. A milestone computed for the
    first time after its freeze time is computed once from the mirror as it is,
    then frozen: this is how a goal created for a past period gets its numbers.
    """
    lock_milestone(session, milestone)
    if milestone.frozen_at is not None and not force:
        return None
    due = now >= freeze_time(milestone, installation)
    if due and not force and _has_results(session, milestone):
        values = _finalize_statuses(session, goal, milestone, now)
        freeze(milestone, now)
        return values
    values = compute_milestone(session, goal, milestone, now)
    store_milestone(session, goal, milestone, values, now)
    if milestone.frozen_at is None and due:
        freeze(milestone, now)
    return values


def lock_milestone(session: Session, milestone: Milestone) -> None:
    """Hold the milestone's row until the transaction ends, then reload it.

    Two workers may compute one milestone at once (a goal's first computation and
    a webhook's mark). A no-op update takes the row lock on PostgreSQL and the
    database write lock on SQLite, so the second waits, then reads the first's
    results and freeze instead of inserting the same results again.
    """
    session.execute(update(Milestone).where(Milestone.id == milestone.id).values(frozen_at=Milestone.frozen_at))
    session.refresh(milestone)


def _has_results(session: Session, milestone: Milestone) -> bool:
    return session.scalar(select(Result.id).where(Result.milestone_id == milestone.id).limit(1)) is not None


def freeze(milestone: Milestone, now: datetime) -> None:
    """Mark the milestone's numbers as final."""
    milestone.frozen_at = now
    log.info("milestone.frozen goal=%s milestone=%s", milestone.goal_id, milestone.id)


def freeze_due(session: Session, installation: Installation, now: datetime) -> int:
    """Freeze every open milestone of the installation whose freeze time has passed; return how many.

    A milestone that was never computed is computed once first. Results of a
    user deactivated meanwhile keep the status they had at the deactivation.
    """
    frozen = 0
    candidates = session.scalars(
        select(Milestone).join(Goal, Goal.id == Milestone.goal_id)
        .where(Goal.installation_id == installation.id, Milestone.frozen_at.is_(None),
               Milestone.ends_at <= now - timedelta(minutes=installation.grace_minutes))
    ).all()
    for milestone in candidates:
        if _has_results(session, milestone):
            # Statuses turn final at the end: recompute them from the stored values without new events.
            _finalize_statuses(session, milestone.goal, milestone, now)
            freeze(milestone, now)
        else:
            recompute_milestone(session, milestone.goal, milestone, installation, now)
        frozen += 1
    session.flush()
    return frozen


def _finalize_statuses(session: Session, goal: Goal, milestone: Milestone, now: datetime) -> list[ContributorValue]:
    """Set the stored results' statuses for ``now`` from their stored values; return those values."""
    kpi = kpi_of(goal)
    contributors = list(goal.contributors)
    targets = {row.contributor_id: row.value
               for row in session.scalars(select(Target).where(Target.milestone_id == milestone.id))}
    deactivated = {user.id: user.deactivated_at for user in session.scalars(
        select(User).where(User.id.in_([c.user_id for c in contributors if c.user_id]))) if user.deactivated_at}
    by_id = {contributor.id: contributor for contributor in contributors}
    values: list[ContributorValue] = []
    for row in session.scalars(select(Result).where(Result.milestone_id == milestone.id)):
        contributor = by_id.get(row.contributor_id)
        if contributor is None:
            continue
        status_time = now
        if contributor.kind == "user" and contributor.user_id in deactivated:
            status_time = min(now, deactivated[contributor.user_id])
        target = target_for(goal, contributor, contributors, targets)
        row.status = status(kpi.direction, kpi.unit, row.value, target, milestone.starts_at, milestone.ends_at,
                            status_time)
        values.append(ContributorValue(row.contributor_id, row.value, row.sample_count, target,
                                       progress(kpi.direction, row.value, target), row.status, row.recent_value))
    return values


def mark_milestones(session: Session, installation_id: int, ticket_times: Iterable[datetime],
                    people_since: datetime | None) -> int:
    """Mark the open milestones whose results a change can alter; return how many were marked.

    A ticket's samples only fall at its own event times, so a milestone that contains
    none of them cannot change. A user, team or membership change can alter any
    open milestone that ends after it.
    """
    times = sorted(set(ticket_times))
    milestones = session.scalars(
        select(Milestone)
        .join(Goal, Goal.id == Milestone.goal_id)
        .where(Goal.installation_id == installation_id, Milestone.frozen_at.is_(None))
    ).all()

    marked = 0
    for milestone in milestones:
        hit = people_since is not None and milestone.ends_at > people_since
        if not hit:
            hit = any(milestone.starts_at <= at < milestone.ends_at for at in times)
        if not hit:
            continue
        row = session.get(PendingRecompute, milestone.id)
        if row is None:
            session.add(PendingRecompute(milestone_id=milestone.id, installation_id=installation_id, generation=1))
        else:
            row.generation += 1
        marked += 1
    session.flush()
    return marked


def take_pending(session: Session, installation_id: int) -> list[tuple[int, int]]:
    """Return ``(milestone id, generation)`` for every milestone marked for recompute."""
    rows = session.execute(
        select(PendingRecompute.milestone_id, PendingRecompute.generation)
        .where(PendingRecompute.installation_id == installation_id)
        .order_by(PendingRecompute.milestone_id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def clear_pending(session: Session, milestone_id: int, generation: int) -> bool:
    """Clear a mark unless it was marked again meanwhile; return whether it was cleared."""
    result = session.execute(
        delete(PendingRecompute).where(
            PendingRecompute.milestone_id == milestone_id, PendingRecompute.generation == generation
        )
    )
    return result.rowcount == 1
