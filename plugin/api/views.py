"""JSON API views. Every query is scoped to the installation of the caller's token."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from connectors.registry import CONNECTORS
from jobs.enqueue import enqueue_once
from jobs.recompute import recompute_goal, recompute_pending

from ..db import transaction
from ..goals.metrics import DIRECTIONS, TEMPLATES, UNITS
from ..goals.periods import FREQUENCIES
from ..models import BusinessCalendarRow, Goal, GoalAudit, GoalContributor, Installation, Membership, Pipeline, Team, User
from ..services.calendars import CalendarNotFound, create_calendar, delete_calendar, get_calendar, update_calendar
from ..services.goals import (
    GoalNotFound,
    GoalRuleError,
    add_contributor,
    clone_goal,
    create_goal,
    delete_contributors,
    delete_goal,
    get_goal,
    span_dates,
    update_settings,
    update_targets,
)
from ..services.installations import InstallationSettingError, create_installation
from ..services.progress import progress_document
from .auth import require_admin, require_installation
from .openapi import build_document
from .errors import ApiError, BadRequest, NotFound, Unprocessable, flatten_messages
from .schemas import (
    AuditSchema,
    CalendarCreateSchema,
    CalendarSchema,
    ContributorAddSchema,
    ContributorDeleteSchema,
    ContributorSchema,
    GoalCloneSchema,
    GoalCreateSchema,
    GoalSchema,
    GoalUpdateSchema,
    InstallationCreateSchema,
    InstallationSchema,
    PipelineSchema,
    ProgressSchema,
    TargetChangesSchema,
    TeamSchema,
    UserSchema,
)

log = logging.getLogger(__name__)

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error.response()


def _runtime():
    return current_app.extensions["helpdesk_goals"]


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the body must be JSON with Content-Type: application/json")
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _load(schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        fields = flatten_messages(error.messages)
        first = next(iter(fields))
        raise Unprocessable(f"{first}: {fields[first][0]}", fields) from None


def _page() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        size = int(request.args.get("per_page", 50))
    except ValueError:
        raise BadRequest("page and per_page must be whole numbers") from None
    if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page={page} per_page={size} is out of range: use page 1 to {MAX_PAGE} "
                         f"and per_page 1 to {MAX_PAGE_SIZE}")
    return page, size


def _paginated(session, query, schema, transform=None):
    page, size = _page()
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.limit(size).offset((page - 1) * size)).all()
    items = [transform(row) for row in rows] if transform else rows
    return jsonify({"items": schema.dump(items, many=True), "page": page, "per_page": size, "total": total})


# Installations


@blueprint.post("/installations")
@require_admin
def installations_create():
    data = _load(InstallationCreateSchema(), _json_body())
    if data["connector"] not in CONNECTORS:
        raise Unprocessable(f"connector: {data['connector']!r} is unknown: use one of {', '.join(sorted(CONNECTORS))}",
                            {"connector": [f"use one of {', '.join(sorted(CONNECTORS))}"]})
    try:
        with transaction(_runtime().sessions) as session:
            created = create_installation(session, **data)
            body = InstallationSchema().dump(created.installation)
    except InstallationSettingError as error:
        raise Unprocessable(str(error), error.errors) from None
    body["api_token"] = created.api_token
    body["webhook_secret"] = created.webhook_secret
    return jsonify(body), 201


@blueprint.get("/installations")
@require_installation
def installations_list():
    with transaction(_runtime().sessions) as session:
        installation = session.get(Installation, g.installation_id)
        return jsonify({"items": [InstallationSchema().dump(installation)], "page": 1, "per_page": 1, "total": 1})


@blueprint.get("/installations/<int:installation_id>")
@require_installation
def installations_read(installation_id: int):
    if installation_id != g.installation_id:
        raise NotFound(f"installation {installation_id} not found for this token")
    with transaction(_runtime().sessions) as session:
        return jsonify(InstallationSchema().dump(session.get(Installation, installation_id)))


# Directory: users, teams, pipelines


@blueprint.get("/users")
@require_installation
def users_list():
    query = select(User).where(User.installation_id == g.installation_id).order_by(User.id)
    role = request.args.get("role")
    if role:
        query = query.where(User.role == role)
    with transaction(_runtime().sessions) as session:
        return _paginated(session, query, UserSchema())


@blueprint.get("/users/<int:user_id>")
@require_installation
def users_read(user_id: int):
    with transaction(_runtime().sessions) as session:
        user = session.get(User, user_id)
        if user is None or user.installation_id != g.installation_id:
            raise NotFound(f"user {user_id} not found in this installation")
        return jsonify(UserSchema().dump(user))


@blueprint.get("/teams")
@require_installation
def teams_list():
    query = select(Team).where(Team.installation_id == g.installation_id).order_by(Team.id)
    with transaction(_runtime().sessions) as session:
        return _paginated(session, query, TeamSchema())


@blueprint.get("/teams/<int:team_id>")
@require_installation
def teams_read(team_id: int):
    with transaction(_runtime().sessions) as session:
        team = session.get(Team, team_id)
        if team is None or team.installation_id != g.installation_id:
            raise NotFound(f"team {team_id} not found in this installation")
        members = [
            {"user_id": row.user_id, "kind": row.kind, "valid_from": row.valid_from.isoformat(),
             "valid_to": row.valid_to.isoformat() if row.valid_to else None}
            for row in session.scalars(select(Membership).where(Membership.team_id == team_id).order_by(Membership.id))
        ]
        body = TeamSchema().dump(team)
        body["members"] = members
        return jsonify(body)


@blueprint.get("/pipelines")
@require_installation
def pipelines_list():
    query = select(Pipeline).where(Pipeline.installation_id == g.installation_id).order_by(Pipeline.id)
    with transaction(_runtime().sessions) as session:
        return _paginated(session, query, PipelineSchema())


@blueprint.get("/pipelines/<int:pipeline_id>")
@require_installation
def pipelines_read(pipeline_id: int):
    with transaction(_runtime().sessions) as session:
        pipeline = session.get(Pipeline, pipeline_id)
        if pipeline is None or pipeline.installation_id != g.installation_id:
            raise NotFound(f"pipeline {pipeline_id} not found in this installation")
        return jsonify(PipelineSchema().dump(pipeline))


# Goals


def _goal_view(goal: Goal) -> dict:
    return {
        "id": goal.id, "name": goal.name, "template": goal.template, "frequency": goal.frequency,
        "span": span_dates(goal), "time_zone": goal.time_zone, "contributor_kind": goal.contributor_kind,
        "include_extra_members": goal.include_extra_members, "team_basis": goal.team_basis,
        "team_attribution": goal.team_attribution, "response_credit": goal.response_credit,
        "include_agent_opened": goal.include_agent_opened,
        "metric": goal.metric, "aggregation": goal.aggregation, "direction": DIRECTIONS[goal.aggregation],
        "unit": UNITS[goal.aggregation], "threshold_seconds": goal.threshold_seconds,
        "filters": {"priorities": goal.filter_priorities or [], "channels": goal.filter_channels or [],
                    "tags": goal.filter_tags or []},
        "business_hours": goal.business_hours, "exclude_paused": goal.exclude_paused,
        "pipelines": [row.pipeline_id for row in goal.pipelines], "created_by": goal.created_by,
        "created_at": goal.created_at, "milestones": goal.milestones, "contributors": goal.contributors,
    }


def _actor() -> str:
    return request.headers.get("X-Goals-Actor") or "api"


def _load_goal(session, goal_id: int) -> Goal:
    try:
        return get_goal(session, g.installation_id, goal_id)
    except GoalNotFound as error:
        raise NotFound(str(error)) from None


@blueprint.post("/goals")
@require_installation
def goals_create():
    data = _load(GoalCreateSchema(), _json_body())
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            installation = session.get(Installation, g.installation_id)
            goal = create_goal(session, installation, data, _actor(), runtime.clock())
            goal_id = goal.id
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None

    enqueue_once(runtime, "recompute", recompute_goal, f"goal-{goal_id}", goal_id)
    with transaction(runtime.sessions) as session:
        goal = session.get(Goal, goal_id)
        return jsonify(GoalSchema().dump(_goal_view(goal))), 201


@blueprint.get("/goals")
@require_installation
def goals_list():
    query = select(Goal).where(Goal.installation_id == g.installation_id).order_by(Goal.id)
    template = request.args.get("template")
    if template:
        if template not in TEMPLATES:
            raise BadRequest(f"template {template!r} is unknown: use one of {', '.join(TEMPLATES)}")
        query = query.where(Goal.template == template)
    frequency = request.args.get("frequency")
    if frequency:
        if frequency not in FREQUENCIES:
            raise BadRequest(f"frequency {frequency!r} is unknown: use one of {', '.join(FREQUENCIES)}")
        query = query.where(Goal.frequency == frequency)
    name = request.args.get("name")
    if name:
        query = query.where(Goal.name.ilike(f"%{name}%"))
    for arg, column in (("user", GoalContributor.user_id), ("team", GoalContributor.team_id)):
        value = request.args.get(arg)
        if value:
            if not value.isdigit() or len(value) > 18:
                raise BadRequest(f"{arg} must be a numeric id, got {value!r}")
            query = query.where(Goal.id.in_(select(GoalContributor.goal_id).where(column == int(value))))
    with transaction(_runtime().sessions) as session:
        return _paginated(session, query, GoalSchema(), _goal_view)


@blueprint.get("/goals/<int:goal_id>")
@require_installation
def goals_read(goal_id: int):
    with transaction(_runtime().sessions) as session:
        return jsonify(GoalSchema().dump(_goal_view(_load_goal(session, goal_id))))


@blueprint.patch("/goals/<int:goal_id>")
@require_installation
def goals_update(goal_id: int):
    data = _load(GoalUpdateSchema(), _json_body())
    filters = data.pop("filters", None)
    if filters is not None:
        for name in ("priorities", "channels", "tags"):
            data[f"filter_{name}"] = filters.get(name) or []
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            goal = _load_goal(session, goal_id)
            changed = update_settings(session, goal, data, _actor(), runtime.clock())
            body = GoalSchema().dump(_goal_view(goal))
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None
    if set(changed) - {"name"}:
        enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{g.installation_id}", g.installation_id)
    return jsonify(body)


@blueprint.post("/goals/<int:goal_id>/clone")
@require_installation
def goals_clone(goal_id: int):
    data = _load(GoalCloneSchema(), _json_body())
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            goal = _load_goal(session, goal_id)
            name = data.get("name") or _("%(name)s (copy)", name=goal.name)
            copied = clone_goal(session, goal, name, _actor(), runtime.clock())
            copied_id = copied.id
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None
    enqueue_once(runtime, "recompute", recompute_goal, f"goal-{copied_id}", copied_id)
    with transaction(runtime.sessions) as session:
        return jsonify(GoalSchema().dump(_goal_view(session.get(Goal, copied_id)))), 201


@blueprint.post("/goals/<int:goal_id>/contributors")
@require_installation
def goals_contributor_add(goal_id: int):
    data = _load(ContributorAddSchema(), _json_body())
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            goal = _load_goal(session, goal_id)
            contributor = add_contributor(session, goal, data, _actor(), runtime.clock())
            body = ContributorSchema().dump(contributor)
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None
    enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{g.installation_id}", g.installation_id)
    return jsonify(body), 201


@blueprint.delete("/goals/<int:goal_id>/contributors")
@require_installation
def goals_contributor_delete(goal_id: int):
    data = _load(ContributorDeleteSchema(), _json_body())
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            goal = _load_goal(session, goal_id)
            goal_deleted = delete_contributors(session, goal, data["contributors"], _actor(), runtime.clock())
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None
    if not goal_deleted:
        enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{g.installation_id}", g.installation_id)
    return jsonify({"goal_deleted": goal_deleted})


@blueprint.put("/goals/<int:goal_id>/targets")
@require_installation
def goals_targets(goal_id: int):
    data = _load(TargetChangesSchema(), _json_body())
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            goal = _load_goal(session, goal_id)
            changed = update_targets(session, goal, data["targets"], _actor(), runtime.clock())
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None
    if changed:
        enqueue_once(runtime, "recompute", recompute_goal, f"goal-{goal_id}", goal_id)
    return jsonify({"changed": changed})


@blueprint.delete("/goals/<int:goal_id>")
@require_installation
def goals_delete(goal_id: int):
    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        delete_goal(session, _load_goal(session, goal_id), _actor(), runtime.clock())
    return "", 204


@blueprint.get("/goals/<int:goal_id>/progress")
@require_installation
def goals_progress(goal_id: int):
    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        goal = _load_goal(session, goal_id)
        return jsonify(ProgressSchema().dump(progress_document(session, goal, runtime.clock())))


@blueprint.get("/goals/<int:goal_id>/audit")
@require_installation
def goals_audit(goal_id: int):
    with transaction(_runtime().sessions) as session:
        _load_goal(session, goal_id)
        query = select(GoalAudit).where(GoalAudit.goal_id == goal_id).order_by(GoalAudit.id)
        return _paginated(session, query, AuditSchema())


# Business calendars


def _calendar_data(data: dict) -> dict:
    data["custom_holidays"] = [day.isoformat() for day in data.get("custom_holidays") or []]
    return data


def _load_calendar(session, calendar_id: int) -> BusinessCalendarRow:
    try:
        return get_calendar(session, g.installation_id, calendar_id)
    except CalendarNotFound as error:
        raise NotFound(str(error)) from None


@blueprint.get("/calendars")
@require_installation
def calendars_list():
    query = select(BusinessCalendarRow).where(BusinessCalendarRow.installation_id == g.installation_id) \
        .order_by(BusinessCalendarRow.id)
    with transaction(_runtime().sessions) as session:
        return _paginated(session, query, CalendarSchema())


@blueprint.post("/calendars")
@require_installation
def calendars_create():
    data = _calendar_data(_load(CalendarCreateSchema(), _json_body()))
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            body = CalendarSchema().dump(create_calendar(session, g.installation_id, data, runtime.clock()))
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None
    enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{g.installation_id}", g.installation_id)
    return jsonify(body), 201


@blueprint.get("/calendars/<int:calendar_id>")
@require_installation
def calendars_read(calendar_id: int):
    with transaction(_runtime().sessions) as session:
        return jsonify(CalendarSchema().dump(_load_calendar(session, calendar_id)))


@blueprint.put("/calendars/<int:calendar_id>")
@require_installation
def calendars_update(calendar_id: int):
    data = _calendar_data(_load(CalendarCreateSchema(), _json_body()))
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            row = _load_calendar(session, calendar_id)
            update_calendar(session, row, data, runtime.clock())
            body = CalendarSchema().dump(row)
    except GoalRuleError as error:
        raise Unprocessable(str(error), error.errors) from None
    enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{g.installation_id}", g.installation_id)
    return jsonify(body)


@blueprint.delete("/calendars/<int:calendar_id>")
@require_installation
def calendars_delete(calendar_id: int):
    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        delete_calendar(session, _load_calendar(session, calendar_id))
    enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{g.installation_id}", g.installation_id)
    return "", 204


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(build_document(current_app))
