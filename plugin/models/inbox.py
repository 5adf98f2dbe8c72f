"""The webhook inbox: every accepted delivery, stored before it is processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class InboxEvent(Base):
    """One received event, deduplicated by ``(installation, connector, delivery_id)``.

    ``processed_at`` None means a worker has not applied it yet; the sweeper
    re-enqueues such rows, so an event survives a Redis outage.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (UniqueConstraint("installation_id", "connector", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    connector: Mapped[str] = mapped_column(String(40))
    delivery_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
