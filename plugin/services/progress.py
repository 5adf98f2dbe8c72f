"""Read model: a goal's progress per contributor and milestone, as stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..goals.metrics import COUNT_TEMPLATES
from ..goals.status import progress as progress_ratio
from ..goals.status import status as status_at
from ..models import Goal, Result, Target, Team, User
from .compute import _target_for


def progress_document(session: Session, goal: Goal, now: datetime) -> dict:
    """Return value, target, progress, status and sample count for every contributor and milestone.

    A milestone not computed yet shows no value and the status its dates give.
    Team targets on the ``per_user`` basis are the sum of the members' targets.
    """
    results = {(row.contributor_id, row.milestone_id): row
               for row in session.scalars(select(Result).where(Result.goal_id == goal.id))}
    targets_by_milestone: dict[int, dict[int, float]] = {}
    for row in session.scalars(select(Target).where(Target.goal_id == goal.id)):
        targets_by_milestone.setdefault(row.milestone_id, {})[row.contributor_id] = row.value

    contributors = list(goal.contributors)
    user_names = {user.id: user.name for user in session.scalars(
        select(User).where(User.id.in_([c.user_id for c in contributors if c.user_id])))}
    team_names = {team.id: team.name for team in session.scalars(
        select(Team).where(Team.id.in_([c.team_id for c in contributors if c.team_id])))}

    rows = []
    for contributor in contributors:
        cells = []
        for milestone in goal.milestones:
            target = _target_for(goal, contributor, contributors, targets_by_milestone.get(milestone.id, {}))
            result = results.get((contributor.id, milestone.id))
            value = result.value if result else None
            status = result.status if result else status_at(goal.template, None, target, milestone.starts_at,
                                                            milestone.ends_at, now)
            cells.append({
                "milestone": milestone.label,
                "starts_at": milestone.starts_at,
                "ends_at": milestone.ends_at,
                "value": value,
                "target": target,
                "progress": progress_ratio(goal.template, value, target),
                "status": status,
                "sample_count": result.sample_count if result else 0,
                "frozen": milestone.frozen_at is not None,
            })
        name = user_names.get(contributor.user_id) if contributor.kind == "user" else team_names.get(contributor.team_id)
        rows.append({
            "contributor": contributor.id,
            "kind": contributor.kind,
            "user_id": contributor.user_id,
            "team_id": contributor.team_id,
            "team_contributor_id": contributor.team_contributor_id,
            "name": name or "",
            "milestones": cells,
        })
    return {
        "goal": goal.id,
        "template": goal.template,
        "unit": "tickets" if goal.template in COUNT_TEMPLATES else "seconds",
        "contributors": rows,
    }
