"""Specification of the incident log replay (connectors/generic/incident_log.py).

The figures come from the bundled excerpt of the UCI incident management event log
(Amaral, Fantinato & Peres, 2018, https://doi.org/10.24432/C57S4H, CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/), first 5,998 rows, values untouched.
Durations quoted in hours are read in UTC, which gives the same result as naive
local wall-clock arithmetic on this log.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.generic.incident_log import (
    IncidentLogError,
    iter_ticket_events,
    log_month_span,
    read_incidents,
    replay_events,
    state_class,
)
from tests.reference.incident_log_reference import ContributorFigures, MilestoneFigures, expected_figures

LOG = Path(__file__).resolve().parents[3] / "plugin" / "demo_data" / "incident_event_log.csv"
LOG_SHA256 = "85eb91cbd6ac7a7fab7640a844acec20e0a40a9ff6c7fc66f67439e413d7d5e3"
CLOSED_CLASSES = {"resolved", "closed"}
COLUMNS = (
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


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def hours(start: str, end: str) -> float:
    return (parse_utc(end) - parse_utc(start)).total_seconds() / 3600


def local_to_utc(text: str, zone: str = "UTC") -> datetime:
    naive = datetime.strptime(text, "%d-%m-%Y %H:%M")
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def make_log(*rows: tuple[str, ...]) -> io.StringIO:
    """Build a CSV log with the columns that the replay reads.

    Each row is (number, state, reopen_count, mod_count, opened_at, saved_by,
    updated_at, group, owner). Channel and priority are fixed unless a row adds
    them as two extra values.
    """
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        number, state, reopen, mods, opened, saver, updated, group, owner, *extra = row
        contact, priority = extra or ("Phone", "3 - Moderate")
        writer.writerow((number, state, reopen, mods, opened, saver, updated, contact, priority, group, owner))
    text.seek(0)
    return text


def of_type(events: list[dict], event_type: str) -> list[dict]:
    return [event for event in events if event["type"] == event_type]


def close_times(events: list[dict]) -> dict[str, list[str]]:
    """Return the close event times of each ticket, derived from its timeline."""
    closes: dict[str, list[str]] = defaultdict(list)
    current: dict[str, str] = {}
    for event in events:
        if event["type"] == "ticket.created":
            current[event["ticket"]] = event["state_class"]
            if event["state_class"] in CLOSED_CLASSES:
                closes[event["ticket"]].append(event["occurred_at"])
        elif event["type"] == "ticket.state_changed":
            was_closed = current[event["ticket"]] in CLOSED_CLASSES
            if event["to_class"] in CLOSED_CLASSES and not was_closed:
                closes[event["ticket"]].append(event["occurred_at"])
            current[event["ticket"]] = event["to_class"]
    return closes


def figures_from_events(events: list[dict], start: date, end: date, zone: str) -> MilestoneFigures:
    """Compute a milestone's figures from replayed events, as the goal engine should.

    Each ticket's events are applied in list order, which is time order. Owner and
    team are tracked from the events, and a close is a move into the resolved or
    closed class from outside it.
    """
    lower = datetime.combine(start, datetime.min.time(), tzinfo=ZoneInfo(zone))
    upper = datetime.combine(end, datetime.min.time(), tzinfo=ZoneInfo(zone))
    figures = MilestoneFigures()
    tickets: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        if "ticket" in event:
            tickets[event["ticket"]].append(event)

    for ticket_events in tickets.values():
        created = ticket_events[0]
        opened = parse_utc(created["occurred_at"])
        owner, team, current_class = created["owner"], created["team"], created["state_class"]
        closes = []
        if current_class in CLOSED_CLASSES:
            closes.append((opened, owner, team))
        for event in ticket_events[1:]:
            at = parse_utc(event["occurred_at"])
            if event["type"] == "ticket.owner_changed":
                owner = event["to_owner"]
            elif event["type"] == "ticket.moved":
                team = event["team"]
            elif event["type"] == "ticket.state_changed":
                if event["to_class"] in CLOSED_CLASSES and current_class not in CLOSED_CLASSES:
                    closes.append((at, owner, team))
                current_class = event["to_class"]
            elif event["type"] == "message.added" and lower <= at < upper:
                credited = [figures.total]
                credited += [figures.agent(owner)] if owner else []
                credited += [figures.team(team)] if team else []
                for contributor in credited:
                    contributor.first_response_seconds_total += int((at - opened).total_seconds())
                    contributor.first_response_samples += 1

        inside = [close for close in closes if lower <= close[0] < upper]
        if not inside:
            continue
        figures.total.tickets_closed += 1
        for name in {close_owner for _at, close_owner, _team in inside if close_owner}:
            figures.agent(name).tickets_closed += 1
        for name in {close_team for _at, _owner, close_team in inside if close_team}:
            figures.team(name).tickets_closed += 1
        latest_at, latest_owner, latest_team = inside[-1]
        credited = [figures.total]
        credited += [figures.agent(latest_owner)] if latest_owner else []
        credited += [figures.team(latest_team)] if latest_team else []
        for contributor in credited:
            contributor.resolution_seconds_total += int((latest_at - opened).total_seconds())
            contributor.resolution_samples += 1
    return figures


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return replay_events(LOG, "UTC")


@pytest.fixture(scope="module")
def log_rows() -> list[dict[str, str]]:
    with open(LOG, newline="", encoding="ascii") as stream:
        return list(csv.DictReader(stream))


# The bundled log and its figures


def test_bundled_log_unchanged():
    import hashlib

    assert hashlib.sha256(LOG.read_bytes()).hexdigest() == LOG_SHA256


def test_replay_creates_890_tickets(events):
    created = of_type(events, "ticket.created")

    assert len(created) == 890
    assert created[0]["ticket"] == "INC0000045"
    assert created[-1]["ticket"] == "INC0001434"


def test_replay_creates_customer_phone_tickets(events):
    created = of_type(events, "ticket.created")

    assert {event["created_by_role"] for event in created} == {"customer"}
    assert {event["channel"] for event in created} == {"phone"}
    assert all(event["pipeline"] == event["team"] for event in created)


def test_replay_creates_29_tickets_resolved(events):
    created = of_type(events, "ticket.created")

    assert sum(event["state"] == "Resolved" for event in created) == 29
    assert sum(event["state_class"] == "resolved" for event in created) == 29


def test_state_changes_skip_flawed_row(events):
    incidents = read_incidents(LOG, "UTC")
    changed_rows = sum(
        1 for incident in incidents for before, row in zip(incident.rows, incident.rows[1:]) if row.state != before.state
    )
    state_events = of_type(events, "ticket.state_changed")

    assert changed_rows == 2528
    # The row of INC0000137 that moves Resolved to New without a reopen is not replayed.
    assert len(state_events) == 2527
    assert [event["to_state"] for event in state_events if event["ticket"] == "INC0000137"] == ["Resolved", "Closed"]


def test_owner_changes_are_440(events):
    owner_events = of_type(events, "ticket.owner_changed")

    assert len(owner_events) == 440
    assert any(event["to_owner"] is None for event in owner_events)


def test_team_changes_are_874_moves(events):
    moves = of_type(events, "ticket.moved")

    assert len(moves) == 874
    assert all(event["pipeline"] == event["team"] for event in moves)
    assert any(event["team"] is None for event in moves)


def test_priority_changes_in_39_tickets(events):
    updates = of_type(events, "ticket.updated")

    assert len({event["ticket"] for event in updates}) == 39
    assert all(set(event) - {"event_id", "type", "occurred_at", "sequence", "ticket"} == {"priority"} for event in updates)


def test_reopens_are_11_in_10_tickets(events):
    reopens = [
        event
        for event in of_type(events, "ticket.state_changed")
        if event["from_class"] in CLOSED_CLASSES and event["to_class"] not in CLOSED_CLASSES
    ]

    assert len(reopens) == 11
    assert len({event["ticket"] for event in reopens}) == 10
    assert {(event["from_state"], event["to_state"]) for event in reopens} == {("Resolved", "Active")}


def test_first_response_862_samples(events):
    opened = {event["ticket"]: event["occurred_at"] for event in of_type(events, "ticket.created")}
    responses = of_type(events, "message.added")
    delays = [hours(opened[event["ticket"]], event["occurred_at"]) for event in responses]

    assert len(responses) == 862
    assert round(statistics.median(delays), 1) == 8.9
    assert round(statistics.mean(delays), 1) == 53.7


def test_first_response_proxy_and_fallbacks(events):
    incidents = {incident.number: incident for incident in read_incidents(LOG, "UTC")}
    opened = {event["ticket"]: event["occurred_at"] for event in of_type(events, "ticket.created")}
    responded = {event["ticket"]: event for event in of_type(events, "message.added")}
    direct = [hours(opened[number], responded[number]["occurred_at"]) for number in opened
              if incidents[number].rows[0].state == "New"]
    later_start = Counter(
        (incidents[number].rows[0].saved_by == "Updated by 908", number in responded)
        for number in opened
        if incidents[number].rows[0].state != "New"
    )

    assert len(direct) == 632
    assert round(statistics.median(direct), 1) == 23.5
    assert round(statistics.mean(direct), 1) == 52.8
    assert later_start[(False, True)] == 159
    assert later_start[(True, True)] == 71
    assert later_start[(True, False)] == 28
    assert all(event["author"].startswith("Updated by ") for event in responded.values())
    assert all(event["author"] != "Updated by 908" for event in responded.values())


def test_first_response_message_fields(events):
    response = of_type(events, "message.added")[0]

    assert response["author_role"] == "agent"
    assert response["public"] is True
    assert response["auto_reply"] is False
    assert response["message"] == f"{response['ticket']}-first-response"


def test_resolution_time_over_861_incidents(events, log_rows):
    opened = {event["ticket"]: event["occurred_at"] for event in of_type(events, "ticket.created")}
    resolved_at = {row["number"]: row["resolved_at"] for row in log_rows if row["resolved_at"] != "?"}
    samples = [
        (local_to_utc(text) - parse_utc(opened[number])).total_seconds() / 3600 for number, text in resolved_at.items()
    ]
    percentiles = statistics.quantiles(samples, n=100, method="inclusive")

    assert len(samples) == 861
    assert round(statistics.median(samples), 1) == 54.5
    assert round(statistics.mean(samples), 1) == 315.9
    assert round(percentiles[24], 1) == 22.4
    assert round(percentiles[74], 1) == 320.0
    # 762 h 03 min, which is 762.1 h when rounded half up.
    assert percentiles[89] * 60 == pytest.approx(762 * 60 + 3)
    assert min(samples) == pytest.approx(1 / 60)
    assert round(max(samples)) == 8020


def test_resolved_at_matches_latest_close_in_844(events, log_rows):
    resolved_at = {row["number"]: row["resolved_at"] for row in log_rows if row["resolved_at"] != "?"}
    closes = close_times(events)
    matches = sum(
        parse_utc(closes[number][-1]) == local_to_utc(text) for number, text in resolved_at.items()
    )

    assert len(closes) == 890
    assert matches == 844


def test_closes_are_890_plus_reopens(events):
    closes = close_times(events)

    assert all(len(times) >= 1 for times in closes.values())
    assert sum(len(times) for times in closes.values()) == 890 + 11


def test_directory_counts_agents_and_groups(events):
    memberships = of_type(events, "membership.changed")
    groups_per_agent = Counter(event["user"] for event in memberships)

    assert len(of_type(events, "user.upserted")) == 122
    assert len(of_type(events, "team.upserted")) == 61
    assert sum(count == 1 for count in groups_per_agent.values()) == 58
    assert sum(count >= 2 for count in groups_per_agent.values()) == 64
    assert max(groups_per_agent.values()) == 10


def test_each_agent_has_one_primary_team(events):
    primary = Counter(event["user"] for event in of_type(events, "membership.changed") if event["kind"] == "primary")

    assert len(primary) == 122
    assert set(primary.values()) == {1}


def test_user_upserts_are_active_agents(events):
    users = of_type(events, "user.upserted")

    assert {event["role"] for event in users} == {"agent"}
    assert {event["active"] for event in users} == {True}
    assert {event["email"] for event in users} == {None}
    assert {event["locale"] for event in users} == {None}


def test_directory_events_come_first(events):
    kinds = [event["type"] for event in events]
    first_ticket_event = kinds.index("ticket.created")

    assert set(kinds[:first_ticket_event]) == {"team.upserted", "user.upserted", "membership.changed"}
    assert not {"team.upserted", "user.upserted", "membership.changed"} & set(kinds[first_ticket_event:])


def test_ticket_times_never_decrease(events):
    last_time: dict[str, datetime] = {}
    for event in events:
        if "ticket" not in event:
            continue
        at = parse_utc(event["occurred_at"])
        assert at >= last_time.get(event["ticket"], at), event["event_id"]
        last_time[event["ticket"]] = at


def test_rows_before_opened_at_move_to_creation(events):
    created = {event["ticket"]: event["occurred_at"] for event in of_type(events, "ticket.created")}
    first_rows = {incident.number: incident.rows[0] for incident in read_incidents(LOG, "UTC")}
    early = [number for number, row in first_rows.items() if row.updated_at.replace(tzinfo=timezone.utc)
             < parse_utc(created[number])]

    assert len(early) == 5
    assert all(first_rows[number].occurred_at == parse_utc(created[number]) for number in early)


def test_month_span_in_rome():
    assert log_month_span(LOG, "Europe/Rome") == (date(2016, 2, 1), date(2017, 2, 1))


# Event ids and sequences


def test_replay_twice_gives_identical_events(events):
    assert replay_events(LOG, "UTC") == events


def test_event_ids_unique(events):
    ids = [event["event_id"] for event in events]

    assert len(ids) == len(set(ids))
    assert all(1 <= len(event_id) <= 200 for event_id in ids)


def test_ticket_event_ids_name_incident_row_and_kind(events):
    pattern = re.compile(r"inc-(INC\d+)-r(\d+)-(created|team|owner|update|state|response)")
    for event in events:
        if "ticket" not in event:
            continue
        match = pattern.fullmatch(event["event_id"])
        assert match, event["event_id"]
        assert match.group(1) == event["ticket"]
        assert int(match.group(2)) == event["sequence"]


def test_sequences_follow_row_order(events):
    by_ticket: dict[str, list[int]] = defaultdict(list)
    for event in events:
        if "ticket" in event:
            by_ticket[event["ticket"]].append(event["sequence"])

    assert all(sequences == sorted(sequences) for sequences in by_ticket.values())
    assert all(sequences[0] == 0 for sequences in by_ticket.values())


def test_row_events_apply_routing_before_state():
    log = make_log(
        ("INC1", "New", "0", "0", "01-03-2016 09:00", "Updated by 1", "01-03-2016 09:00", "G1", "?"),
        ("INC1", "Resolved", "0", "1", "01-03-2016 09:00", "Updated by 2", "01-03-2016 10:00", "G2", "A",
         "Phone", "2 - High"),
    )
    (_number, ticket_events), = iter_ticket_events(log, "UTC")

    assert [event["type"] for event in ticket_events] == [
        "ticket.created",
        "ticket.moved",
        "ticket.owner_changed",
        "ticket.updated",
        "ticket.state_changed",
        "message.added",
    ]


# Parsing and errors


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("New", "new"),
        ("Active", "open"),
        ("Awaiting User Info", "pending"),
        ("Awaiting Problem", "pending"),
        ("Awaiting Vendor", "pending"),
        ("Awaiting Evidence", "pending"),
        ("Resolved", "resolved"),
        ("Closed", "closed"),
        ("-100", None),
        ("Awaiting", None),
    ],
)
def test_state_class_mapping(state, expected):
    assert state_class(state) == expected


def test_unknown_state_raises_with_location():
    log = make_log(
        ("INC1", "New", "0", "0", "01-03-2016 09:00", "Updated by 1", "01-03-2016 09:00", "G1", "?"),
        ("INC1", "-100", "0", "1", "01-03-2016 09:00", "Updated by 1", "01-03-2016 10:00", "G1", "?"),
    )

    with pytest.raises(IncidentLogError) as raised:
        replay_events(log, "UTC")

    assert raised.value.incident == "INC1"
    assert raised.value.row == 2
    assert raised.value.value == "-100"
    assert "INC1" in str(raised.value)
    assert "row 2" in str(raised.value)
    assert "'-100'" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_month_first_timestamp_raises():
    log = make_log(("INC1", "New", "0", "0", "02-29-2016 09:00", "Updated by 1", "02-29-2016 09:00", "G1", "?"))

    with pytest.raises(IncidentLogError, match="invalid opened_at '02-29-2016 09:00'"):
        replay_events(log, "UTC")


def test_missing_column_raises():
    log = io.StringIO("number,incident_state\r\nINC1,New\r\n")

    with pytest.raises(IncidentLogError, match="missing the columns"):
        replay_events(log, "UTC")


# Time zones


@pytest.mark.parametrize(
    ("zone", "local", "expected"),
    [
        ("Europe/Rome", "01-03-2016 10:00", "2016-03-01T09:00:00Z"),
        ("Europe/Rome", "01-07-2016 10:00", "2016-07-01T08:00:00Z"),
        # 27 March 2016: clocks jump from 02:00 to 03:00, so 02:30 does not exist.
        ("Europe/Rome", "27-03-2016 02:30", "2016-03-27T01:30:00Z"),
        ("Europe/Rome", "27-03-2016 03:30", "2016-03-27T01:30:00Z"),
        # 30 October 2016: 02:30 happens twice, and the first (summer time) one is used.
        ("Europe/Rome", "30-10-2016 02:30", "2016-10-30T00:30:00Z"),
        ("America/New_York", "01-03-2016 10:00", "2016-03-01T15:00:00Z"),
        # 13 March 2016: clocks jump from 02:00 to 03:00.
        ("America/New_York", "13-03-2016 02:30", "2016-03-13T07:30:00Z"),
        # 6 November 2016: 01:30 happens twice, and the first (daylight time) one is used.
        ("America/New_York", "06-11-2016 01:30", "2016-11-06T05:30:00Z"),
        ("UTC", "29-02-2016 01:16", "2016-02-29T01:16:00Z"),
    ],
)
def test_local_time_converts_to_utc(zone, local, expected):
    log = make_log(("INC1", "New", "0", "0", local, "Updated by 908", local, "G1", "?"))
    (_number, ticket_events), = iter_ticket_events(log, zone)

    assert ticket_events[0]["occurred_at"] == expected


def test_time_in_dst_gap_never_goes_backwards():
    log = make_log(
        ("INC1", "New", "0", "0", "27-03-2016 01:50", "Updated by 1", "27-03-2016 01:50", "G1", "?"),
        ("INC1", "Active", "0", "1", "27-03-2016 01:50", "Updated by 2", "27-03-2016 02:40", "G1", "A"),
        ("INC1", "Resolved", "0", "2", "27-03-2016 01:50", "Updated by 2", "27-03-2016 03:10", "G1", "A"),
    )
    (_number, ticket_events), = iter_ticket_events(log, "Europe/Rome")
    states = of_type(ticket_events, "ticket.state_changed")

    assert states[0]["occurred_at"] == "2016-03-27T01:40:00Z"
    assert states[1]["occurred_at"] == "2016-03-27T01:40:00Z"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Rome", "America/New_York"])
def test_month_span_follows_local_clock(zone):
    log = make_log(
        ("INC1", "New", "0", "0", "31-01-2016 23:30", "Updated by 1", "31-01-2016 23:30", "G1", "?"),
        ("INC1", "Resolved", "0", "1", "31-01-2016 23:30", "Updated by 2", "01-03-2016 00:10", "G1", "?"),
    )

    assert log_month_span(log, zone) == (date(2016, 1, 1), date(2016, 3, 1))


# Membership rule


def test_membership_primary_then_extra():
    log = make_log(
        ("INC1", "New", "0", "0", "01-03-2016 09:00", "Updated by 1", "01-03-2016 09:00", "G2", "?"),
        ("INC1", "Active", "0", "1", "01-03-2016 09:00", "Updated by 1", "03-03-2016 09:00", "G2", "A"),
        ("INC2", "Active", "0", "0", "02-03-2016 09:00", "Updated by 1", "02-03-2016 09:00", "G1", "A"),
        ("INC2", "Active", "0", "1", "02-03-2016 09:00", "Updated by 1", "02-03-2016 10:00", "?", "A"),
    )
    memberships = of_type(replay_events(log, "UTC"), "membership.changed")

    assert [(event["team"], event["kind"], event["occurred_at"]) for event in memberships] == [
        ("G1", "primary", "2016-03-02T09:00:00Z"),
        ("G2", "extra", "2016-03-03T09:00:00Z"),
    ]
    assert all(event["user"] == "A" and event["member"] is True for event in memberships)


# Reference computation


HAND_LOG = (
    # INC1: response by A, closed by A in G1, reopened and closed again by B in G2.
    ("INC1", "New", "0", "0", "01-03-2016 09:00", "Updated by 1", "01-03-2016 09:00", "G1", "?"),
    ("INC1", "Active", "0", "1", "01-03-2016 09:00", "Updated by 2", "01-03-2016 10:30", "G1", "A"),
    ("INC1", "Resolved", "0", "2", "01-03-2016 09:00", "Updated by 2", "02-03-2016 09:00", "G1", "A"),
    ("INC1", "Active", "1", "3", "01-03-2016 09:00", "Updated by 3", "03-03-2016 09:00", "G2", "B"),
    ("INC1", "Resolved", "1", "4", "01-03-2016 09:00", "Updated by 3", "04-03-2016 09:00", "G2", "B"),
    ("INC1", "Closed", "1", "5", "01-03-2016 09:00", "Updated by 908", "09-03-2016 10:00", "G2", "B"),
    # INC2: created in Resolved by the automation, first row stamped before opened_at.
    ("INC2", "Resolved", "0", "0", "01-03-2016 08:00", "Updated by 908", "01-03-2016 07:30", "G1", "?"),
    ("INC2", "Closed", "0", "1", "01-03-2016 08:00", "Updated by 908", "06-03-2016 09:00", "G1", "?"),
    # INC3: response at intake in February, closed by C in March.
    ("INC3", "Active", "0", "0", "29-02-2016 23:00", "Updated by 5", "29-02-2016 23:10", "G2", "C"),
    ("INC3", "Resolved", "0", "1", "29-02-2016 23:00", "Updated by 5", "01-03-2016 01:00", "G2", "C"),
    # INC4: the automation moves it out of New, and a person responds in April.
    ("INC4", "New", "0", "0", "31-03-2016 22:00", "Updated by 908", "31-03-2016 22:00", "G1", "?"),
    ("INC4", "Awaiting User Info", "0", "1", "31-03-2016 22:00", "Updated by 908", "31-03-2016 23:00", "G1", "?"),
    ("INC4", "Active", "0", "2", "31-03-2016 22:00", "Updated by 7", "01-04-2016 00:30", "G1", "A"),
    # INC5: first row by the automation, first person row later; resolved with no owner.
    ("INC5", "Active", "0", "0", "02-03-2016 12:00", "Updated by 908", "02-03-2016 12:00", "G1", "A"),
    ("INC5", "Awaiting User Info", "0", "1", "02-03-2016 12:00", "Updated by 8", "02-03-2016 12:20", "G1", "A"),
    ("INC5", "Resolved", "0", "2", "02-03-2016 12:00", "Updated by 8", "02-03-2016 14:00", "G1", "?"),
    ("INC5", "Closed", "0", "3", "02-03-2016 12:00", "Updated by 908", "07-03-2016 15:00", "G1", "?"),
    # INC6: closed by D, reopened and closed by E, all in G3.
    ("INC6", "New", "0", "0", "03-03-2016 09:00", "Updated by 908", "03-03-2016 09:00", "G3", "D"),
    ("INC6", "Resolved", "0", "1", "03-03-2016 09:00", "Updated by 9", "03-03-2016 10:00", "G3", "D"),
    ("INC6", "Active", "1", "2", "03-03-2016 09:00", "Updated by 9", "03-03-2016 11:00", "G3", "E"),
    ("INC6", "Resolved", "1", "3", "03-03-2016 09:00", "Updated by 9", "03-03-2016 12:00", "G3", "E"),
    ("INC6", "Closed", "1", "4", "03-03-2016 09:00", "Updated by 908", "08-03-2016 13:00", "G3", "E"),
)

MARCH_BY_HAND = MilestoneFigures(
    agents={
        # INC1 response 1.5 h and INC5 response 20 min; INC1 first close.
        "A": ContributorFigures(tickets_closed=1, first_response_seconds_total=5400 + 1200, first_response_samples=2),
        # INC1 latest close: 3 days after opening.
        "B": ContributorFigures(tickets_closed=1, resolution_seconds_total=259200, resolution_samples=1),
        # INC3 closed 2 h after opening; its response was in February.
        "C": ContributorFigures(tickets_closed=1, resolution_seconds_total=7200, resolution_samples=1),
        # INC6 response 1 h and first close.
        "D": ContributorFigures(tickets_closed=1, first_response_seconds_total=3600, first_response_samples=1),
        # INC6 latest close: 3 h after opening.
        "E": ContributorFigures(tickets_closed=1, resolution_seconds_total=10800, resolution_samples=1),
    },
    teams={
        # INC1 (first close), INC2 (close at creation, 0 s), INC5 (2 h).
        "G1": ContributorFigures(
            tickets_closed=3,
            resolution_seconds_total=0 + 7200,
            resolution_samples=2,
            first_response_seconds_total=5400 + 1200,
            first_response_samples=2,
        ),
        # INC1 (latest close) and INC3.
        "G2": ContributorFigures(tickets_closed=2, resolution_seconds_total=259200 + 7200, resolution_samples=2),
        # INC6 closed twice in G3 counts once.
        "G3": ContributorFigures(
            tickets_closed=1,
            resolution_seconds_total=10800,
            resolution_samples=1,
            first_response_seconds_total=3600,
            first_response_samples=1,
        ),
    },
    total=ContributorFigures(
        tickets_closed=5,
        resolution_seconds_total=259200 + 0 + 7200 + 7200 + 10800,
        resolution_samples=5,
        first_response_seconds_total=5400 + 1200 + 3600,
        first_response_samples=3,
    ),
)


def test_reference_matches_hand_example_march():
    figures = expected_figures(make_log(*HAND_LOG), date(2016, 3, 1), date(2016, 4, 1), "UTC")

    assert figures.agents == MARCH_BY_HAND.agents
    assert figures.teams == MARCH_BY_HAND.teams
    assert figures.total == MARCH_BY_HAND.total
    assert figures.agent("A").avg_resolution_seconds is None
    assert figures.team("G2").avg_resolution_seconds == 133200


def test_reference_matches_hand_example_february():
    figures = expected_figures(make_log(*HAND_LOG), date(2016, 2, 1), date(2016, 3, 1), "UTC")
    response = ContributorFigures(first_response_seconds_total=600, first_response_samples=1)

    assert figures.agents == {"C": response}
    assert figures.teams == {"G2": response}
    assert figures.total == response


def test_reference_matches_hand_example_april():
    figures = expected_figures(make_log(*HAND_LOG), date(2016, 4, 1), date(2016, 5, 1), "UTC")
    response = ContributorFigures(first_response_seconds_total=9000, first_response_samples=1)

    assert figures.agents == {"A": response}
    assert figures.teams == {"G1": response}
    assert figures.total == response


def test_replay_matches_hand_example():
    events = replay_events(make_log(*HAND_LOG), "UTC")
    figures = figures_from_events(events, date(2016, 3, 1), date(2016, 4, 1), "UTC")

    assert figures.agents == MARCH_BY_HAND.agents
    assert figures.teams == MARCH_BY_HAND.teams
    assert figures.total == MARCH_BY_HAND.total


def month_starts(first: date, last: date) -> list[date]:
    months = [first]
    while months[-1] < last:
        previous = months[-1]
        months.append(date(previous.year + previous.month // 12, previous.month % 12 + 1, 1))
    return months


@pytest.mark.parametrize("zone", ["Europe/Rome", "America/New_York"])
def test_replay_matches_reference_every_month(zone):
    events = replay_events(LOG, zone)
    first, last = log_month_span(LOG, zone)
    bounds = month_starts(first, date(last.year + last.month // 12, last.month % 12 + 1, 1))

    for start, end in zip(bounds, bounds[1:]):
        replayed = figures_from_events(events, start, end, zone)
        expected = expected_figures(LOG, start, end, zone)
        assert replayed.agents == expected.agents, start
        assert replayed.teams == expected.teams, start
        assert replayed.total == expected.total, start


def test_reference_whole_log_totals():
    figures = expected_figures(LOG, date(2016, 1, 1), date(2018, 1, 1), "UTC")

    assert figures.total.tickets_closed == 890
    assert figures.total.resolution_samples == 890
    assert figures.total.first_response_samples == 862
    assert round(figures.total.avg_first_response_seconds / 3600, 1) == 53.7
