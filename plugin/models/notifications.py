"""The record of notifications sent, so each is sent once per contributor, milestone, kind and channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class SentNotification(Base):
    """One notification delivered to a contributor.

    ``kind`` is ``start``, ``target_reached``, ``achieved``, ``exceeded``,
    ``missed`` or ``at_risk``. ``channel`` is where it went (``rt`` for a
    correspondence on the agent's goal ticket in Request Tracker), and
    ``host_ref`` the host's id of what was sent, when it returns one.
    """

    __tablename__ = "sent_notifications"
    __table_args__ = (UniqueConstraint("contributor_id", "milestone_id", "kind", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("goal_contributors.id", ondelete="CASCADE"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    host_ref: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
