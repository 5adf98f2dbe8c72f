"""Read model: a goal's progress per contributor and milestone, as stored, with pace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..goals.status import progress as progress_ratio
from ..goals.status import status as status_at
from ..models import Goal, Result, Target, Team, User
from .compute import kpi_of, load_calendars, pace_for, target_for


def progress_document(session: Session, goal: Goal, now: datetime) -> dict:
    """Return value, target, progress, status, pace and sample count for every contributor and milestone.

    A milestone not computed yet shows no value and the status its dates give.
    Team targets on the ``per_user`` basis are the sum of the members' targets.
    Pace (projected value and verdict) is given for milestones in progress and
    is None elsewhere, and for users after their deactivation.
    """
    kpi = kpi_of(goal)
    results = {(row.contributor_id, row.milestone_id): row
               for row in session.scalars(select(Result).where(Result.goal_id == goal.id))}
    targets_by_milestone: dict[int, dict[int, float]] = {}
    for row in session.scalars(select(Target).where(Target.goal_id == goal.id)):
        targets_by_milestone.setdefault(row.milestone_id, {})[row.contributor_id] = row.value

    contributors = list(goal.contributors)
    by_id = {contributor.id: contributor for contributor in contributors}
    users = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_([c.user_id for c in contributors if c.user_id])))}
    team_names = {team.id: team.name for team in session.scalars(
        select(Team).where(Team.id.in_([c.team_id for c in contributors if c.team_id])))}
    calendars = load_calendars(session, goal.installation_id)

    rows = []
    for contributor in contributors:
        user = users.get(contributor.user_id)
        stopped_at = user.deactivated_at if user is not None and contributor.kind == "user" else None
        team_id = contributor.team_id
        if team_id is None and contributor.team_contributor_id in by_id:
            team_id = by_id[contributor.team_contributor_id].team_id
        calendar = calendars.for_team(team_id)

        cells = []
        for milestone in goal.milestones:
            target = target_for(goal, contributor, contributors, targets_by_milestone.get(milestone.id, {}))
            result = results.get((contributor.id, milestone.id))
            value = result.value if result else None
            status_time = min(now, stopped_at) if stopped_at is not None else now
            status = result.status if result else status_at(kpi.direction, kpi.unit, None, target,
                                                            milestone.starts_at, milestone.ends_at, status_time)
            pace = None
            if stopped_at is None or now < stopped_at:
                pace = pace_for(goal, milestone, value if result else _empty_value(kpi),
                                result.recent_value if result else None, target, now, calendar)
            cells.append({
                "milestone": milestone.label,
                "starts_at": milestone.starts_at,
                "ends_at": milestone.ends_at,
                "value": value,
                "target": target,
                "progress": progress_ratio(kpi.direction, value, target),
                "status": status,
                "sample_count": result.sample_count if result else 0,
                "frozen": milestone.frozen_at is not None,
                "projected": pace.projected if pace else None,
                "pace": pace.verdict if pace else None,
            })
        name = user.name if contributor.kind == "user" and user else team_names.get(contributor.team_id)
        rows.append({
            "contributor": contributor.id,
            "kind": contributor.kind,
            "user_id": contributor.user_id,
            "team_id": contributor.team_id,
            "team_contributor_id": contributor.team_contributor_id,
            "name": name or "",
            "stopped_at": stopped_at,
            "milestones": cells,
        })
    return {
        "goal": goal.id,
        "template": goal.template,
        "metric": kpi.metric,
        "aggregation": kpi.aggregation,
        "direction": kpi.direction,
        "unit": kpi.unit,
        "contributors": rows,
    }


def _empty_value(kpi) -> float | None:
    return 0.0 if kpi.aggregation == "count" else None
