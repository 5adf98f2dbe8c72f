"""Builders of generic events for tests: short calls, explicit times."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

_counter = itertools.count(1)


def at(text: str) -> str:
    """Return an RFC 3339 UTC string for ``YYYY-MM-DD HH:MM`` read as UTC."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def created(ticket: str, when: str, owner=None, team=None, pipeline=None, state="new", state_class="new",
            role="customer", **extra) -> dict:
    event = {"event_id": _id(f"{ticket}-created"), "type": "ticket.created", "occurred_at": at(when),
             "ticket": ticket, "owner": owner, "team": team, "pipeline": pipeline, "state": state,
             "state_class": state_class, "created_by_role": role}
    event.update(extra)
    return event


def state(ticket: str, when: str, to_class: str, to_state: str | None = None, **extra) -> dict:
    event = {"event_id": _id(f"{ticket}-state"), "type": "ticket.state_changed", "occurred_at": at(when),
             "ticket": ticket, "to_state": to_state or to_class, "to_class": to_class}
    event.update(extra)
    return event


def owner(ticket: str, when: str, to_owner, **extra) -> dict:
    event = {"event_id": _id(f"{ticket}-owner"), "type": "ticket.owner_changed", "occurred_at": at(when),
             "ticket": ticket, "to_owner": to_owner}
    event.update(extra)
    return event


def message(ticket: str, when: str, author, role="agent", public=True, auto_reply=False, **extra) -> dict:
    event = {"event_id": _id(f"{ticket}-message"), "type": "message.added", "occurred_at": at(when),
             "ticket": ticket, "message": _id("m"), "author": author, "author_role": role, "public": public,
             "auto_reply": auto_reply}
    event.update(extra)
    return event


def moved(ticket: str, when: str, team=None, pipeline=None, **extra) -> dict:
    event = {"event_id": _id(f"{ticket}-moved"), "type": "ticket.moved", "occurred_at": at(when), "ticket": ticket,
             "team": team, "pipeline": pipeline}
    event.update(extra)
    return event


def removed(ticket: str, when: str, kind="ticket.merged") -> dict:
    return {"event_id": _id(f"{ticket}-removed"), "type": kind, "occurred_at": at(when), "ticket": ticket}


def user(ref: str, when: str = "2026-01-01 00:00", role="agent", active=True, name=None) -> dict:
    return {"event_id": _id(f"user-{ref}"), "type": "user.upserted", "occurred_at": at(when), "user": ref,
            "name": name or ref.title(), "role": role, "active": active}


def deactivated(ref: str, when: str) -> dict:
    return {"event_id": _id(f"deactivated-{ref}"), "type": "user.deactivated", "occurred_at": at(when), "user": ref}


def team(ref: str, when: str = "2026-01-01 00:00") -> dict:
    return {"event_id": _id(f"team-{ref}"), "type": "team.upserted", "occurred_at": at(when), "team": ref,
            "name": ref.title()}


def member(user_ref: str, team_ref: str, when: str = "2026-01-01 00:00", kind="primary", joins=True) -> dict:
    return {"event_id": _id(f"member-{user_ref}-{team_ref}"), "type": "membership.changed", "occurred_at": at(when),
            "user": user_ref, "team": team_ref, "kind": kind, "member": joins}
