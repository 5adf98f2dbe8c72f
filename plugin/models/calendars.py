"""Business calendars: working hours and holidays of an installation or one of its teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class BusinessCalendarRow(Base):
    """A business calendar. ``team_id`` None is the installation's default calendar.

    ``weekly_hours`` maps weekday names to ``[["09:00", "13:00"], ...]`` local
    intervals; ``country`` and ``subdivision`` select national holidays from the
    ``holidays`` package; ``custom_holidays`` lists ISO dates.
    """

    __tablename__ = "business_calendars"
    __table_args__ = (UniqueConstraint("installation_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    weekly_hours: Mapped[dict] = mapped_column(JSON)
    country: Mapped[str | None] = mapped_column(String(8))
    subdivision: Mapped[str | None] = mapped_column(String(16))
    custom_holidays: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
