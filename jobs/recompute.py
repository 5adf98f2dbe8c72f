"""Recompute goal milestones: the marked ones after webhooks, a whole goal, or everything."""

from __future__ import annotations

import logging

from sqlalchemy import select

from plugin.db import transaction
from plugin.models import Goal, Installation, Milestone, Result
from plugin.runtime import current
from plugin.services.compute import (
    clear_pending,
    compute_milestone,
    freeze_due,
    recompute_milestone,
    take_pending,
)

from .push import enqueue_push

log = logging.getLogger(__name__)


def recompute_pending(installation_id: int) -> int:
    """Recompute every milestone marked for the installation until none is left; return how many.

    First freezes every milestone whose freeze time (end plus grace window) has
    passed, so a late event marks nothing there. Each milestone is one
    transaction. A mark added while its milestone was being computed survives
    (its generation changed), so the loop computes it again.
    """
    runtime = current()
    done = 0
    with transaction(runtime.sessions) as session:
        installation = session.get(Installation, installation_id)
        if installation is not None:
            freeze_due(session, installation, runtime.clock())
    while True:
        with transaction(runtime.sessions) as session:
            pending = take_pending(session, installation_id)
        if not pending:
            if done:
                enqueue_push(runtime, installation_id)
            return done
        for milestone_id, generation in pending:
            with transaction(runtime.sessions) as session:
                milestone = session.get(Milestone, milestone_id)
                if milestone is not None:
                    goal = milestone.goal
                    installation = session.get(Installation, goal.installation_id)
                    recompute_milestone(session, goal, milestone, installation, runtime.clock())
                clear_pending(session, milestone_id, generation)
            done += 1
        log.info("recompute.pending installation=%s milestones=%s", installation_id, done)


def recompute_goal(goal_id: int) -> int:
    """Compute every milestone of a goal that is not frozen; return how many were computed."""
    runtime = current()
    with transaction(runtime.sessions) as session:
        goal = session.get(Goal, goal_id)
        if goal is None:
            log.info("recompute.goal.missing goal=%s", goal_id)
            return 0
        installation_id = goal.installation_id
        milestone_ids = [milestone.id for milestone in goal.milestones]
    computed = 0
    for milestone_id in milestone_ids:
        with transaction(runtime.sessions) as session:
            milestone = session.get(Milestone, milestone_id)
            if milestone is None:
                continue
            installation = session.get(Installation, milestone.goal.installation_id)
            if recompute_milestone(session, milestone.goal, milestone, installation, runtime.clock()) is not None:
                computed += 1
    log.info("recompute.goal goal=%s milestones=%s", goal_id, computed)
    if computed:
        enqueue_push(runtime, installation_id)
    return computed


def reconcile_installation(installation_id: int) -> int:
    """Fully recompute every open milestone and log each stored value that differed.

    The incremental path should leave nothing to correct. A difference means a
    missed webhook or a bug, so it is logged as an error with the ids, then
    overwritten with the full computation. Returns the number of differences.
    """
    runtime = current()
    differences = 0
    with transaction(runtime.sessions) as session:
        milestone_ids = list(session.scalars(
            select(Milestone.id).join(Goal).where(Goal.installation_id == installation_id,
                                                  Milestone.frozen_at.is_(None))))
    for milestone_id in milestone_ids:
        with transaction(runtime.sessions) as session:
            milestone = session.get(Milestone, milestone_id)
            goal = milestone.goal
            now = runtime.clock()
            stored = {row.contributor_id: row for row in session.scalars(
                select(Result).where(Result.milestone_id == milestone_id))}
            for value in compute_milestone(session, goal, milestone, now):
                row = stored.get(value.contributor_id)
                if row is None or row.value != value.value or row.sample_count != value.sample_count:
                    differences += 1
                    log.error("reconcile.difference installation=%s goal=%s milestone=%s contributor=%s "
                              "stored=%s computed=%s", installation_id, goal.id, milestone_id,
                              value.contributor_id, None if row is None else row.value, value.value)
            installation = session.get(Installation, installation_id)
            recompute_milestone(session, goal, milestone, installation, now)
    log.info("reconcile.done installation=%s milestones=%s differences=%s", installation_id,
             len(milestone_ids), differences)
    return differences


def reconcile_all() -> int:
    """Reconcile every installation; the daily cron entry."""
    runtime = current()
    with transaction(runtime.sessions) as session:
        installation_ids = list(session.scalars(select(Installation.id)))
    return sum(reconcile_installation(installation_id) for installation_id in installation_ids)
