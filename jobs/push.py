"""Push goal progress back into the helpdesk, after results change.

For Request Tracker each agent with user goals gets one ticket, "Goals: <agent>",
in the installation's goals queue (default "Goals"), with the agent as requestor:

- a private comment contains the current summary whenever it changes, so it shows
  in the ticket history without sending mail;
- a correspondence, which RT mails to the requestor, announces a milestone's
  start, a count target reached, the final result and an at-risk pace, each
  once per goal, contributor, milestone and kind (``SentNotification`` rows).

Texts use the agent's locale (``it``/``en``), else the installation's. The
plugin's RT user is ``helpdesk-goals``, whose transactions the scrip and the
sync skip, so a push never comes back as an event.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from flask import Flask
from flask_babel import Babel, force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from connectors.registry import CONNECTORS
from connectors.rt.sync import DEFAULT_GOALS_QUEUE, GOALS_QUEUE_KEY
from connectors.rt.rest2 import RTApiError, RTClient
from plugin.db import transaction
from plugin.models import ConnectorState, Goal, Installation, Milestone, User
from plugin.models.notifications import SentNotification
from plugin.runtime import Runtime, current
from plugin.services.progress import progress_document
from plugin.text import TEMPLATE_LABELS, format_value, status_label

from .enqueue import enqueue_once

log = logging.getLogger(__name__)

CHANNEL = "rt"
FINAL_KINDS = ("achieved", "exceeded", "missed")
# Average-time goals offer only start, missed and at-risk notifications.
TIME_KINDS = ("start", "missed", "at_risk")

_babel_app: Flask | None = None


def _messages_app() -> Flask:
    """Return a bare app whose Babel reads the plugin's catalogs (``plugin/translations``)."""
    global _babel_app
    if _babel_app is None:
        _babel_app = Flask("plugin")
        Babel(_babel_app)
    return _babel_app


def push_all() -> int:
    """Enqueue a push for every installation whose connector pushes; the daily cron entry.

    It runs after the daily reconcile, which gives ended milestones their final
    status, so the final-result notifications go out the same night.
    """
    runtime = current()
    with transaction(runtime.sessions) as session:
        installations = session.execute(select(Installation.id, Installation.connector)).all()
    pushed = 0
    for installation_id, connector in installations:
        if connector in CONNECTORS and CONNECTORS[connector].supports_push:
            enqueue_push(runtime, installation_id)
            pushed += 1
    return pushed


def enqueue_push(runtime: Runtime, installation_id: int) -> str | None:
    """Enqueue ``push_progress`` under ``push-<installation id>`` when the installation's connector pushes."""
    with transaction(runtime.sessions) as session:
        installation = session.get(Installation, installation_id)
        connector = CONNECTORS.get(installation.connector) if installation else None
        if connector is None or not connector.supports_push:
            return None
    return enqueue_once(runtime, "recompute", push_progress, f"push-{installation_id}", installation_id)


@dataclass
class AgentGoals:
    """One agent's summary lines of the current milestones and the notifications due to them."""

    user: User
    locale: str
    lines: list[str] = field(default_factory=list)
    due: list[tuple[int, int, int, str, str]] = field(default_factory=list)  # goal, contributor, milestone, kind, text


def push_progress(installation_id: int) -> dict[str, int]:
    """Update each agent's goal ticket in RT and send due notifications; return counts.

    Does nothing for an installation without an RT URL or token. A failed RT
    call for one agent is logged and leaves that agent's notifications unsent,
    so the next push retries them. Returns ``{"agents", "comments", "notifications", "failed"}``.
    """
    runtime = current()
    counts = {"agents": 0, "comments": 0, "notifications": 0, "failed": 0}
    with transaction(runtime.sessions) as session:
        installation = session.get(Installation, installation_id)
        if installation is None or installation.connector != "rt":
            return counts
        if not installation.base_url or not installation.host_api_token:
            log.info("push.skipped installation=%s reason=no_rt_url_or_token", installation_id)
            return counts
        client = RTClient(installation.base_url, installation.host_api_token)
        agents = _collect(session, installation, runtime.clock())
        queue = _state(session, installation_id, GOALS_QUEUE_KEY) or DEFAULT_GOALS_QUEUE

    for agent in agents.values():
        counts["agents"] += 1
        try:
            comment_sent, sent = _push_agent(runtime, installation_id, client, queue, agent)
        except RTApiError as error:
            counts["failed"] += 1
            log.error("push.failed installation=%s user=%s error=%s", installation_id, agent.user.host_ref, error)
            continue
        counts["comments"] += comment_sent
        counts["notifications"] += sent
    log.info("push.done installation=%s agents=%s comments=%s notifications=%s failed=%s", installation_id,
             counts["agents"], counts["comments"], counts["notifications"], counts["failed"])
    return counts


def _collect(session, installation: Installation, now) -> dict[int, AgentGoals]:
    """Build each agent's summary lines and due notifications from the stored results."""
    agents: dict[int, AgentGoals] = {}
    goals = session.scalars(select(Goal).where(Goal.installation_id == installation.id).order_by(Goal.id)).all()
    for goal in goals:
        document = progress_document(session, goal, now)
        is_time = document.get("unit") == "seconds"
        for row in document["contributors"]:
            if row["kind"] != "user" or row["user_id"] is None:
                continue
            user = session.get(User, row["user_id"])
            if user is None or not user.active:
                continue
            agent = agents.get(user.id)
            if agent is None:
                locale = user.locale if user.locale in ("it", "en") else installation.locale
                agent = agents[user.id] = AgentGoals(user=user, locale=locale)
                session.expunge(user)
            with _messages_app().app_context(), force_locale(agent.locale):
                for milestone, cell in zip(goal.milestones, row["milestones"]):
                    if milestone.ends_at <= goal.created_at:
                        # Milestones that ended before the goal existed get no notifications.
                        continue
                    in_progress = milestone.starts_at <= now < milestone.ends_at
                    if in_progress:
                        agent.lines.append(_summary_line(goal, cell, agent.locale))
                    for kind in _kinds_due(cell, milestone, now, is_time):
                        text = _notification_text(kind, goal, cell, agent.locale)
                        agent.due.append((goal.id, row["contributor"], milestone.id, kind, text))
    return agents


def _kinds_due(cell: dict, milestone: Milestone, now, is_time: bool) -> list[str]:
    kinds = []
    if milestone.starts_at <= now < milestone.ends_at:
        kinds.append("start")
        progress = cell.get("progress")
        if not is_time and progress is not None and progress >= 1:
            kinds.append("target_reached")
        if cell.get("pace") in ("at_risk", "off_track"):
            kinds.append("at_risk")
    elif now >= milestone.ends_at and cell.get("status") in FINAL_KINDS:
        kinds.append(cell["status"])
    if is_time:
        kinds = [kind for kind in kinds if kind in TIME_KINDS]
    return kinds


def _value_text(goal: Goal, value, locale: str) -> str:
    return format_value(goal.template, value, locale)


def _summary_line(goal: Goal, cell: dict, locale: str) -> str:
    template = TEMPLATE_LABELS.get(goal.template, goal.template)
    return _("- %(goal)s (%(template)s), %(milestone)s: %(value)s of target %(target)s, %(status)s",
             goal=goal.name, template=str(template), milestone=cell["milestone"],
             value=_value_text(goal, cell["value"], locale),
             target=_value_text(goal, cell["target"], locale) if cell["target"] is not None else "-",
             status=status_label(cell["status"]))


def _notification_text(kind: str, goal: Goal, cell: dict, locale: str) -> str:
    values = {"goal": goal.name, "milestone": cell["milestone"], "value": _value_text(goal, cell["value"], locale),
              "target": _value_text(goal, cell["target"], locale) if cell["target"] is not None else "-"}
    if kind == "start":
        return _("Your goal \"%(goal)s\" has started for %(milestone)s. Target: %(target)s.", **values)
    if kind == "target_reached":
        return _("You reached the target of \"%(goal)s\" for %(milestone)s: %(value)s of %(target)s.", **values)
    if kind == "at_risk":
        return _("Your goal \"%(goal)s\" is at risk for %(milestone)s: %(value)s so far, target %(target)s.",
                 **values)
    return _("%(milestone)s of \"%(goal)s\" has ended: %(value)s against a target of %(target)s (%(status)s).",
             status=status_label(kind), **values)


def _push_agent(runtime: Runtime, installation_id: int, client: RTClient, queue: str,
                agent: AgentGoals) -> tuple[int, int]:
    """Update one agent's goal ticket; return (comments posted, notifications sent)."""
    user = agent.user
    with _messages_app().app_context(), force_locale(agent.locale):
        header = _("Goal progress of %(agent)s in the current milestones:", agent=user.name)
        empty = _("No goal milestone is in progress.")
        subject = _("Goals: %(agent)s", agent=user.name)
    summary = "\n".join([header, "", *(agent.lines or [empty])])

    ticket_key = f"rt.goal_ticket.{user.host_ref}"
    summary_key = f"rt.goal_summary.{user.host_ref}"
    with transaction(runtime.sessions) as session:
        ticket_id = _state(session, installation_id, ticket_key)
        last_digest = _state(session, installation_id, summary_key)
    if ticket_id is None:
        # Created open, so that replies never make RT_System open it (a transaction the scrip would post).
        created = client.post("/ticket", json={
            "Queue": queue, "Subject": subject, "Requestor": user.email or user.host_ref, "Status": "open",
            "Content": summary, "ContentType": "text/plain",
        })
        ticket_id = str(created["id"])
        log.info("push.ticket_created installation=%s user=%s ticket=%s", installation_id, user.host_ref, ticket_id)
        with transaction(runtime.sessions) as session:
            _set_state(session, installation_id, ticket_key, ticket_id, runtime.clock())
        last_digest = None

    comments = 0
    digest = hashlib.sha256(summary.encode("utf-8")).hexdigest()
    if digest != last_digest:
        if last_digest is not None:
            client.post(f"/ticket/{ticket_id}/comment", json={"Content": summary, "ContentType": "text/plain"})
            comments = 1
        with transaction(runtime.sessions) as session:
            _set_state(session, installation_id, summary_key, digest, runtime.clock())

    sent = 0
    for goal_id, contributor_id, milestone_id, kind, text in agent.due:
        if _send_once(runtime, installation_id, client, ticket_id, goal_id, contributor_id, milestone_id, kind,
                      f"{text}\n\n{summary}"):
            sent += 1
    return comments, sent


def _send_once(runtime: Runtime, installation_id: int, client: RTClient, ticket_id: str, goal_id: int,
               contributor_id: int, milestone_id: int, kind: str, text: str) -> bool:
    """Reserve the notification's row, post the correspondence, then record it; return whether it was sent.

    No database transaction stays open during the RT call, because RT runs the
    goals scrip inside that call and the scrip posts back to this plugin, whose
    SQLite writes would otherwise wait for this job. A failed call deletes the
    reservation, so the next push tries again.
    NOTE: a crash between the reservation and the RT call loses that notification.
    """
    try:
        with transaction(runtime.sessions) as session:
            row = SentNotification(installation_id=installation_id, goal_id=goal_id, contributor_id=contributor_id,
                                   milestone_id=milestone_id, kind=kind, channel=CHANNEL, sent_at=runtime.clock())
            session.add(row)
            session.flush()
            row_id = row.id
    except IntegrityError:
        return False  # sent before, or reserved by a concurrent push

    try:
        client.post(f"/ticket/{ticket_id}/correspond", json={"Content": text, "ContentType": "text/plain"})
    except RTApiError:
        with transaction(runtime.sessions) as session:
            session.execute(delete(SentNotification).where(SentNotification.id == row_id))
        raise
    with transaction(runtime.sessions) as session:
        session.get(SentNotification, row_id).host_ref = ticket_id
    log.info("push.notified installation=%s goal=%s contributor=%s milestone=%s kind=%s ticket=%s",
             installation_id, goal_id, contributor_id, milestone_id, kind, ticket_id)
    return True


def _state(session, installation_id: int, key: str) -> str | None:
    row = session.get(ConnectorState, (installation_id, key))
    return None if row is None else row.value


def _set_state(session, installation_id: int, key: str, value: str, now) -> None:
    row = session.get(ConnectorState, (installation_id, key))
    if row is None:
        session.add(ConnectorState(installation_id=installation_id, key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
