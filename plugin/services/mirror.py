"""Apply generic events to the mirror: tickets, timeline, users, teams, memberships.

Every function is idempotent: a ticket event is stored once per ``event_id``, and
user and team upserts older than the mirror's copy change nothing. Events of
a ticket may arrive in any order; the engine orders the timeline when it reads it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..goals.timeline import Entry, sort_key
from ..models import Membership, Pipeline, Team, Ticket, TicketEvent, User

log = logging.getLogger(__name__)

TICKET_EVENT_KINDS = {
    "ticket.created": "created",
    "message.added": "message",
    "ticket.state_changed": "state",
    "ticket.owner_changed": "owner",
    "ticket.moved": "moved",
    "ticket.updated": "updated",
    "ticket.merged": "removed",
    "ticket.deleted": "removed",
    "ticket.spam": "removed",
}
REMOVED_REASONS = {"ticket.merged": "merged", "ticket.deleted": "deleted", "ticket.spam": "spam"}


@dataclass
class Touched:
    """The changes a batch of events made, so that the right milestones are recomputed.

    ``ticket_ids``: tickets whose timeline changed. ``people_since``: the earliest
    time from which a user, team or membership change can alter credits.
    """

    ticket_ids: set[int] = field(default_factory=set)
    people_since: datetime | None = None

    def people_changed(self, at: datetime) -> None:
        if self.people_since is None or at < self.people_since:
            self.people_since = at


class Mirror:
    """Applies events for one installation inside the caller's transaction."""

    def __init__(self, session: Session, installation_id: int):
        self.session = session
        self.installation_id = installation_id
        self._users: dict[str, User] = {}
        self._teams: dict[str, Team] = {}
        self._pipelines: dict[str, Pipeline] = {}
        self._tickets: dict[str, Ticket] = {}
        self._changed_tickets: dict[int, Ticket] = {}

    # Lookups that create placeholders, so an event may name an object before its upsert.

    def user(self, ref: str | None) -> User | None:
        if ref is None:
            return None
        if ref not in self._users:
            user = self.session.scalar(
                select(User).where(User.installation_id == self.installation_id, User.host_ref == ref)
            )
            if user is None:
                user = User(installation_id=self.installation_id, host_ref=ref, name=ref, role="agent", active=True)
                self.session.add(user)
                self.session.flush()
            self._users[ref] = user
        return self._users[ref]

    def team(self, ref: str | None) -> Team | None:
        if ref is None:
            return None
        if ref not in self._teams:
            team = self.session.scalar(
                select(Team).where(Team.installation_id == self.installation_id, Team.host_ref == ref)
            )
            if team is None:
                team = Team(installation_id=self.installation_id, host_ref=ref, name=ref)
                self.session.add(team)
                self.session.flush()
            self._teams[ref] = team
        return self._teams[ref]

    def pipeline(self, ref: str | None) -> Pipeline | None:
        if ref is None:
            return None
        if ref not in self._pipelines:
            pipeline = self.session.scalar(
                select(Pipeline).where(Pipeline.installation_id == self.installation_id, Pipeline.host_ref == ref)
            )
            if pipeline is None:
                pipeline = Pipeline(installation_id=self.installation_id, host_ref=ref, name=ref)
                self.session.add(pipeline)
                self.session.flush()
            self._pipelines[ref] = pipeline
        return self._pipelines[ref]

    def ticket(self, ref: str) -> Ticket:
        if ref not in self._tickets:
            ticket = self.session.scalar(
                select(Ticket).where(Ticket.installation_id == self.installation_id, Ticket.host_ref == ref)
            )
            if ticket is None:
                ticket = Ticket(installation_id=self.installation_id, host_ref=ref)
                self.session.add(ticket)
                self.session.flush()
            self._tickets[ref] = ticket
        return self._tickets[ref]

    # Event application.

    def apply(self, event: dict[str, Any], touched: Touched) -> bool:
        """Apply one loaded event; return False when it was already applied."""
        event_type = event["type"]
        if event_type in TICKET_EVENT_KINDS:
            return self._apply_ticket_event(event, touched)
        if event_type == "user.upserted":
            self._upsert_user(event)
        elif event_type == "user.deactivated":
            self._deactivate_user(event)
        elif event_type == "team.upserted":
            self.team(event["team"]).name = event["name"]
        elif event_type == "pipeline.upserted":
            self.pipeline(event["pipeline"]).name = event["name"]
        elif event_type == "membership.changed":
            self._change_membership(event)
        else:
            raise ValueError(f"event type {event_type!r} has no handler")
        touched.people_changed(event["occurred_at"])
        return True

    def _apply_ticket_event(self, event: dict[str, Any], touched: Touched) -> bool:
        exists = self.session.scalar(
            select(TicketEvent.id).where(
                TicketEvent.installation_id == self.installation_id, TicketEvent.event_id == event["event_id"]
            )
        )
        if exists is not None:
            return False

        ticket = self.ticket(event["ticket"])
        entry = TicketEvent(
            installation_id=self.installation_id,
            ticket_id=ticket.id,
            event_id=event["event_id"],
            kind=TICKET_EVENT_KINDS[event["type"]],
            occurred_at=event["occurred_at"],
            sequence=event.get("sequence"),
        )
        event_type = event["type"]

        if event_type == "ticket.created":
            self._fill_created(entry, ticket, event)
        elif event_type == "message.added":
            author = self.user(event.get("author"))
            entry.author_id = author.id if author else None
            entry.author_role = event["author_role"]
            entry.public = event["public"]
            entry.auto_reply = event.get("auto_reply", False)
            entry.message_ref = event["message"]
        elif event_type == "ticket.state_changed":
            entry.state = event["to_state"]
            entry.state_class = event["to_class"]
            entry.from_state = event.get("from_state")
            entry.from_class = event.get("from_class")
        elif event_type == "ticket.owner_changed":
            owner = self.user(event["to_owner"])
            entry.owner_id = owner.id if owner else None
            entry.owner_set = True
        elif event_type == "ticket.moved":
            if "pipeline" in event:
                pipeline = self.pipeline(event["pipeline"])
                entry.pipeline_id = pipeline.id if pipeline else None
                entry.pipeline_set = True
            if "team" in event:
                team = self.team(event["team"])
                entry.team_id = team.id if team else None
                entry.team_set = True
        elif event_type == "ticket.updated":
            entry.fields = {name: event[name] for name in ("priority", "channel", "tags") if name in event}
            for name in ("priority", "channel", "tags"):
                if name in event:
                    setattr(ticket, name, event[name])
        elif event_type in REMOVED_REASONS:
            entry.removed_reason = REMOVED_REASONS[event_type]
            if ticket.removed_at is None or event["occurred_at"] < ticket.removed_at:
                ticket.removed_reason = entry.removed_reason
                ticket.removed_at = event["occurred_at"]

        self.session.add(entry)
        self.session.flush()
        self._changed_tickets[ticket.id] = ticket
        touched.ticket_ids.add(ticket.id)
        return True

    def _fill_created(self, entry: TicketEvent, ticket: Ticket, event: dict[str, Any]) -> None:
        owner = self.user(event.get("owner"))
        pipeline = self.pipeline(event.get("pipeline"))
        team = self.team(event.get("team"))
        creator = self.user(event.get("created_by"))
        entry.state = event["state"]
        entry.state_class = event["state_class"]
        entry.owner_id = owner.id if owner else None
        entry.owner_set = True
        entry.pipeline_id = pipeline.id if pipeline else None
        entry.pipeline_set = True
        entry.team_id = team.id if team else None
        entry.team_set = True

        entry.fields = {name: event.get(name) for name in ("priority", "channel", "tags")}

        ticket.created_at = event["occurred_at"]
        ticket.created_by_role = event["created_by_role"]
        ticket.created_by_id = creator.id if creator else None
        ticket.channel = event.get("channel")
        ticket.priority = event.get("priority")
        ticket.tags = event.get("tags")

    def finish(self) -> None:
        """Bring the current fields of every ticket changed since the last call up to date.

        Call it once after a batch of events, before the transaction commits: the
        cached fields are recomputed once per ticket instead of once per event.
        """
        for ticket in self._changed_tickets.values():
            self._refresh_current_fields(ticket)
        self._changed_tickets.clear()

    def _refresh_current_fields(self, ticket: Ticket) -> None:
        """Set the ticket's state, owner, pipeline and team to the latest timeline values."""
        entries = self.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        for entry in sorted(entries, key=lambda row: sort_key(entry_view(row))):
            if entry.state_class is not None:
                ticket.state = entry.state
                ticket.state_class = entry.state_class
            if entry.owner_set:
                ticket.owner_id = entry.owner_id
            if entry.pipeline_set:
                ticket.pipeline_id = entry.pipeline_id
            if entry.team_set:
                ticket.team_id = entry.team_id

    def _upsert_user(self, event: dict[str, Any]) -> None:
        user = self.user(event["user"])
        if user.updated_at is not None and user.updated_at > event["occurred_at"]:
            log.info("mirror.user.stale installation=%s user=%s event=%s", self.installation_id, user.id, event["event_id"])
            return
        user.name = event["name"]
        user.email = event.get("email")
        user.role = event["role"]
        user.locale = event.get("locale")
        user.updated_at = event["occurred_at"]
        if event.get("active", True):
            user.active = True
            user.deactivated_at = None
        else:
            self._mark_inactive(user, event["occurred_at"])

    def _deactivate_user(self, event: dict[str, Any]) -> None:
        user = self.user(event["user"])
        self._mark_inactive(user, event["occurred_at"])
        if user.updated_at is None or user.updated_at < event["occurred_at"]:
            user.updated_at = event["occurred_at"]

    @staticmethod
    def _mark_inactive(user: User, at: datetime) -> None:
        user.active = False
        if user.deactivated_at is None or at < user.deactivated_at:
            user.deactivated_at = at

    def _change_membership(self, event: dict[str, Any]) -> None:
        user = self.user(event["user"])
        team = self.team(event["team"])
        at = event["occurred_at"]
        open_rows = self.session.scalars(
            select(Membership).where(
                Membership.user_id == user.id, Membership.team_id == team.id, Membership.valid_to.is_(None)
            )
        ).all()

        if not event["member"]:
            for row in open_rows:
                row.valid_to = max(at, row.valid_from)
            return

        if any(row.kind == event["kind"] and row.valid_from <= at for row in open_rows):
            return
        for row in open_rows:
            row.valid_to = max(at, row.valid_from)
        if event["kind"] == "primary":
            # A user has one primary team at a time: joining another ends the old one.
            others = self.session.scalars(
                select(Membership).where(
                    Membership.user_id == user.id,
                    Membership.kind == "primary",
                    Membership.valid_to.is_(None),
                    Membership.team_id != team.id,
                )
            ).all()
            for row in others:
                row.valid_to = max(at, row.valid_from)
        self.session.add(
            Membership(installation_id=self.installation_id, user_id=user.id, team_id=team.id,
                       kind=event["kind"], valid_from=at)
        )
        self.session.flush()


def entry_view(row):
    """Return the engine's view of a stored timeline row (an ORM object or a row with the same columns)."""
    return Entry(
        kind=row.kind,
        at=row.occurred_at,
        event_id=row.event_id,
        sequence=row.sequence,
        state_class=row.state_class,
        owner_id=row.owner_id,
        owner_set=row.owner_set,
        pipeline_id=row.pipeline_id,
        pipeline_set=row.pipeline_set,
        team_id=row.team_id,
        team_set=row.team_set,
        author_id=row.author_id,
        author_role=row.author_role,
        public=row.public,
        auto_reply=row.auto_reply,
        fields=row.fields,
    )
