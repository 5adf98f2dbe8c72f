"""Create, change and delete goals, checking every domain rule at once.

The API validates the shape of a request with marshmallow; this module checks the
rules that need the database (names, ids, targets per milestone) and raises
``GoalRuleError`` with every problem found, keyed by field.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..goals.metrics import COUNT_TEMPLATES, TEMPLATES
from ..goals.periods import PeriodError, Span, build_periods
from ..models import (
    Goal,
    GoalAudit,
    GoalContributor,
    GoalPipeline,
    Installation,
    Milestone,
    Pipeline,
    Target,
    Team,
    User,
)
from .compute import TeamResolver

log = logging.getLogger(__name__)

GOAL_ROLES = ("agent", "manager", "admin")


class GoalRuleError(ValueError):
    """A goal request breaks domain rules; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors))
        super().__init__(f"{first}: {errors[first][0]}")
        self.errors = errors


class GoalNotFound(LookupError):
    """No goal with that id exists in the caller's installation."""


@dataclass
class _Errors:
    found: dict[str, list[str]]

    def add(self, field: str, message: str) -> None:
        self.found.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.found:
            raise GoalRuleError(self.found)


def _span_from(data: dict[str, Any]) -> Span:
    return Span(kind=data["kind"], year=data.get("year"), start=data.get("start"), end=data.get("end"))


def _member_users(session: Session, team_ids: list[int], include_extra: bool, at: datetime) -> dict[int, list[int]]:
    """Return each team's members for a teams goal: every user counted in exactly one team."""
    resolver = TeamResolver(session, set(team_ids), include_extra)
    members: dict[int, list[int]] = {team_id: [] for team_id in team_ids}
    for user_id in sorted(resolver.rows):
        team_id = resolver.team_of(user_id, at)
        if team_id is not None:
            members[team_id].append(user_id)
    return members


def create_goal(session: Session, installation: Installation, data: dict[str, Any], actor: str,
                now: datetime) -> Goal:
    """Create a goal with its contributors, milestones and targets in the caller's transaction.

    ``data`` is the loaded request (see ``plugin.api.schemas.GoalCreateSchema``).
    Raises ``GoalRuleError`` with every broken rule; nothing is written then.
    """
    errors = _Errors({})
    template = data["template"]
    contributors = data["contributors"]
    kind = contributors["kind"]

    duplicate = session.scalar(
        select(Goal.id).where(Goal.installation_id == installation.id, Goal.name == data["name"])
    )
    if duplicate is not None:
        errors.add("name", f"a goal named {data['name']!r} already exists: choose another name")

    time_zone = data.get("time_zone") or installation.time_zone
    try:
        ZoneInfo(time_zone)
    except (KeyError, ValueError):
        errors.add("time_zone", f"time zone {time_zone!r} is unknown: use an IANA name such as Europe/Rome")
        time_zone = installation.time_zone

    periods = []
    try:
        periods = build_periods(data["frequency"], _span_from(data["span"]), time_zone,
                                installation.fiscal_year_start_month, installation.week_start)
    except PeriodError as error:
        errors.add("span", str(error))

    team_basis = contributors.get("team_basis") or ("per_user" if template in COUNT_TEMPLATES else "team")
    if kind == "teams" and team_basis == "per_user" and template not in COUNT_TEMPLATES:
        errors.add("contributors.team_basis",
                   f"per_user sums member targets, which only works for counts: use 'team' for {template}")

    users: list[User] = []
    teams: list[Team] = []
    if kind == "users":
        requested = contributors.get("users") or []
        if not requested:
            errors.add("contributors.users", "choose at least one user")
        users = _load_owned(session, User, installation.id, requested, "contributors.users", errors)
        for user in users:
            if user.role not in GOAL_ROLES:
                errors.add("contributors.users", f"user {user.id} is a {user.role}: goals are for agents, managers and admins")
    else:
        requested = contributors.get("teams") or []
        if not requested:
            errors.add("contributors.teams", "choose at least one team")
        teams = _load_owned(session, Team, installation.id, requested, "contributors.teams", errors)

    pipelines = _load_owned(session, Pipeline, installation.id, data.get("pipelines") or [], "pipelines", errors)
    errors.raise_if_any()

    goal = Goal(
        installation_id=installation.id,
        name=data["name"],
        template=template,
        frequency=data["frequency"],
        span_kind=data["span"]["kind"],
        span_year=data["span"].get("year"),
        span_start=data["span"].get("start"),
        span_end=data["span"].get("end"),
        time_zone=data.get("time_zone"),
        contributor_kind=kind,
        include_extra_members=bool(contributors.get("include_extra_members", False)),
        team_basis=team_basis,
        team_attribution=contributors.get("team_attribution") or "membership",
        response_credit=data.get("response_credit") or "responder",
        include_agent_opened=bool(data.get("include_agent_opened", False)),
        created_by=actor,
        created_at=now,
    )
    session.add(goal)
    for pipeline in pipelines:
        goal.pipelines.append(GoalPipeline(pipeline_id=pipeline.id))
    for position, period in enumerate(periods):
        goal.milestones.append(Milestone(position=position, label=period.label,
                                         starts_at=period.starts_at, ends_at=period.ends_at))

    if kind == "users":
        for user in users:
            goal.contributors.append(GoalContributor(kind="user", user_id=user.id))
    else:
        members = _member_users(session, [team.id for team in teams], goal.include_extra_members, now)
        for team in teams:
            team_row = GoalContributor(kind="team", team_id=team.id)
            goal.contributors.append(team_row)
            session.flush()
            for user_id in members[team.id]:
                goal.contributors.append(GoalContributor(kind="user", user_id=user_id, team_contributor_id=team_row.id))
    session.flush()

    _apply_initial_targets(session, goal, data.get("targets") or {}, errors)
    errors.raise_if_any()

    _audit(session, goal, actor, now, "goal", None, json.dumps({"name": goal.name, "template": template}))
    log.info("goal.created installation=%s goal=%s template=%s milestones=%s contributors=%s",
             installation.id, goal.id, template, len(goal.milestones), len(goal.contributors))
    return goal


def _load_owned(session: Session, model, installation_id: int, ids: list[int], field: str, errors: _Errors) -> list:
    """Return the rows with these ids in the installation; report each missing id."""
    if not ids:
        return []
    rows = {row.id: row for row in session.scalars(
        select(model).where(model.installation_id == installation_id, model.id.in_(sorted(set(ids)))))}
    for missing in sorted(set(ids) - set(rows)):
        errors.add(field, f"no {model.__tablename__[:-1]} with id {missing} in this installation")
    return [rows[item] for item in dict.fromkeys(ids) if item in rows]


def _apply_initial_targets(session: Session, goal: Goal, targets: dict[str, Any], errors: _Errors) -> None:
    """Create one target per contributor and milestone from defaults, then per-milestone overrides.

    ``targets["user"]`` and ``targets["team"]`` apply to every milestone (the
    "apply to all milestones" action); ``targets["milestones"]`` overrides single
    cells. Every contributor needs a target for every milestone, except teams whose
    target is the sum of their members' targets.
    """
    milestone_by_label = {milestone.label: milestone for milestone in goal.milestones}
    cells: dict[tuple[int, int], float] = {}

    for contributor in goal.contributors:
        default = targets.get(contributor.kind)
        if default is None:
            continue
        for milestone in goal.milestones:
            cells[(contributor.id, milestone.id)] = float(default)

    by_user = {c.user_id: c for c in goal.contributors if c.kind == "user"}
    by_team = {c.team_id: c for c in goal.contributors if c.kind == "team"}
    for index, override in enumerate(targets.get("milestones") or []):
        field = f"targets.milestones[{index}]"
        milestone = milestone_by_label.get(override["milestone"])
        if milestone is None:
            errors.add(field, f"milestone {override['milestone']!r} is not part of this goal: use one of "
                              f"{', '.join(list(milestone_by_label)[:6])}{'...' if len(milestone_by_label) > 6 else ''}")
            continue
        contributor = by_user.get(override.get("user")) if override.get("user") is not None else by_team.get(override.get("team"))
        if contributor is None:
            errors.add(field, "the user or team is not a contributor of this goal")
            continue
        cells[(contributor.id, milestone.id)] = float(override["value"])

    summed_teams = goal.team_basis == "per_user" and goal.template in COUNT_TEMPLATES
    for contributor in goal.contributors:
        if contributor.kind == "team" and summed_teams:
            continue
        missing = [m.label for m in goal.milestones if (contributor.id, m.id) not in cells]
        if missing:
            errors.add(f"targets.{contributor.kind}",
                       f"{contributor.kind} {contributor.user_id or contributor.team_id} has no target for "
                       f"{', '.join(missing[:3])}{'...' if len(missing) > 3 else ''}: "
                       f"give targets.{contributor.kind} for all milestones or one override per milestone")

    if errors.found:
        return
    for (contributor_id, milestone_id), value in cells.items():
        session.add(Target(goal_id=goal.id, contributor_id=contributor_id, milestone_id=milestone_id, value=value))
    session.flush()


def update_targets(session: Session, goal: Goal, changes: list[dict[str, Any]], actor: str, now: datetime) -> int:
    """Set single targets; ``changes`` items name a ``contributor`` id, a ``milestone`` label and a ``value``.

    Every change is checked before any is written, and each written change leaves
    an audit entry with the old and new value. Returns the number of changed cells.
    """
    errors = _Errors({})
    contributors = {c.id: c for c in goal.contributors}
    milestones = {m.label: m for m in goal.milestones}
    resolved = []
    for index, change in enumerate(changes):
        field = f"targets[{index}]"
        contributor = contributors.get(change["contributor"])
        milestone = milestones.get(change["milestone"])
        if contributor is None:
            errors.add(field, f"contributor {change['contributor']} is not part of goal {goal.id}")
        if milestone is None:
            errors.add(field, f"milestone {change['milestone']!r} is not part of goal {goal.id}")
        if contributor is not None and contributor.kind == "team" and goal.team_basis == "per_user" \
                and goal.template in COUNT_TEMPLATES:
            errors.add(field, "this team's target is the sum of its members' targets: change the members' targets")
        if contributor is not None and milestone is not None:
            resolved.append((contributor, milestone, float(change["value"])))
    errors.raise_if_any()

    changed = 0
    for contributor, milestone, value in resolved:
        row = session.scalar(select(Target).where(Target.contributor_id == contributor.id,
                                                  Target.milestone_id == milestone.id))
        old = row.value if row is not None else None
        if old == value:
            continue
        if row is None:
            session.add(Target(goal_id=goal.id, contributor_id=contributor.id, milestone_id=milestone.id, value=value))
        else:
            row.value = value
        _audit(session, goal, actor, now, f"target[contributor={contributor.id},milestone={milestone.label}]",
               None if old is None else _number(old), _number(value))
        changed += 1
    session.flush()
    return changed


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def delete_goal(session: Session, goal: Goal, actor: str, now: datetime) -> None:
    """Delete the goal with its milestones, targets and results; the audit entry stays."""
    _audit(session, goal, actor, now, "goal", goal.name, None)
    session.flush()
    for entry in session.scalars(select(GoalAudit).where(GoalAudit.goal_id == goal.id)):
        entry.goal_id = None
    session.delete(goal)
    log.info("goal.deleted installation=%s goal=%s", goal.installation_id, goal.id)


def _audit(session: Session, goal: Goal, actor: str, now: datetime, field: str, old: str | None,
           new: str | None) -> None:
    session.add(GoalAudit(installation_id=goal.installation_id, goal_id=goal.id, actor=actor, at=now,
                          field=field, old_value=old, new_value=new))


def get_goal(session: Session, installation_id: int, goal_id: int) -> Goal:
    """Return the goal if it belongs to the installation; raise ``GoalNotFound`` otherwise."""
    goal = session.get(Goal, goal_id)
    if goal is None or goal.installation_id != installation_id:
        raise GoalNotFound(f"goal {goal_id} not found in this installation")
    return goal


def span_dates(goal: Goal) -> dict[str, Any]:
    span: dict[str, Any] = {"kind": goal.span_kind}
    if goal.span_kind in ("year", "fiscal_year"):
        span["year"] = goal.span_year
    else:
        span["start"] = goal.span_start.isoformat() if isinstance(goal.span_start, date) else None
        span["end"] = goal.span_end.isoformat() if isinstance(goal.span_end, date) else None
    return span
