"""Create, change and delete goals, checking every domain rule at once.

The API validates the shape of a request with marshmallow. This module checks the
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

from flask_babel import gettext as _
from sqlalchemy import delete as sa_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..goals.metrics import CUSTOM_TEMPLATE, PRESETS, Kpi
from ..goals.periods import PeriodError, Span, build_periods
from ..models import (
    Goal,
    GoalAudit,
    GoalContributor,
    GoalPipeline,
    Installation,
    Milestone,
    PendingRecompute,
    Pipeline,
    Result,
    Target,
    Team,
    User,
)
from .compute import TeamResolver

log = logging.getLogger(__name__)

GOAL_ROLES = ("agent", "manager", "admin")

# Every milestone is recomputed on events and has a target per contributor.
# 1,000 covers 19 years of weekly milestones.
MAX_MILESTONES = 1000


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
    if len(periods) > MAX_MILESTONES:
        errors.add("span", f"the span holds {len(periods)} {data['frequency']} milestones; a goal holds at most "
                           f"{MAX_MILESTONES}: shorten the span or choose a longer frequency")
        periods = []

    kpi = _kpi_from(data, errors)
    counts = kpi is not None and kpi.aggregation == "count"
    team_basis = contributors.get("team_basis") or ("per_user" if counts else "team")
    if kind == "teams" and team_basis == "per_user" and kpi is not None and not counts:
        errors.add("contributors.team_basis",
                   _("per_user sums member targets, which only works for counts: use 'team' for the "
                     "%(aggregation)s aggregation", aggregation=kpi.aggregation))

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
        metric=kpi.metric,
        aggregation=kpi.aggregation,
        threshold_seconds=kpi.threshold_seconds,
        filter_priorities=_filter_list(data, "priorities"),
        filter_channels=_filter_list(data, "channels"),
        filter_tags=_filter_list(data, "tags"),
        business_hours=bool(data.get("business_hours", False)),
        exclude_paused=bool(data.get("exclude_paused", False)),
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


def _kpi_from(data: dict[str, Any], errors: _Errors) -> Kpi | None:
    """Return the KPI of a create request: a template's preset, or the custom choice."""
    template = data["template"]
    if template == CUSTOM_TEMPLATE:
        missing = [name for name in ("metric", "aggregation") if not data.get(name)]
        for name in missing:
            errors.add(name, _("a custom goal needs a %(field)s", field=name))
        if missing:
            return None
        kpi = Kpi(data["metric"], data["aggregation"], data.get("threshold_seconds"))
    else:
        kpi = PRESETS[template]
        for name in ("metric", "aggregation", "threshold_seconds"):
            given = data.get(name)
            if given is not None and given != getattr(kpi, name):
                errors.add(name, _("the %(template)s template fixes %(field)s: leave it out, or use the custom "
                                   "template", template=template, field=name))
    problems = kpi.problems()
    for name, message in problems.items():
        errors.add(name, message)
    return None if problems else kpi


def _filter_list(data: dict[str, Any], name: str) -> list[str] | None:
    values = (data.get("filters") or {}).get(name) or []
    return sorted(set(values)) or None


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

    summed_teams = goal.team_basis == "per_user" and goal.aggregation == "count"
    for contributor in goal.contributors:
        if contributor.kind == "team" and summed_teams:
            continue
        missing = [m.label for m in goal.milestones if (contributor.id, m.id) not in cells]
        if missing:
            reason = ""
            if contributor.kind == "user" and contributor.team_contributor_id is not None:
                reason = " (every member of a chosen team gets a user goal of their own)"
            errors.add(f"targets.{contributor.kind}",
                       f"{contributor.kind} {contributor.user_id or contributor.team_id} has no target for "
                       f"{', '.join(missing[:3])}{'...' if len(missing) > 3 else ''}{reason}: "
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
                and goal.aggregation == "count":
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


# Settings a goal accepts after creation, with how each is written to the audit trail.
EDITABLE_SETTINGS = ("name", "response_credit", "include_agent_opened", "include_extra_members", "team_attribution",
                     "business_hours", "exclude_paused", "threshold_seconds", "filter_priorities",
                     "filter_channels", "filter_tags")
# Settings fixed at creation: the milestones, contributors' kind and KPI depend on them.
FIXED_SETTINGS = ("pipelines", "template", "metric", "aggregation", "frequency", "span", "time_zone", "contributors")


def _audit_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def _mark_open_milestones(session: Session, goal: Goal) -> None:
    """Mark every open milestone of the goal for recompute; frozen ones keep their numbers."""
    for milestone in goal.milestones:
        if milestone.frozen_at is None:
            row = session.get(PendingRecompute, milestone.id)
            if row is None:
                session.add(PendingRecompute(milestone_id=milestone.id, installation_id=goal.installation_id,
                                             generation=1))
            else:
                row.generation += 1
    session.flush()


def update_settings(session: Session, goal: Goal, changes: dict[str, Any], actor: str, now: datetime) -> list[str]:
    """Change editable settings, one audit entry per changed field; return the changed fields.

    Raises ``GoalRuleError`` for a fixed setting (pipelines, KPI, frequency, span,
    time zone, contributors' kind), a name already used, or a threshold on a KPI
    that has none. Nothing is written then. A change that alters numbers marks
    the goal's open milestones for recompute.
    """
    errors = _Errors({})
    for name in FIXED_SETTINGS:
        if name in changes:
            if name == "pipelines":
                errors.add(name, _("pipelines cannot change after a goal is created: clone the goal with the "
                                   "new pipelines instead"))
            else:
                errors.add(name, _("%(field)s cannot change after a goal is created: clone the goal and set it "
                                   "there", field=name))
    if "name" in changes and changes["name"] != goal.name:
        taken = session.scalar(select(Goal.id).where(Goal.installation_id == goal.installation_id,
                                                     Goal.name == changes["name"], Goal.id != goal.id))
        if taken is not None:
            errors.add("name", _("a goal named %(name)r already exists: choose another name", name=changes["name"]))
    if "threshold_seconds" in changes:
        problems = Kpi(goal.metric, goal.aggregation, changes["threshold_seconds"]).problems()
        if "threshold_seconds" in problems:
            errors.add("threshold_seconds", problems["threshold_seconds"])
    if "team_attribution" in changes and changes["team_attribution"] not in ("membership", "ticket_team"):
        errors.add("team_attribution", _("use membership or ticket_team"))
    errors.raise_if_any()

    changed = []
    for name in EDITABLE_SETTINGS:
        if name not in changes:
            continue
        new = changes[name]
        if name.startswith("filter_"):
            new = sorted(set(new or [])) or None
        old = getattr(goal, name)
        if old == new:
            continue
        setattr(goal, name, new)
        _audit(session, goal, actor, now, name, _audit_text(old), _audit_text(new))
        changed.append(name)
    if set(changed) - {"name"}:
        _mark_open_milestones(session, goal)
    session.flush()
    return changed


def clone_goal(session: Session, goal: Goal, name: str, actor: str, now: datetime) -> Goal:
    """Copy a goal with its settings, pipelines, contributors, milestones and targets under a new name.

    The audit trail and computed results are not copied; the clone's trail starts
    with one entry naming its source. Raises ``GoalRuleError`` when the name is taken.
    """
    taken = session.scalar(select(Goal.id).where(Goal.installation_id == goal.installation_id, Goal.name == name))
    if taken is not None:
        raise GoalRuleError({"name": [_("a goal named %(name)r already exists: choose another name", name=name)]})

    copied = Goal(
        installation_id=goal.installation_id, name=name, template=goal.template, frequency=goal.frequency,
        span_kind=goal.span_kind, span_year=goal.span_year, span_start=goal.span_start, span_end=goal.span_end,
        time_zone=goal.time_zone, contributor_kind=goal.contributor_kind,
        include_extra_members=goal.include_extra_members, team_basis=goal.team_basis,
        team_attribution=goal.team_attribution, response_credit=goal.response_credit,
        include_agent_opened=goal.include_agent_opened, metric=goal.metric, aggregation=goal.aggregation,
        threshold_seconds=goal.threshold_seconds, filter_priorities=goal.filter_priorities,
        filter_channels=goal.filter_channels, filter_tags=goal.filter_tags, business_hours=goal.business_hours,
        exclude_paused=goal.exclude_paused, created_by=actor, created_at=now,
    )
    session.add(copied)
    for row in goal.pipelines:
        copied.pipelines.append(GoalPipeline(pipeline_id=row.pipeline_id))
    milestone_map = {}
    for milestone in goal.milestones:
        new_milestone = Milestone(position=milestone.position, label=milestone.label,
                                  starts_at=milestone.starts_at, ends_at=milestone.ends_at)
        copied.milestones.append(new_milestone)
        milestone_map[milestone.id] = new_milestone
    contributor_map = {}
    for contributor in goal.contributors:
        if contributor.team_contributor_id is None:
            new_contributor = GoalContributor(kind=contributor.kind, user_id=contributor.user_id,
                                              team_id=contributor.team_id)
            copied.contributors.append(new_contributor)
            contributor_map[contributor.id] = new_contributor
    session.flush()
    for contributor in goal.contributors:
        if contributor.team_contributor_id is not None:
            new_contributor = GoalContributor(kind=contributor.kind, user_id=contributor.user_id,
                                              team_id=contributor.team_id,
                                              team_contributor_id=contributor_map[contributor.team_contributor_id].id)
            copied.contributors.append(new_contributor)
            contributor_map[contributor.id] = new_contributor
    session.flush()
    for target in session.scalars(select(Target).where(Target.goal_id == goal.id)):
        session.add(Target(goal_id=copied.id, contributor_id=contributor_map[target.contributor_id].id,
                           milestone_id=milestone_map[target.milestone_id].id, value=target.value))
    session.flush()
    _audit(session, copied, actor, now, "goal", None, json.dumps({"name": name, "cloned_from": goal.id}))
    log.info("goal.cloned installation=%s goal=%s source=%s", goal.installation_id, copied.id, goal.id)
    return copied


def add_contributor(session: Session, goal: Goal, data: dict[str, Any], actor: str, now: datetime) -> GoalContributor:
    """Add one user to a goal, with a target for every milestone.

    ``data`` names ``user``, optionally ``team`` (a team contributor id, required
    in a teams goal: the user joins that team's goals), and ``target`` for every
    milestone or ``targets`` as ``{milestone label: value}``. Raises
    ``GoalRuleError`` with every problem; nothing is written then.
    """
    errors = _Errors({})
    user = session.get(User, data["user"])
    if user is None or user.installation_id != goal.installation_id:
        errors.add("user", _("no user with id %(id)s in this installation", id=data["user"]))
    elif user.role not in GOAL_ROLES:
        errors.add("user", _("user %(id)s is a %(role)s: goals are for agents, managers and admins",
                             id=user.id, role=user.role))
    if any(c.kind == "user" and c.user_id == data["user"] for c in goal.contributors):
        errors.add("user", _("user %(id)s is already a contributor of this goal", id=data["user"]))

    team_row = None
    if goal.contributor_kind == "teams":
        team_row = next((c for c in goal.contributors if c.kind == "team" and c.id == data.get("team")), None)
        if team_row is None:
            errors.add("team", _("name the team contributor the user joins: one of %(ids)s",
                                 ids=", ".join(str(c.id) for c in goal.contributors if c.kind == "team")))
    elif data.get("team") is not None:
        errors.add("team", _("this goal has users only: leave team out"))

    labels = {milestone.label: milestone for milestone in goal.milestones}
    per_milestone = dict(data.get("targets") or {})
    for label in per_milestone:
        if label not in labels:
            errors.add("targets", _("milestone %(label)r is not part of this goal", label=label))
    default = data.get("target")
    missing = [label for label in labels if label not in per_milestone and default is None]
    if missing:
        errors.add("target", _("give target for every milestone, or targets for %(labels)s",
                               labels=", ".join(missing[:3]) + ("..." if len(missing) > 3 else "")))
    errors.raise_if_any()

    contributor = GoalContributor(kind="user", user_id=user.id, team_contributor_id=team_row.id if team_row else None)
    goal.contributors.append(contributor)
    session.flush()
    for label, milestone in labels.items():
        value = per_milestone.get(label, default)
        session.add(Target(goal_id=goal.id, contributor_id=contributor.id, milestone_id=milestone.id,
                           value=float(value)))
    _audit(session, goal, actor, now, "contributors", None, f"user {user.id}")
    _mark_open_milestones(session, goal)
    return contributor


def delete_contributors(session: Session, goal: Goal, contributor_ids: list[int], actor: str,
                        now: datetime) -> bool:
    """Delete the chosen contributors' goals; return True when that left none and the goal was deleted.

    Deleting a team contributor deletes its members' user goals too. Raises
    ``GoalRuleError`` naming ids that are not contributors of the goal.
    """
    by_id = {contributor.id: contributor for contributor in goal.contributors}
    unknown = [item for item in contributor_ids if item not in by_id]
    if unknown:
        raise GoalRuleError({"contributors": [_("contributor %(id)s is not part of goal %(goal)s",
                                                id=item, goal=goal.id) for item in unknown]})
    doomed = set(contributor_ids)
    doomed |= {c.id for c in goal.contributors if c.team_contributor_id in doomed}
    if doomed == set(by_id):
        delete_goal(session, goal, actor, now)
        return True
    # Members go before their team row, because the team row's deletion would cascade to them in the database.
    for contributor_id in sorted(doomed, key=lambda item: by_id[item].team_contributor_id is None):
        contributor = by_id[contributor_id]
        label = f"{contributor.kind} {contributor.user_id or contributor.team_id}"
        _audit(session, goal, actor, now, "contributors", label, None)
        session.execute(sa_delete(Target).where(Target.contributor_id == contributor_id))
        session.execute(sa_delete(Result).where(Result.contributor_id == contributor_id))
        session.execute(sa_delete(GoalContributor).where(GoalContributor.id == contributor_id))
    session.flush()
    session.expire(goal, ["contributors"])
    _mark_open_milestones(session, goal)
    return False
