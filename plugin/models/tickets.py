"""Mirrored tickets and their timeline of normalized events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class Ticket(Base):
    """A host ticket. The current fields are a cache of the timeline's latest values."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("installation_id", "host_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    host_ref: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_role: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[str | None] = mapped_column(String(60))
    tags: Mapped[list | None] = mapped_column(JSON)
    state: Mapped[str | None] = mapped_column(String(100))
    state_class: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("pipelines.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    removed_reason: Mapped[str | None] = mapped_column(String(20))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketEvent(Base):
    """One entry of a ticket's timeline, stored once per event id.

    ``kind`` is one of ``created``, ``message``, ``state``, ``owner``, ``moved``,
    ``updated``, ``removed``. Columns a kind does not use stay null. For
    ``created`` and ``moved``, ``pipeline_set`` and ``team_set`` tell whether the
    event sets those fields (null is a valid new value: no queue, no team).
    """

    __tablename__ = "ticket_events"
    __table_args__ = (UniqueConstraint("installation_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sequence: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str | None] = mapped_column(String(100))
    state_class: Mapped[str | None] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(100))
    from_class: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_set: Mapped[bool] = mapped_column(Boolean, default=False)
    pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("pipelines.id", ondelete="SET NULL"))
    pipeline_set: Mapped[bool] = mapped_column(Boolean, default=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    team_set: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_role: Mapped[str | None] = mapped_column(String(20))
    public: Mapped[bool | None] = mapped_column(Boolean)
    auto_reply: Mapped[bool | None] = mapped_column(Boolean)
    message_ref: Mapped[str | None] = mapped_column(String(200))
    removed_reason: Mapped[str | None] = mapped_column(String(20))
    # Priority, channel and tags as set by a ``created`` or ``updated`` event; keys left out keep their value.
    fields: Mapped[dict | None] = mapped_column(JSON)
