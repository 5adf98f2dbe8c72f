"""Create, change and delete business calendars, and recompute the goals that use them."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..goals.calendar import BusinessCalendar, CalendarError
from ..models import BusinessCalendarRow, Goal, Milestone, PendingRecompute, Team
from .goals import GoalRuleError

log = logging.getLogger(__name__)


class CalendarNotFound(LookupError):
    """No calendar with that id exists in the caller's installation."""


def _check(session: Session, installation_id: int, data: dict[str, Any], calendar_id: int | None) -> None:
    """Raise ``GoalRuleError`` with every invalid setting of a calendar request."""
    errors: dict[str, list[str]] = {}
    try:
        BusinessCalendar.from_settings(data["time_zone"], data["weekly_hours"], data.get("country"),
                                       data.get("subdivision"), data.get("custom_holidays"))
    except CalendarError as error:
        errors.setdefault("weekly_hours", []).append(str(error))
    team_id = data.get("team")
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None or team.installation_id != installation_id:
            errors.setdefault("team", []).append(_("no team with id %(id)s in this installation", id=team_id))
    clash = session.scalar(select(BusinessCalendarRow.id).where(
        BusinessCalendarRow.installation_id == installation_id,
        BusinessCalendarRow.team_id.is_(None) if team_id is None else BusinessCalendarRow.team_id == team_id,
        BusinessCalendarRow.id != (calendar_id or 0)))
    if clash is not None:
        where = _("the installation") if team_id is None else _("team %(id)s", id=team_id)
        errors.setdefault("team", []).append(_("%(where)s already has calendar %(id)s: change that one instead",
                                               where=where, id=clash))
    if errors:
        raise GoalRuleError(errors)


def _write(row: BusinessCalendarRow, data: dict[str, Any], now: datetime) -> None:
    row.team_id = data.get("team")
    row.name = data["name"]
    row.time_zone = data["time_zone"]
    row.weekly_hours = data["weekly_hours"]
    row.country = data.get("country")
    row.subdivision = data.get("subdivision")
    row.custom_holidays = sorted(set(data.get("custom_holidays") or []))
    row.updated_at = now


def mark_business_hour_goals(session: Session, installation_id: int) -> int:
    """Mark the open milestones of every goal that counts business hours; return how many."""
    milestones = session.scalars(
        select(Milestone).join(Goal, Goal.id == Milestone.goal_id)
        .where(Goal.installation_id == installation_id, Goal.business_hours.is_(True),
               Milestone.frozen_at.is_(None))).all()
    for milestone in milestones:
        row = session.get(PendingRecompute, milestone.id)
        if row is None:
            session.add(PendingRecompute(milestone_id=milestone.id, installation_id=installation_id, generation=1))
        else:
            row.generation += 1
    session.flush()
    return len(milestones)


def create_calendar(session: Session, installation_id: int, data: dict[str, Any], now: datetime) -> BusinessCalendarRow:
    """Create the installation's calendar (no ``team``) or a team's; raise ``GoalRuleError`` when invalid."""
    _check(session, installation_id, data, None)
    row = BusinessCalendarRow(installation_id=installation_id, created_at=now)
    _write(row, data, now)
    session.add(row)
    session.flush()
    mark_business_hour_goals(session, installation_id)
    log.info("calendar.created installation=%s calendar=%s team=%s", installation_id, row.id, row.team_id)
    return row


def update_calendar(session: Session, row: BusinessCalendarRow, data: dict[str, Any], now: datetime) -> None:
    """Replace a calendar's settings; open milestones of business-hour goals are recomputed, frozen ones are not."""
    _check(session, row.installation_id, data, row.id)
    _write(row, data, now)
    session.flush()
    mark_business_hour_goals(session, row.installation_id)
    log.info("calendar.updated installation=%s calendar=%s", row.installation_id, row.id)


def delete_calendar(session: Session, row: BusinessCalendarRow) -> None:
    installation_id = row.installation_id
    session.delete(row)
    session.flush()
    mark_business_hour_goals(session, installation_id)
    log.info("calendar.deleted installation=%s calendar=%s", installation_id, row.id)


def get_calendar(session: Session, installation_id: int, calendar_id: int) -> BusinessCalendarRow:
    row = session.get(BusinessCalendarRow, calendar_id)
    if row is None or row.installation_id != installation_id:
        raise CalendarNotFound(_("calendar %(id)s not found in this installation", id=calendar_id))
    return row
