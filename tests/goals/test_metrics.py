"""Samples and aggregation of each KPI on hand-built timelines, expected values worked out by hand."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from plugin.goals.calendar import BusinessCalendar
from plugin.goals.metrics import Kpi, MetricOptions, Sample, TicketFilter, aggregate, samples_for
from plugin.goals.timeline import Entry, replay

UTC = timezone.utc
ANN, BOB, BOT = 1, 2, 3
START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)


def t(text: str) -> datetime:
    return datetime.strptime(text, "%m-%d %H:%M").replace(year=2026, tzinfo=UTC)


def created(when, owner=ANN, state_class="new", fields=None):
    return Entry("created", t(when), f"c{when}", state_class=state_class, owner_id=owner, owner_set=True,
                 pipeline_id=10, pipeline_set=True, team_id=20, team_set=True, fields=fields)


def state(when, state_class):
    return Entry("state", t(when), f"s{when}{state_class}", state_class=state_class)


def owner(when, user):
    return Entry("owner", t(when), f"o{when}", owner_id=user, owner_set=True)


def message(when, author=ANN, role="agent", public=True, auto_reply=False):
    return Entry("message", t(when), f"m{when}{author}", author_id=author, author_role=role, public=public,
                 auto_reply=auto_reply)


def updated(when, **fields):
    return Entry("updated", t(when), f"u{when}", fields=fields)


def samples(metric, entries, role="customer", options=MetricOptions()):
    return samples_for(metric, replay(7, role, entries), START, END, options)


# Closes: (entries, expected close times)
CLOSE_CASES = {
    "one close": ([created("03-02 09:00"), state("03-02 10:00", "resolved")], ["03-02 10:00"]),
    "resolved to closed is no new close": (
        [created("03-02 09:00"), state("03-02 10:00", "resolved"), state("03-03 10:00", "closed")], ["03-02 10:00"]),
    "reopen then close again": (
        [created("03-02 09:00"), state("03-02 10:00", "closed"), state("03-02 11:00", "open"),
         state("03-02 12:00", "closed")], ["03-02 10:00", "03-02 12:00"]),
    "created closed": ([created("03-02 09:00", state_class="closed")], ["03-02 09:00"]),
    "pending is no close": ([created("03-02 09:00"), state("03-02 10:00", "pending")], []),
}


@pytest.mark.parametrize("entries, expected", list(CLOSE_CASES.values()), ids=list(CLOSE_CASES))
def test_close_events(entries, expected):
    history = replay(7, "customer", entries)

    assert [close.at for close in history.closes] == [t(when) for when in expected]


def test_closes_in_delivery_order_do_not_matter():
    entries = [created("03-02 09:00"), state("03-02 10:00", "closed"), state("03-02 11:00", "open"),
               state("03-02 12:00", "closed")]

    assert replay(7, "customer", entries).closes == replay(7, "customer", list(reversed(entries))).closes


def test_close_credits_owner_at_close():
    entries = [created("03-02 09:00", owner=ANN), owner("03-02 09:30", BOB), state("03-02 10:00", "closed"),
               state("03-02 11:00", "open"), owner("03-02 11:30", ANN), state("03-02 12:00", "closed")]
    found = samples("tickets_closed", entries)

    assert [sample.user_id for sample in found] == [BOB, ANN]
    # Each agent counts the ticket once; together it is one ticket.
    assert aggregate(Kpi("tickets_closed", "count"), found).value == 1


def test_automation_close_credits_owner():
    entries = [created("03-02 09:00", owner=BOB), state("03-05 00:00", "closed")]

    assert [sample.user_id for sample in samples("tickets_closed", entries)] == [BOB]


def test_resolution_time_uses_latest_close():
    # Created 09:00, closed 10:00, reopened, closed 13:00: one sample of 4 hours, credited to Bob.
    entries = [created("03-02 09:00"), state("03-02 10:00", "closed"), state("03-02 11:00", "open"),
               owner("03-02 11:30", BOB), state("03-02 13:00", "closed")]
    (sample,) = samples("resolution_time", entries)

    assert sample.value == 4 * 3600
    assert sample.user_id == BOB


def test_resolution_excludes_paused_time():
    # 09:00 new, 10:00 pending until 12:00, 13:00 closed, reopened 15:00, closed 16:00.
    # Counted: 09-10 (1 h), 12-13 (1 h), 15-16 (1 h) = 3 h; paused: 10-12 and 13-15.
    entries = [created("03-02 09:00"), state("03-02 10:00", "pending"), state("03-02 12:00", "open"),
               state("03-02 13:00", "closed"), state("03-02 15:00", "open"), state("03-02 16:00", "closed")]
    (plain,) = samples("resolution_time", entries)
    (paused,) = samples("resolution_time", entries, options=MetricOptions(exclude_paused=True))

    assert plain.value == 7 * 3600
    assert paused.value == 3 * 3600


# First response: (entries, creator role, options, expected seconds or None, expected credited user)
RESPONSE_CASES = {
    "public agent reply": ([created("03-02 09:00"), message("03-02 09:45")], "customer", {}, 2700, ANN),
    "internal note skipped": (
        [created("03-02 09:00"), message("03-02 09:10", public=False), message("03-02 10:00")], "customer", {},
        3600, ANN),
    "auto reply skipped": (
        [created("03-02 09:00"), message("03-02 09:01", auto_reply=True), message("03-02 09:30", author=BOB)],
        "customer", {}, 1800, BOB),
    "bot and system skipped": (
        [created("03-02 09:00"), message("03-02 09:01", author=BOT, role="bot"),
         message("03-02 09:02", author=None, role="system"), message("03-02 09:20")], "customer", {}, 1200, ANN),
    "customer reply skipped": (
        [created("03-02 09:00"), message("03-02 09:05", author=9, role="customer"), message("03-02 09:35")],
        "customer", {}, 1800, ANN),
    "clock starts at later customer message": (
        [created("03-02 09:00"), message("03-02 10:00", author=9, role="customer"), message("03-02 10:15")],
        "customer", {}, 900, ANN),
    "agent-opened left out": ([created("03-02 09:00"), message("03-02 09:00")], "agent", {}, None, None),
    "agent-opened included": (
        [created("03-02 09:00"), message("03-02 09:00"), message("03-02 09:30", author=9, role="customer"),
         message("03-02 10:00", author=BOB)], "agent", {"include_agent_opened": True}, 1800, BOB),
    "credit to owner": (
        [created("03-02 09:00", owner=BOB), message("03-02 09:30", author=ANN)], "customer",
        {"response_credit": "owner"}, 1800, BOB),
    "reply with state change counts": (
        [created("03-02 09:00"), message("03-02 09:20"), state("03-02 09:20", "closed")], "customer", {}, 1200, ANN),
}


@pytest.mark.parametrize("entries, role, options, seconds, credited", list(RESPONSE_CASES.values()),
                         ids=list(RESPONSE_CASES))
def test_first_response(entries, role, options, seconds, credited):
    found = samples("first_response_time", entries, role, MetricOptions(**options))

    if seconds is None:
        assert found == []
    else:
        (sample,) = found
        assert sample.value == seconds
        assert sample.user_id == credited


def test_first_response_in_business_hours():
    # Rome office 09:00-18:00: a ticket at Friday 2026-03-06 17:30 Rome (16:30 UTC) answered Monday 09:30 Rome
    # (08:30 UTC) waited 30 minutes on Friday and 30 on Monday.
    office = BusinessCalendar.from_settings("Europe/Rome", {day: [["09:00", "18:00"]] for day in
                                                          ("monday", "tuesday", "wednesday", "thursday", "friday")})
    options = MetricOptions(calendar_for=lambda moment: office)
    (sample,) = samples("first_response_time", [created("03-06 16:30"), message("03-09 08:30")], options=options)

    assert sample.value == 3600


def test_response_outside_milestone_gives_nothing():
    entries = [created("02-27 09:00"), message("02-28 10:00")]

    assert samples("first_response_time", entries) == []


def _sample(value, ticket=1, user=ANN, team=20, pipeline=10, priority=None, channel=None, tags=()):
    return Sample(ticket, START, value, user, team, pipeline, priority, channel, tags)


# Aggregations: (kpi, sample values, expected)
AGGREGATION_CASES = {
    "mean": (Kpi("resolution_time", "mean"), [100, 200, 600], 300),
    "median odd": (Kpi("resolution_time", "median"), [100, 200, 600], 200),
    "median even": (Kpi("resolution_time", "median"), [100, 200, 600, 1000], 400),
    # Nearest rank: ceil(0.9 * 10) = 9th value.
    "p90 of ten": (Kpi("first_response_time", "p90"), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90),
    # ceil(0.9 * 3) = 3rd value.
    "p90 of three": (Kpi("first_response_time", "p90"), [5, 1, 3], 5),
    # 2 of 3 at or under 3600 s.
    "share within": (Kpi("first_response_time", "share_within", 3600), [1800, 3600, 3601], 200 / 3),
    "count of responses": (Kpi("first_response_time", "count"), [1800, 3600, 3601], 3),
}


@pytest.mark.parametrize("kpi, values, expected", list(AGGREGATION_CASES.values()), ids=list(AGGREGATION_CASES))
def test_aggregation(kpi, values, expected):
    found = [_sample(value, ticket=index) for index, value in enumerate(values)]

    assert aggregate(kpi, found).value == pytest.approx(expected)


@pytest.mark.parametrize("kpi, expected", [
    (Kpi("resolution_time", "mean"), None),
    (Kpi("resolution_time", "p90"), None),
    (Kpi("first_response_time", "share_within", 60), None),
    (Kpi("tickets_closed", "count"), 0),
])
def test_aggregation_without_samples(kpi, expected):
    assert aggregate(kpi, []).value == expected


@pytest.mark.parametrize("kpi, field", [
    (Kpi("tickets_closed", "mean"), "aggregation"),
    (Kpi("first_response_time", "share_within"), "threshold_seconds"),
    (Kpi("first_response_time", "mean", 60), "threshold_seconds"),
    (Kpi("handle_time", "mean"), "metric"),
])
def test_invalid_kpi(kpi, field):
    assert field in kpi.problems()


@pytest.mark.parametrize("ticket_filter, accepted", [
    (TicketFilter(), True),
    (TicketFilter(pipelines=frozenset({10})), True),
    (TicketFilter(pipelines=frozenset({11})), False),
    (TicketFilter(priorities=frozenset({"high"})), True),
    (TicketFilter(priorities=frozenset({"low"})), False),
    (TicketFilter(channels=frozenset({"email", "phone"})), True),
    (TicketFilter(channels=frozenset({"chat"})), False),
    (TicketFilter(tags=frozenset({"vip", "billing"})), True),
    (TicketFilter(tags=frozenset({"sales"})), False),
])
def test_ticket_filter(ticket_filter, accepted):
    sample = _sample(1, priority="high", channel="email", tags=("vip",))

    assert ticket_filter.accepts(sample) is accepted


def test_filter_fields_follow_timeline():
    entries = [created("03-02 09:00", fields={"priority": "low", "channel": "email", "tags": []}),
               updated("03-02 09:30", priority="high"), state("03-02 10:00", "closed"),
               updated("03-02 11:00", priority="low")]
    (sample,) = samples("tickets_closed", entries)

    assert sample.priority == "high"
    assert sample.channel == "email"
