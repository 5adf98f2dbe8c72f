"""The installation aggregate: one connected helpdesk and its settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Installation(Base):
    """A helpdesk connected to the plugin; every other row belongs to one."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    connector: Mapped[str] = mapped_column(String(40))
    base_url: Mapped[str | None] = mapped_column(String(500))
    host_api_token: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str] = mapped_column(String(200))
    api_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    week_start: Mapped[int] = mapped_column(Integer, default=0)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=60)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConnectorState(Base):
    """A value a connector keeps between runs, such as a catch-up watermark.

    Keys are chosen by the connector (``rt.last_transaction_id``); values are text.
    """

    __tablename__ = "connector_state"

    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
