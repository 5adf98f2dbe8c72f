"""Well-known helpdesk metric mistakes, replayed through the generic webhook and read through the progress API."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.builders import created, deactivated, member, message, owner, removed, state, team, user
from tests.goals.helpers import cell, create_goal, ids

UTC = timezone.utc
HOUR = 3600


def _people(post_events):
    response = post_events([user("ann"), user("bob"), user("cy"), team("tier1"), team("tier2"),
                            member("ann", "tier1"), member("bob", "tier1"), member("cy", "tier2")])
    assert response.status_code == 202


def _users_goal(api, template, **extra):
    users = ids(api, "users")
    return create_goal(api, name=f"{template} goal", template=template,
                       contributors={"kind": "users", "users": [users["ann"], users["bob"]]}, **extra)


def test_reopened_ticket_counts_once(post_events, api):
    _people(post_events)
    post_events([created("T1", "2026-03-02 09:00", owner="ann"), state("T1", "2026-03-02 10:00", "closed"),
                  state("T1", "2026-03-03 09:00", "open"), state("T1", "2026-03-04 09:00", "closed")])
    closed = _users_goal(api, "tickets_closed")
    resolution = _users_goal(api, "avg_resolution_time", targets={"user": 86400})

    assert cell(api, closed["id"], "Ann", "2026-03")["value"] == 1
    # Resolution runs to the latest close: 2 days.
    assert cell(api, resolution["id"], "Ann", "2026-03")["value"] == 48 * HOUR


def test_close_credit_survives_reopen_into_next_month(post_events, api):
    _people(post_events)
    post_events([created("T1", "2026-03-30 09:00", owner="ann"), state("T1", "2026-03-31 10:00", "closed"),
                  state("T1", "2026-04-01 09:00", "open"), owner("T1", "2026-04-01 09:05", "bob"),
                  state("T1", "2026-04-02 09:00", "resolved")])
    goal = _users_goal(api, "tickets_closed")

    assert cell(api, goal["id"], "Ann", "2026-03")["value"] == 1
    assert cell(api, goal["id"], "Bob", "2026-04")["value"] == 1
    assert cell(api, goal["id"], "Ann", "2026-04")["value"] == 0


def test_automation_close_credits_owner(post_events, api):
    _people(post_events)
    post_events([created("T1", "2026-03-02 09:00", owner="bob"),
                 state("T1", "2026-03-09 00:00", "closed", actor=None)])
    goal = _users_goal(api, "tickets_closed")

    assert cell(api, goal["id"], "Bob", "2026-03")["value"] == 1


def test_merged_ticket_leaves_open_milestone_only(post_events, api, clock):
    clock.set(datetime(2026, 4, 10, 12, 0, tzinfo=UTC))
    _people(post_events)
    post_events([created("T1", "2026-03-02 09:00", owner="ann"), state("T1", "2026-03-02 10:00", "closed"),
                 created("T2", "2026-04-02 09:00", owner="ann"), state("T2", "2026-04-02 10:00", "closed"),
                 created("T3", "2026-04-03 09:00", owner="ann"), state("T3", "2026-04-03 10:00", "closed")])
    goal = _users_goal(api, "tickets_closed")
    assert cell(api, goal["id"], "Ann", "2026-03")["frozen"] is True

    post_events([removed("T1", "2026-04-05 09:00"), removed("T2", "2026-04-05 09:00", "ticket.spam")])

    assert cell(api, goal["id"], "Ann", "2026-03")["value"] == 1
    assert cell(api, goal["id"], "Ann", "2026-04")["value"] == 1


def test_dst_week_boundaries_in_rome(post_events, api):
    _people(post_events)
    # Week 2026-W13 in Rome runs from 2026-03-22 23:00 UTC to 2026-03-29 22:00 UTC (167 hours).
    post_events([created("T1", "2026-03-22 22:30", owner="ann"), state("T1", "2026-03-22 22:59", "closed"),
                 created("T2", "2026-03-22 23:00", owner="ann"), state("T2", "2026-03-22 23:00", "closed"),
                 created("T3", "2026-03-29 21:59", owner="ann"), state("T3", "2026-03-29 21:59", "closed"),
                 created("T4", "2026-03-29 22:00", owner="ann"), state("T4", "2026-03-29 22:00", "closed")])
    goal = _users_goal(api, "tickets_closed", frequency="weekly")
    week = cell(api, goal["id"], "Ann", "2026-W13")

    assert week["value"] == 2
    assert week["starts_at"].startswith("2026-03-22T23:00")
    assert week["ends_at"].startswith("2026-03-29T22:00")
    assert cell(api, goal["id"], "Ann", "2026-W12")["value"] == 1
    assert cell(api, goal["id"], "Ann", "2026-W14")["value"] == 1


def test_fiscal_quarters_in_progress(post_events, api, runtime):
    with runtime.sessions() as session:
        from plugin.models import Installation
        session.get(Installation, 1).fiscal_year_start_month = 4
        session.commit()
    _people(post_events)
    # Rome: 2026-03-31 22:00 UTC is already 1 April, the first day of FY2027.
    post_events([created("T1", "2026-03-31 21:00", owner="ann"), state("T1", "2026-03-31 21:59", "closed"),
                 created("T2", "2026-03-31 22:00", owner="ann"), state("T2", "2026-03-31 22:00", "closed")])
    goal = _users_goal(api, "tickets_closed", frequency="quarterly", span={"kind": "fiscal_year", "year": 2027})

    labels = [milestone["label"] for milestone in goal["milestones"]]
    assert labels == ["FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]
    assert cell(api, goal["id"], "Ann", "FY2027-Q1")["value"] == 1


def test_team_average_pools_samples(post_events, api):
    _people(post_events)
    # Ann: one response after 1 h. Bob: three after 3 h. Pooled: (1 + 9) / 4 = 2.5 h, not (1 + 3) / 2 = 2 h.
    events = [created("A", "2026-03-02 09:00", owner="ann"), message("A", "2026-03-02 10:00", author="ann")]
    for index in range(3):
        events += [created(f"B{index}", "2026-03-03 09:00", owner="bob"),
                   message(f"B{index}", "2026-03-03 12:00", author="bob")]
    post_events(events)
    goal = create_goal(api, name="Pooled", template="avg_first_response_time",
                       contributors={"kind": "teams", "teams": [ids(api, "teams")["tier1"]]},
                       targets={"user": 3600, "team": 3600})

    assert cell(api, goal["id"], "Tier1", "2026-03")["value"] == 2.5 * HOUR
    assert cell(api, goal["id"], "Tier1", "2026-03")["sample_count"] == 4
    assert cell(api, goal["id"], "Ann", "2026-03")["value"] == HOUR


def test_empty_period_has_no_data(post_events, api):
    _people(post_events)
    average = _users_goal(api, "avg_first_response_time", targets={"user": 3600})
    count = _users_goal(api, "tickets_closed", targets={"user": 2})

    empty_average = cell(api, average["id"], "Ann", "2026-02")
    empty_count = cell(api, count["id"], "Ann", "2026-02")
    assert empty_average["value"] is None
    assert empty_average["status"] == "no_data"
    assert empty_count["value"] == 0
    assert empty_count["status"] == "missed"


def test_membership_at_event_time(post_events, api):
    _people(post_events)
    # Ann moves from tier1 to tier2 on 2026-03-15: her earlier close stays with tier1.
    post_events([created("T1", "2026-03-02 09:00", owner="ann"), state("T1", "2026-03-02 10:00", "closed"),
                 member("ann", "tier2", "2026-03-15 00:00"),
                 created("T2", "2026-03-20 09:00", owner="ann"), state("T2", "2026-03-20 10:00", "closed")])
    teams = ids(api, "teams")
    goal = create_goal(api, name="Teams", template="tickets_closed",
                       contributors={"kind": "teams", "teams": [teams["tier1"], teams["tier2"]]})

    assert cell(api, goal["id"], "Tier1", "2026-03")["value"] == 1
    assert cell(api, goal["id"], "Tier2", "2026-03")["value"] == 1


def test_deactivated_user_stops_but_team_keeps_work(post_events, api):
    _people(post_events)
    post_events([created("T1", "2026-03-02 09:00", owner="bob"), state("T1", "2026-03-02 10:00", "closed"),
                 deactivated("bob", "2026-03-10 00:00"),
                 created("T2", "2026-03-12 09:00", owner="bob"), state("T2", "2026-03-12 10:00", "closed")])
    goal = create_goal(api, name="Teams", template="tickets_closed",
                       contributors={"kind": "teams", "teams": [ids(api, "teams")["tier1"]]})
    document = api.get(f"/goals/{goal['id']}/progress").get_json()
    bob = next(row for row in document["contributors"] if row["name"] == "Bob")

    march = cell(api, goal["id"], "Bob", "2026-03")
    assert march["value"] == 1
    # The status stays as it was at the deactivation: March was in progress then.
    assert march["status"] == "in_progress"
    assert march["pace"] is None
    assert bob["stopped_at"].startswith("2026-03-10")
    assert cell(api, goal["id"], "Tier1", "2026-03")["value"] == 2


def test_late_delivery_inside_grace_counts(post_events, api, clock):
    _people(post_events)
    clock.set(datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    goal = _users_goal(api, "tickets_closed")
    # Rome: March ends at 2026-03-31 22:00 UTC; the default grace window is 60 minutes.
    clock.set(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    post_events([created("T1", "2026-03-31 21:00", owner="ann"), state("T1", "2026-03-31 21:30", "closed")])
    assert cell(api, goal["id"], "Ann", "2026-03")["value"] == 1
    assert cell(api, goal["id"], "Ann", "2026-03")["frozen"] is False

    clock.set(datetime(2026, 3, 31, 23, 5, tzinfo=UTC))
    post_events([created("T2", "2026-04-01 09:00", owner="ann"), state("T2", "2026-04-01 09:30", "closed")])
    assert cell(api, goal["id"], "Ann", "2026-03")["frozen"] is True

    post_events([created("T3", "2026-03-31 20:00", owner="ann"), state("T3", "2026-03-31 20:30", "closed"),
                 state("T1", "2026-04-01 10:00", "open"), removed("T1", "2026-04-01 11:00")])
    march = cell(api, goal["id"], "Ann", "2026-03")
    assert march["value"] == 1
    assert march["status"] == "exceeded" or march["status"] == "achieved"


def test_business_hours_first_response(post_events, api):
    _people(post_events)
    response = api.post("/calendars", json={
        "name": "Rome office", "time_zone": "Europe/Rome", "country": "IT",
        "weekly_hours": {day: [["09:00", "13:00"], ["14:00", "18:00"]]
                         for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}})
    assert response.status_code == 201, response.get_json()
    # Friday 2026-04-03 18:30 Rome (16:30 UTC) answered Tuesday 09:30 Rome (07:30 UTC): Easter Monday is a
    # holiday, so the wait is 30 working minutes.
    post_events([created("T1", "2026-04-03 16:30", owner="ann"), message("T1", "2026-04-07 07:30", author="ann")])
    business = _users_goal(api, "avg_first_response_time", targets={"user": 3600}, business_hours=True)
    calendar = create_goal(api, name="calendar time", template="avg_first_response_time",
                           contributors={"kind": "users", "users": [ids(api, "users")["ann"]]},
                           targets={"user": 3600})

    assert cell(api, business["id"], "Ann", "2026-04")["value"] == 1800
    assert cell(api, calendar["id"], "Ann", "2026-04")["value"] == 87 * HOUR


def test_custom_share_within_threshold(post_events, api):
    _people(post_events)
    events = []
    for index, minutes in enumerate([30, 45, 59, 61, 120]):
        events += [created(f"T{index}", "2026-03-02 09:00", owner="ann", channel="email", priority="high"),
                   message(f"T{index}", f"2026-03-02 {9 + minutes // 60:02d}:{minutes % 60:02d}", author="ann")]
    events += [created("P", "2026-03-02 09:00", owner="ann", channel="phone"),
               message("P", "2026-03-02 09:10", author="ann")]
    post_events(events)
    goal = create_goal(api, name="Under an hour", template="custom", metric="first_response_time",
                       aggregation="share_within", threshold_seconds=3600, filters={"channels": ["email"]},
                       contributors={"kind": "users", "users": [ids(api, "users")["ann"]]},
                       targets={"user": 80})

    march = cell(api, goal["id"], "Ann", "2026-03")
    # 3 of the 5 e-mail tickets were answered within an hour; the phone ticket is filtered out.
    assert march["value"] == 60
    assert march["sample_count"] == 5
    assert march["status"] == "missed"
    assert goal["direction"] == "higher"
    assert goal["unit"] == "percent"


def test_pace_of_count_in_progress(post_events, api, clock):
    _people(post_events)
    clock.set(datetime(2026, 3, 11, 23, 0, tzinfo=UTC))
    events = []
    for index in range(5):
        events += [created(f"T{index}", "2026-03-02 09:00", owner="ann"),
                   state(f"T{index}", "2026-03-03 09:00", "closed")]
    post_events(events)
    goal = _users_goal(api, "tickets_closed", targets={"user": 20})

    march = cell(api, goal["id"], "Ann", "2026-03")
    # Rome March: 2026-02-28 23:00 UTC to 2026-03-31 22:00 UTC, 743 hours; 264 elapsed.
    assert march["projected"] == 5 * 743 / 264
    assert march["pace"] == "off_track"
