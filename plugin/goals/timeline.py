"""A ticket's timeline replayed in order: closes, first response and who held it when.

The engine never trusts a host's summary fields (first close time, "answered"
flags); it walks the stored events in time order and derives every fact itself,
so late or reordered webhook deliveries give the same result as ordered ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CLOSED_CLASSES = frozenset({"resolved", "closed"})
# Classes whose time a goal with paused states leaves out: waiting on someone else, or closed until a reopen.
PAUSED_CLASSES = frozenset({"pending", "resolved", "closed"})
FILTER_FIELDS = ("priority", "channel", "tags")
STATE_CLASSES = ("new", "open", "pending", "resolved", "closed")

# Events of one ticket that share a time (and sequence) apply in this order, so a
# log row that changes owner and state at once credits the new owner.
_KIND_ORDER = {"created": 0, "moved": 1, "owner": 2, "updated": 3, "message": 4, "state": 5, "removed": 6}


@dataclass(frozen=True)
class Entry:
    """One stored timeline event, as the engine needs it."""

    kind: str
    at: datetime
    event_id: str
    sequence: int | None = None
    state_class: str | None = None
    owner_id: int | None = None
    owner_set: bool = False
    pipeline_id: int | None = None
    pipeline_set: bool = False
    team_id: int | None = None
    team_set: bool = False
    author_id: int | None = None
    author_role: str | None = None
    public: bool | None = None
    auto_reply: bool | None = None
    # Ticket fields the event sets (``priority``, ``channel``, ``tags``); keys left out keep their value.
    fields: dict[str, Any] | None = None


@dataclass(frozen=True)
class Moment:
    """The state of a ticket at one event: its owner, team, pipeline and filter fields then."""

    at: datetime
    owner_id: int | None
    team_id: int | None
    pipeline_id: int | None
    priority: str | None = None
    channel: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Response:
    """The first response: when, how long after the clock started, and by whom."""

    moment: Moment
    seconds: float
    responder_id: int | None
    started_at: datetime


@dataclass
class TicketHistory:
    """The facts the metrics need from one ticket's timeline.

    ``paused`` lists the intervals the ticket spent in a paused class (pending,
    or closed until a reopen); the last one is open-ended when the ticket is still
    in such a class. ``removed_at`` is the earliest merge, deletion or spam mark.
    """

    ticket_id: int
    created_at: datetime | None
    agent_opened: bool
    closes: list[Moment] = field(default_factory=list)
    response: Response | None = None
    paused: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    removed_at: datetime | None = None


def _is_reply(entry: Entry) -> bool:
    """Return whether the entry is a public, non-automatic message by an agent."""
    return entry.kind == "message" and entry.author_role == "agent" and bool(entry.public) and not entry.auto_reply


def response_clock_start(ordered: list[Entry], created_at: datetime, agent_opened: bool) -> datetime:
    """Return when the first-response clock starts.

    The clock starts at creation. It starts at the first customer message instead
    when that message comes after creation and before any agent reply, as for a
    ticket opened empty that the customer writes into later. A customer's
    follow-up after an agent's reply never moves it. For an agent-opened ticket
    the clock starts at the customer's first message, so the agent's own opening
    message is not taken as the response.
    """
    first_customer = next((entry.at for entry in ordered
                           if entry.kind == "message" and entry.author_role == "customer"
                           and entry.at >= created_at), None)
    if first_customer is None or first_customer <= created_at:
        return created_at
    if agent_opened:
        return first_customer
    first_reply = next((entry.at for entry in ordered if _is_reply(entry) and entry.at >= created_at), None)
    if first_reply is not None and first_reply < first_customer:
        return created_at
    return first_customer


def sort_key(entry: Entry):
    """Order entries by time, then host sequence, then kind, then event id."""
    sequence = entry.sequence if entry.sequence is not None else -1
    return (entry.at, sequence, _KIND_ORDER.get(entry.kind, 9), entry.event_id)


def replay(ticket_id: int, created_by_role: str | None, entries: list[Entry],
           defaults: dict[str, Any] | None = None) -> TicketHistory:
    """Walk a ticket's entries in order and return its closes, first response and paused intervals.

    A close is a move from outside the closed class (resolved or closed) into it;
    a ticket created in the closed class closes at its creation. The first response
    is the first public, non-automatic message by an agent at or after the clock
    start: creation, or the first customer message when that comes later.
    ``defaults`` gives priority, channel and tags for timelines stored without
    field values on their creation event.
    """
    ordered = sorted(entries, key=sort_key)
    created = next((entry for entry in ordered if entry.kind == "created"), None)
    history = TicketHistory(
        ticket_id=ticket_id,
        created_at=created.at if created else None,
        agent_opened=created_by_role == "agent",
    )
    if created is None:
        return history

    clock_start = response_clock_start(ordered, created.at, created_by_role == "agent")

    owner_id = team_id = pipeline_id = None
    state_class = None
    values: dict[str, Any] = {name: (defaults or {}).get(name) for name in FILTER_FIELDS}
    paused_since: datetime | None = None
    for entry in ordered:
        if entry.kind == "removed" and (history.removed_at is None or entry.at < history.removed_at):
            history.removed_at = entry.at
        if entry.at < created.at:
            continue

        if entry.kind in ("created", "updated") and entry.fields:
            for name in FILTER_FIELDS:
                if name in entry.fields:
                    values[name] = entry.fields[name]

        if entry.kind in ("created", "moved"):
            if entry.pipeline_set:
                pipeline_id = entry.pipeline_id
            if entry.team_set:
                team_id = entry.team_id
        if entry.kind in ("created", "owner") and (entry.owner_set or entry.kind == "created"):
            owner_id = entry.owner_id

        moment = Moment(entry.at, owner_id, team_id, pipeline_id, values["priority"], values["channel"],
                        tuple(values["tags"] or ()))

        if entry.kind in ("created", "state") and entry.state_class is not None:
            entering_closed = entry.state_class in CLOSED_CLASSES and state_class not in CLOSED_CLASSES
            if entering_closed:
                history.closes.append(moment)
            now_paused = entry.state_class in PAUSED_CLASSES
            if now_paused and paused_since is None:
                paused_since = entry.at
            elif not now_paused and paused_since is not None:
                history.paused.append((paused_since, entry.at))
                paused_since = None
            state_class = entry.state_class

        is_response = history.response is None and _is_reply(entry) and entry.at >= clock_start
        if is_response:
            history.response = Response(
                moment=moment,
                seconds=(entry.at - clock_start).total_seconds(),
                responder_id=entry.author_id,
                started_at=clock_start,
            )

    if paused_since is not None:
        history.paused.append((paused_since, None))
    return history
