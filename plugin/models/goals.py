"""The goal aggregate: settings, contributors, milestones, targets, results, audit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class Goal(Base):
    """A service goal. ``span_kind`` is ``year``, ``fiscal_year`` or ``dates``.

    ``metric``, ``aggregation`` and ``threshold_seconds`` define the KPI; a
    built-in ``template`` fixes them, ``custom`` lets the creator choose. The
    ``filter_*`` lists restrict the tickets counted (empty = no restriction).
    """

    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("installation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(20))
    span_kind: Mapped[str] = mapped_column(String(20))
    span_year: Mapped[int | None] = mapped_column(Integer)
    span_start: Mapped[date | None] = mapped_column(Date)
    span_end: Mapped[date | None] = mapped_column(Date)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    contributor_kind: Mapped[str] = mapped_column(String(10))
    include_extra_members: Mapped[bool] = mapped_column(Boolean, default=False)
    team_basis: Mapped[str] = mapped_column(String(20), default="team")
    team_attribution: Mapped[str] = mapped_column(String(20), default="membership")
    response_credit: Mapped[str] = mapped_column(String(20), default="responder")
    include_agent_opened: Mapped[bool] = mapped_column(Boolean, default=False)
    metric: Mapped[str] = mapped_column(String(40))
    aggregation: Mapped[str] = mapped_column(String(20))
    threshold_seconds: Mapped[float | None] = mapped_column(Float)
    filter_priorities: Mapped[list | None] = mapped_column(JSON)
    filter_channels: Mapped[list | None] = mapped_column(JSON)
    filter_tags: Mapped[list | None] = mapped_column(JSON)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    exclude_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contributors: Mapped[list["GoalContributor"]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="GoalContributor.id"
    )
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Milestone.position"
    )
    pipelines: Mapped[list["GoalPipeline"]] = relationship(cascade="all, delete-orphan")


class GoalPipeline(Base):
    """A pipeline the goal counts; a goal without rows counts every pipeline."""

    __tablename__ = "goal_pipelines"

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"), primary_key=True)


class GoalContributor(Base):
    """A user or a team with its own targets and results inside a goal.

    In a teams goal, each member's user goal points at its team row through
    ``team_contributor_id``.
    """

    __tablename__ = "goal_contributors"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    team_contributor_id: Mapped[int | None] = mapped_column(ForeignKey("goal_contributors.id", ondelete="CASCADE"))

    goal: Mapped[Goal] = relationship(back_populates="contributors")


class Milestone(Base):
    """One period ``[starts_at, ends_at)`` of a goal, bounds in UTC.

    ``frozen_at`` is set once the milestone's numbers are final: at the first
    computation after ``ends_at`` plus the installation's grace window.
    """

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("goal_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    goal: Mapped[Goal] = relationship(back_populates="milestones")


class Target(Base):
    """The target of one contributor for one milestone (a count, or seconds)."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("contributor_id", "milestone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("goal_contributors.id", ondelete="CASCADE"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)


class Result(Base):
    """The computed value of one contributor for one milestone.

    ``value`` is a count, seconds or a percentage; None means a non-count KPI
    without samples. ``status`` is one of pending, in_progress, achieved, exceeded,
    missed, no_data.
    """

    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("contributor_id", "milestone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("goal_contributors.id", ondelete="CASCADE"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    sample_count: Mapped[int] = mapped_column(Integer, default=0)
    # The aggregate of the samples in the later half of the elapsed time, for the pace of non-count KPIs.
    recent_value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingRecompute(Base):
    """A milestone whose results are out of date.

    ``generation`` grows on every new mark, so a recompute clears the row only
    when nothing marked it again while it ran.
    """

    __tablename__ = "pending_recomputes"

    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GoalAudit(Base):
    """One change to a goal's settings or targets: who, when, field, old, new."""

    __tablename__ = "goal_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    field: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
