"""Compute and store the results of goal milestones from the mirror.

The incremental path (after webhooks) and the full recompute (daily, and on goal
creation) both call ``compute_milestone``, so they give the same numbers by
construction; ``reconcile_installation`` checks that the stored values agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..goals.metrics import COUNT_TEMPLATES, Aggregate, MetricOptions, Sample, aggregate, samples_for
from ..goals.status import progress, status
from ..goals.timeline import replay
from ..models import (
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


def _chunks(items: list[int]) -> Iterable[list[int]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index:index + _CHUNK]


def milestone_samples(session: Session, goal: Goal, milestone: Milestone) -> list[Sample]:
    """Return every sample of the goal's template inside the milestone, before contributor selection.

    Tickets that were merged, deleted or marked as spam give no samples. Only
    tickets with a creation, state change or message inside the milestone can
    have one, so only those timelines are read.
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
    options = MetricOptions(response_credit=goal.response_credit, include_agent_opened=goal.include_agent_opened)
    pipeline_ids = {row.pipeline_id for row in goal.pipelines}

    samples: list[Sample] = []
    for chunk in _chunks(sorted(ticket_ids)):
        tickets = {
            ticket.id: ticket
            for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(chunk), Ticket.removed_reason.is_(None)))
        }
        entries_by_ticket: dict[int, list] = {ticket_id: [] for ticket_id in tickets}
        for row in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(list(tickets)))):
            entries_by_ticket[row.ticket_id].append(entry_view(row))
        for ticket_id, ticket in tickets.items():
            history = replay(ticket_id, ticket.created_by_role, entries_by_ticket[ticket_id])
            for sample in samples_for(goal.template, history, milestone.starts_at, milestone.ends_at, options):
                if pipeline_ids and sample.pipeline_id not in pipeline_ids:
                    continue
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

    User contributors take the samples credited to them, except those at or after
    the user's deactivation. Team contributors take the samples of the ticket's
    team at the event (``team_attribution = ticket_team``) or of the members by
    membership at the event (``membership``); team averages pool the samples.
    """
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
        if contributor.kind == "user":
            cutoff = deactivated.get(contributor.user_id)
            chosen = [
                sample for sample in samples
                if sample.user_id == contributor.user_id and (cutoff is None or sample.at < cutoff)
            ]
        elif resolver is not None:
            chosen = [sample for sample in samples if resolver.team_of(sample.user_id, sample.at) == contributor.team_id]
        else:
            chosen = [sample for sample in samples if sample.team_id == contributor.team_id]

        result: Aggregate = aggregate(goal.template, chosen)
        target = _target_for(goal, contributor, contributors, targets)
        values.append(
            ContributorValue(
                contributor_id=contributor.id,
                value=result.value,
                sample_count=result.sample_count,
                target=target,
                progress=progress(goal.template, result.value, target),
                status=status(goal.template, result.value, target, milestone.starts_at, milestone.ends_at, now),
            )
        )
    return values


def _target_for(goal: Goal, contributor: GoalContributor, contributors: list[GoalContributor],
                targets: dict[int, float]) -> float | None:
    """Return the contributor's target; a per-user team target is the sum of its members' targets."""
    if contributor.kind == "team" and goal.team_basis == "per_user" and goal.template in COUNT_TEMPLATES:
        members = [member.id for member in contributors if member.team_contributor_id == contributor.id]
        member_targets = [targets[member] for member in members if member in targets]
        return float(sum(member_targets)) if member_targets else None
    return targets.get(contributor.id)


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

    Returns None for a frozen milestone, which is never recomputed unless ``force``.
    A milestone computed for the first time after its freeze time is computed once
    from the mirror as it is, then frozen: this is how a goal created for a past
    period gets its numbers.
    """
    if milestone.frozen_at is not None and not force:
        return None
    values = compute_milestone(session, goal, milestone, now)
    store_milestone(session, goal, milestone, values, now)
    if milestone.frozen_at is None and now >= freeze_time(milestone, installation):
        milestone.frozen_at = now
        log.info("milestone.frozen goal=%s milestone=%s", goal.id, milestone.id)
    return values


def mark_milestones(session: Session, installation_id: int, ticket_times: Iterable[datetime],
                    people_since: datetime | None) -> int:
    """Mark the open milestones whose results a change can alter; return how many were marked.

    A ticket's samples only fall at its own event times, so a milestone that holds
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
