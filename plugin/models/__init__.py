"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from .base import Base, UTCDateTime, utcnow
from .calendars import BusinessCalendarRow
from .goals import (
    Goal,
    GoalAudit,
    GoalContributor,
    GoalPipeline,
    Milestone,
    PendingRecompute,
    Result,
    Target,
)
from .inbox import InboxEvent
from .installation import ConnectorState, Installation
from .notifications import SentNotification
from .people import Membership, Pipeline, Team, User
from .tickets import Ticket, TicketEvent

__all__ = [
    "Base",
    "BusinessCalendarRow",
    "ConnectorState",
    "Goal",
    "GoalAudit",
    "GoalContributor",
    "GoalPipeline",
    "InboxEvent",
    "Installation",
    "Membership",
    "Milestone",
    "PendingRecompute",
    "SentNotification",
    "Pipeline",
    "Result",
    "Target",
    "Team",
    "Ticket",
    "TicketEvent",
    "User",
    "UTCDateTime",
    "utcnow",
]
