"""The read-only overview page: every goal with its contributors' current numbers."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, current_app, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy import or_, select

from .db import transaction
from .links import LinkError, read_link
from .models import Goal, Installation, Membership, User
from .services.progress import progress_document
from .text import format_measure, status_label

blueprint = Blueprint("overview", __name__, template_folder="templates")

LINK_MAX_AGE_SECONDS = 30 * 24 * 3600


def _current_milestone(goal: Goal, now: datetime, requested: str | None):
    """Return the requested milestone, else the one running now, else the latest that started."""
    if requested:
        for milestone in goal.milestones:
            if milestone.label == requested:
                return milestone
    started = [milestone for milestone in goal.milestones if milestone.starts_at <= now]
    running = [milestone for milestone in started if now < milestone.ends_at]
    if running:
        return running[0]
    return started[-1] if started else goal.milestones[0]


def natural_key(name: str) -> list:
    """Sort "Group 2" before "Group 10"."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", name)]


def _visible_to(session, installation_id: int, grant, now: datetime):
    """Return a predicate for the contributor rows an agent may see, or None when every row is visible.

    Admins and managers get every goal. An agent gets their own user goals and the
    team goals of the teams they belong to now. A link naming no known user shows
    nothing.
    """
    if grant.role != "agent":
        return None
    user = session.scalar(select(User).where(User.installation_id == installation_id, User.host_ref == grant.user_ref))
    if user is None:
        return lambda contributor: False
    team_ids = set(session.scalars(select(Membership.team_id).where(
        Membership.user_id == user.id, Membership.valid_from <= now,
        or_(Membership.valid_to.is_(None), Membership.valid_to > now))))
    return lambda contributor: (contributor["user_id"] == user.id if contributor["kind"] == "user"
                                else contributor["team_id"] in team_ids)


@blueprint.get("/overview")
def overview():
    runtime = current_app.extensions["helpdesk_goals"]
    token = request.args.get("token", "")
    try:
        grant = read_link(current_app.config["SECRET_KEY"], token, LINK_MAX_AGE_SECONDS)
    except LinkError as error:
        return render_template("error.html", message=str(error), title=_("This page cannot be shown")), 403

    now = runtime.clock()
    with transaction(runtime.sessions) as session:
        installation = session.get(Installation, grant.installation_id)
        if installation is None:
            message = _("This helpdesk is no longer connected to helpdesk-goals: ask your administrator.")
            return render_template("error.html", message=message, title=_("This page cannot be shown")), 404
        g.installation_locale = installation.locale
        visible = _visible_to(session, installation.id, grant, now)
        goals = session.scalars(select(Goal).where(Goal.installation_id == installation.id).order_by(Goal.id)).all()
        sections = []
        for goal in goals:
            milestone = _current_milestone(goal, now, request.args.get(f"m{goal.id}"))
            document = progress_document(session, goal, now)
            rows = []
            for contributor in document["contributors"]:
                if visible is not None and not visible(contributor):
                    continue
                cell = next(item for item in contributor["milestones"] if item["milestone"] == milestone.label)
                rows.append({
                    "name": contributor["name"],
                    "kind": contributor["kind"],
                    "value": format_measure(document["unit"], cell["value"]),
                    "target": "-" if cell["target"] is None else format_measure(document["unit"], cell["target"]),
                    "progress": "" if cell["progress"] is None else f"{cell['progress'] * 100:.0f}%",
                    "status": cell["status"],
                    "status_label": status_label(cell["status"]),
                    "samples": cell["sample_count"],
                })
            if not rows:
                continue
            rows.sort(key=lambda row: (row["kind"] != "team", natural_key(row["name"])))
            sections.append({"goal": goal, "milestone": milestone, "rows": rows})
        return render_template("overview.html", installation=installation, sections=sections,
                               title=_("Service goals"))
