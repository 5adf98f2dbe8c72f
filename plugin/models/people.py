"""Users, teams, team memberships and pipelines mirrored from the host."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class User(Base):
    """A host user. Only agents, managers and admins carry goals."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("installation_id", "host_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    host_ref: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Time of the newest upsert applied; None for a placeholder named by a ticket event.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Team(Base):
    """A group of agents (Zammad group, RT group, ServiceNow assignment group)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("installation_id", "host_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    host_ref: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))


class Membership(Base):
    """One interval during which a user belongs to a team.

    ``valid_to`` None means the membership is current. A user may hold one
    ``primary`` and any number of ``extra`` memberships at a time.
    """

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Pipeline(Base):
    """A host queue that goals can be restricted to (Zammad group, RT queue, osTicket department)."""

    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("installation_id", "host_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    host_ref: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
