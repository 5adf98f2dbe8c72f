"""Replay of a ServiceNow incident event log as generic helpdesk events.

The log is a CSV export in which every row is one saved version of an incident
(UCI dataset 498, "Incident management process enriched event log", by Amaral,
Fantinato and Peres, https://doi.org/10.24432/C57S4H, CC BY 4.0). The functions here
turn its rows into the event dicts described in ``docs/events.md``. The mapping rules
are documented in ``docs/incident-log.md``.

The module uses only the standard library, so the CLI, jobs and tests can run it
without a database or a Flask app.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TextIO
from zoneinfo import ZoneInfo

__all__ = [
    "AUTOMATION_ACCOUNT",
    "Incident",
    "IncidentLogError",
    "LogRow",
    "iter_ticket_events",
    "log_month_span",
    "read_incidents",
    "replay_events",
    "state_class",
]

AUTOMATION_ACCOUNT = "Updated by 908"
"""Saver id of the close job. Its rows never count as a first response."""

MISSING = "?"
TIME_FORMAT = "%d-%m-%Y %H:%M"
REQUIRED_COLUMNS = (
    "number",
    "incident_state",
    "reopen_count",
    "sys_mod_count",
    "opened_at",
    "sys_updated_by",
    "sys_updated_at",
    "contact_type",
    "priority",
    "assignment_group",
    "assigned_to",
)

_STATE_CLASSES = {
    "New": "new",
    "Active": "open",
    "Resolved": "resolved",
    "Closed": "closed",
}
_PENDING_PREFIX = "Awaiting "
_CLOSED_CLASSES = frozenset({"resolved", "closed"})


class IncidentLogError(ValueError):
    """Invalid content in an incident log, located by incident and row.

    ``row`` is the 1-based data row, not counting the header line, so the row is on
    line ``row + 1`` of the file. ``incident`` is None when the error is in the header.
    """

    def __init__(self, message: str, *, incident: str | None, row: int | None, value: str | None):
        super().__init__(message)
        self.incident = incident
        self.row = row
        self.value = value


@dataclass(frozen=True)
class LogRow:
    """One saved version of an incident, with the fields that goal events need.

    ``updated_at`` is ``sys_updated_at`` as a naive local time, which decides the
    order of rows. ``occurred_at`` is the UTC time at which the replay places the
    row: ``sys_updated_at`` read in the log's time zone, moved forward to the
    incident's ``opened_at`` or to the previous row's time when it would come earlier.
    """

    row: int
    state: str
    state_class: str
    reopen_count: int
    mod_count: int
    saved_by: str
    updated_at: datetime
    occurred_at: datetime
    channel: str | None
    priority: str | None
    group: str | None
    owner: str | None


@dataclass(frozen=True)
class Incident:
    """The rows of one incident in replay order, and its UTC opening time."""

    number: str
    opened_at: datetime
    rows: tuple[LogRow, ...]


def state_class(state: str) -> str | None:
    """Return the state class of a log state, or None for an unknown state.

    ``New`` is new, ``Active`` is open, any ``Awaiting ...`` state is pending,
    ``Resolved`` is resolved and ``Closed`` is closed.
    """
    if state in _STATE_CLASSES:
        return _STATE_CLASSES[state]
    if state.startswith(_PENDING_PREFIX):
        return "pending"
    return None


def read_incidents(source: str | os.PathLike[str] | TextIO, time_zone: str | ZoneInfo) -> list[Incident]:
    """Read a log and return its incidents in order of first appearance.

    ``source`` is a file path or a text stream. The log's local times are read in
    ``time_zone`` (an IANA name such as ``Europe/Rome``). A local time that falls in
    a daylight saving gap or overlap is resolved with ``fold=0``, as ``zoneinfo``
    does by default: the offset in force before the transition applies.

    Rows of an incident are sorted by ``sys_updated_at``, then ``sys_mod_count``,
    then position in the file. Raises IncidentLogError on a missing column, an
    unknown state, a malformed timestamp or count, or an incident whose
    ``opened_at`` differs between rows.
    """
    zone = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
    if isinstance(source, (str, os.PathLike)):
        with open(source, newline="", encoding="utf-8-sig") as stream:
            return _read_stream(stream, zone)
    return _read_stream(source, zone)


def iter_ticket_events(
    source: str | os.PathLike[str] | TextIO | list[Incident], time_zone: str | ZoneInfo
) -> Iterator[tuple[str, list[dict]]]:
    """Yield each incident's number with its ticket events in replay order.

    ``source`` is a log path, a text stream, or the list that read_incidents
    returns, in which case ``time_zone`` is not used again. The
    events are ``ticket.created``, ``ticket.moved``, ``ticket.owner_changed``,
    ``ticket.updated``, ``ticket.state_changed`` and ``message.added`` (the first
    response proxy). Events of one row share its ``sequence`` and are listed in the
    order in which they must be applied.
    """
    for incident in _incidents(source, time_zone):
        yield incident.number, _ticket_events(incident)


def replay_events(source: str | os.PathLike[str] | TextIO, time_zone: str | ZoneInfo) -> list[dict]:
    """Return every event of a log in an order that a sender can cut into batches.

    ``team.upserted``, ``user.upserted`` and ``membership.changed`` events come
    first, sorted by time; at equal times teams come before users and users before
    memberships. The ticket events follow, incident by incident, in the
    order of iter_ticket_events. Raises IncidentLogError as read_incidents does.
    """
    incidents = read_incidents(source, time_zone)
    events = _directory_events(incidents)
    for _number, ticket_events in iter_ticket_events(incidents, time_zone):
        events.extend(ticket_events)
    return events


def log_month_span(source: str | os.PathLike[str] | TextIO, time_zone: str | ZoneInfo) -> tuple[date, date]:
    """Return the first and last month that the log's events fall in.

    Both months are given as the date of their first day in ``time_zone``, and the
    span includes both. Raises IncidentLogError as read_incidents does, and also
    when the log has no rows.
    """
    zone = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
    times = [_parse_rfc3339(event["occurred_at"]) for event in replay_events(source, zone)]
    if not times:
        raise IncidentLogError("incident log has no rows, so it covers no month", incident=None, row=None, value=None)
    first = min(times).astimezone(zone)
    last = max(times).astimezone(zone)
    return date(first.year, first.month, 1), date(last.year, last.month, 1)


def _incidents(source, time_zone) -> list[Incident]:
    if isinstance(source, list):
        return source
    return read_incidents(source, time_zone)


def _read_stream(stream: TextIO, zone: ZoneInfo) -> list[Incident]:
    reader = csv.DictReader(stream)
    missing = [name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise IncidentLogError(
            f"incident log header is missing the columns {', '.join(missing)}",
            incident=None,
            row=None,
            value=", ".join(missing),
        )

    raw_rows: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for row_number, record in enumerate(reader, start=1):
        raw_rows.setdefault(record["number"], []).append((row_number, record))

    return [_build_incident(number, records, zone) for number, records in raw_rows.items()]


def _build_incident(number: str, records: list[tuple[int, dict[str, str]]], zone: ZoneInfo) -> Incident:
    first_row, first_record = records[0]
    opened_text = first_record["opened_at"]
    opened_local = _parse_local(opened_text, number, first_row, "opened_at")
    opened_at = _to_utc(opened_local, zone)

    parsed = []
    for row_number, record in records:
        if record["opened_at"] != opened_text:
            raise IncidentLogError(
                f"incident {number}, row {row_number}: opened_at {record['opened_at']!r} differs from"
                f" {opened_text!r} on row {first_row}. An incident must have one opening time",
                incident=number,
                row=row_number,
                value=record["opened_at"],
            )
        updated_at = _parse_local(record["sys_updated_at"], number, row_number, "sys_updated_at")
        mod_count = _parse_count(record["sys_mod_count"], number, row_number, "sys_mod_count")
        parsed.append((updated_at, mod_count, row_number, record))
    parsed.sort(key=lambda item: (item[0], item[1], item[2]))

    rows = []
    previous_time = opened_at
    for updated_at, mod_count, row_number, record in parsed:
        state = record["incident_state"]
        state_class_name = state_class(state)
        if state_class_name is None:
            raise IncidentLogError(
                f"incident {number}, row {row_number}: unknown incident_state {state!r}. Expected New,"
                " Active, Resolved, Closed or a state starting with 'Awaiting '",
                incident=number,
                row=row_number,
                value=state,
            )
        # Rows stamped before opened_at, and local times in a daylight saving gap
        # (which fold=0 can map after the next hour's rows), are moved forward so
        # that the times of an incident never decrease.
        occurred_at = max(_to_utc(updated_at, zone), previous_time)
        previous_time = occurred_at
        rows.append(
            LogRow(
                row=row_number,
                state=state,
                state_class=state_class_name,
                reopen_count=_parse_count(record["reopen_count"], number, row_number, "reopen_count"),
                mod_count=mod_count,
                saved_by=record["sys_updated_by"],
                updated_at=updated_at,
                occurred_at=occurred_at,
                channel=_optional(record["contact_type"], lower=True),
                priority=_optional(record["priority"]),
                group=_optional(record["assignment_group"]),
                owner=_optional(record["assigned_to"]),
            )
        )
    return Incident(number=number, opened_at=opened_at, rows=tuple(rows))


def _ticket_events(incident: Incident) -> list[dict]:
    rows = incident.rows
    first = rows[0]
    events = [
        _ticket_event(
            incident,
            0,
            "created",
            "ticket.created",
            incident.opened_at,
            pipeline=first.group,
            team=first.group,
            priority=first.priority,
            channel=first.channel,
            created_by_role="customer",
            created_by=None,
            state=first.state,
            state_class=first.state_class,
            owner=first.owner,
        )
    ]

    # The state that the replay has applied so far. A row that leaves the
    # resolved/closed class without a rise of reopen_count is a flaw of the log's
    # ordering (INC0000137 in the UCI excerpt), so its state is not replayed.
    current_state = first.state
    current_class = first.state_class
    for sequence in range(1, len(rows)):
        previous, row = rows[sequence - 1], rows[sequence]
        at = row.occurred_at
        if row.group != previous.group:
            events.append(
                _ticket_event(incident, sequence, "team", "ticket.moved", at, pipeline=row.group, team=row.group)
            )
        if row.owner != previous.owner:
            events.append(
                _ticket_event(
                    incident,
                    sequence,
                    "owner",
                    "ticket.owner_changed",
                    at,
                    from_owner=previous.owner,
                    to_owner=row.owner,
                    actor=row.saved_by,
                )
            )
        updated_fields = {}
        if row.priority != previous.priority:
            updated_fields["priority"] = row.priority
        if row.channel != previous.channel:
            updated_fields["channel"] = row.channel
        if updated_fields:
            events.append(_ticket_event(incident, sequence, "update", "ticket.updated", at, **updated_fields))

        reopened = row.reopen_count > previous.reopen_count
        leaves_closed = current_class in _CLOSED_CLASSES and row.state_class not in _CLOSED_CLASSES
        if row.state != current_state and (reopened or not leaves_closed):
            events.append(
                _ticket_event(
                    incident,
                    sequence,
                    "state",
                    "ticket.state_changed",
                    at,
                    from_state=current_state,
                    to_state=row.state,
                    from_class=current_class,
                    to_class=row.state_class,
                    actor=row.saved_by,
                )
            )
            current_state, current_class = row.state, row.state_class

    response = _first_response_row(rows)
    if response is not None:
        sequence, row = response
        event = _ticket_event(
            incident,
            sequence,
            "response",
            "message.added",
            row.occurred_at,
            message=f"{incident.number}-first-response",
            author=row.saved_by,
            author_role="agent",
            public=True,
            auto_reply=False,
        )
        events.insert(_end_of_row(events, sequence), event)
    return events


def _first_response_row(rows: tuple[LogRow, ...]) -> tuple[int, LogRow] | None:
    """Return the row taken as the first response, with its index, or None.

    When the incident starts in ``New``, the response is the first later row that
    a person saved in a state other than ``New``. Otherwise the agent took the
    ticket at intake, and the response is the first row that a person saved. Rows
    saved by the automation account never count.
    """
    if rows[0].state == "New":
        seen_new = False
        for index, row in enumerate(rows):
            if row.state == "New":
                seen_new = True
            elif seen_new and row.saved_by != AUTOMATION_ACCOUNT:
                return index, row
        return None
    for index, row in enumerate(rows):
        if row.saved_by != AUTOMATION_ACCOUNT:
            return index, row
    return None


def _end_of_row(events: list[dict], sequence: int) -> int:
    """Return the list position just after the last event with this sequence."""
    position = 0
    for index, event in enumerate(events):
        if event["sequence"] <= sequence:
            position = index + 1
    return position


def _directory_events(incidents: list[Incident]) -> list[dict]:
    """Return team, user and membership events for the owners and groups of a log.

    An agent joins a group the first time the agent owns a ticket in it, at that
    row's time. The agent's first group is the primary membership; every later
    group is an extra membership. The replay emits no leave events.
    """
    group_first_seen: dict[str, datetime] = {}
    owner_first_seen: dict[str, datetime] = {}
    pairs: list[tuple[datetime, int, int, str, str]] = []
    for incident_index, incident in enumerate(incidents):
        for sequence, row in enumerate(incident.rows):
            at = incident.opened_at if sequence == 0 else row.occurred_at
            if row.group is not None:
                group_first_seen.setdefault(row.group, at)
                group_first_seen[row.group] = min(group_first_seen[row.group], at)
            if row.owner is not None:
                owner_first_seen.setdefault(row.owner, at)
                owner_first_seen[row.owner] = min(owner_first_seen[row.owner], at)
                if row.group is not None:
                    pairs.append((at, incident_index, sequence, row.owner, row.group))

    events = []
    for group, at in sorted(group_first_seen.items(), key=lambda item: (item[1], item[0])):
        events.append({"event_id": f"team-{group}", "type": "team.upserted", "occurred_at": _format_utc(at),
                       "team": group, "name": group})
    for owner, at in sorted(owner_first_seen.items(), key=lambda item: (item[1], item[0])):
        events.append({"event_id": f"user-{owner}", "type": "user.upserted", "occurred_at": _format_utc(at),
                       "user": owner, "name": owner, "email": None, "role": "agent", "active": True,
                       "locale": None})

    joined: dict[str, set[str]] = {}
    for at, _incident_index, _sequence, owner, group in sorted(pairs):
        groups = joined.setdefault(owner, set())
        if group in groups:
            continue
        kind = "extra" if groups else "primary"
        groups.add(group)
        events.append({"event_id": f"member-{owner}-in-{group}", "type": "membership.changed",
                       "occurred_at": _format_utc(at), "user": owner, "team": group, "kind": kind,
                       "member": True})
    kind_order = {"team.upserted": 0, "user.upserted": 1, "membership.changed": 2}
    events.sort(key=lambda event: (event["occurred_at"], kind_order[event["type"]]))
    return events


def _ticket_event(incident: Incident, sequence: int, suffix: str, event_type: str, at: datetime, **fields) -> dict:
    event = {
        "event_id": f"inc-{incident.number}-r{sequence}-{suffix}",
        "type": event_type,
        "occurred_at": _format_utc(at),
        "sequence": sequence,
        "ticket": incident.number,
    }
    event.update(fields)
    return event


def _optional(value: str, lower: bool = False) -> str | None:
    if value == MISSING:
        return None
    return value.lower() if lower else value


def _parse_local(text: str, incident: str, row: int, column: str) -> datetime:
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise IncidentLogError(
            f"incident {incident}, row {row}: invalid {column} {text!r}. Expected DD-MM-YYYY HH:MM",
            incident=incident,
            row=row,
            value=text,
        ) from None


def _parse_count(text: str, incident: str, row: int, column: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise IncidentLogError(
            f"incident {incident}, row {row}: invalid {column} {text!r}. Expected a whole number",
            incident=incident,
            row=row,
            value=text,
        ) from None


def _to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def _format_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
