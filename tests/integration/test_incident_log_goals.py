"""The three built-in goals on the real incident log match an independent computation.

The log goes through the real webhook endpoint; the expected figures come from
``tests/reference/incident_log_reference.py``, which reads the CSV rows directly
and shares no code with the replay or the engine.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from connectors.generic.incident_log import replay_events
from plugin.db import transaction
from plugin.models import Result
from tests.conftest import DEMO_LOG
from tests.reference.incident_log_reference import expected_figures

ZONE = "Europe/Rome"
SPAN = (date(2016, 2, 1), date(2017, 2, 28))
TARGETS = {"tickets_closed": {"user": 10}, "avg_first_response_time": {"user": 28800, "team": 28800},
           "avg_resolution_time": {"user": 259200, "team": 259200}}


@pytest.fixture
def replayed(post_events, clock):
    clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc))
    events = replay_events(DEMO_LOG, ZONE)
    for offset in range(0, len(events), 500):
        response = post_events(events[offset:offset + 500])
        assert response.status_code == 202, response.get_json()
    return events


def _create_goals(api, frequency="custom", span=None):
    teams = [team["id"] for team in api.get("/teams?per_page=200").get_json()["items"]]
    span = span or {"kind": "dates", "start": SPAN[0].isoformat(), "end": SPAN[1].isoformat()}
    goals = {}
    for template, targets in TARGETS.items():
        response = api.post("/goals", json={
            "name": f"{template} {frequency}", "template": template, "frequency": frequency, "span": span,
            "contributors": {"kind": "teams", "teams": teams, "team_attribution": "ticket_team"},
            "targets": targets, "response_credit": "owner"})
        assert response.status_code == 201, response.get_json()
        goals[template] = response.get_json()["id"]
    return goals


def _values(api, goal_id, milestone_label):
    """Return {("user"|"team", name): (value, sample_count)} for one milestone."""
    document = api.get(f"/goals/{goal_id}/progress").get_json()
    values = {}
    for contributor in document["contributors"]:
        cell = next(cell for cell in contributor["milestones"] if cell["milestone"] == milestone_label)
        values[(contributor["kind"], contributor["name"])] = (cell["value"], cell["sample_count"])
    return values


def _expected(figures, template):
    """Return the reference's {("user"|"team", name): (value, samples)} for a template."""
    expected = {}
    for kind, group in (("user", figures.agents), ("team", figures.teams)):
        for name, numbers in group.items():
            if template == "tickets_closed":
                expected[(kind, name)] = (float(numbers.tickets_closed), numbers.tickets_closed)
            elif template == "avg_first_response_time":
                expected[(kind, name)] = (numbers.avg_first_response_seconds, numbers.first_response_samples)
            else:
                expected[(kind, name)] = (numbers.avg_resolution_seconds, numbers.resolution_samples)
    return expected


def _compare(actual, expected, template):
    """Return every contributor whose value or sample count differs from the reference.

    A contributor the reference never credits has 0 tickets closed, or no average.
    """
    empty = (0.0, 0) if template == "tickets_closed" else (None, 0)
    mismatches = []
    for key, (value, samples) in actual.items():
        want_value, want_samples = expected.get(key, empty)
        if samples != want_samples or (value is None) != (want_value is None) or (
                value is not None and abs(value - want_value) > 1e-6):
            mismatches.append((key, (value, samples), (want_value, want_samples)))
    return mismatches


@pytest.mark.parametrize("template", list(TARGETS))
def test_whole_log_matches_reference(replayed, api, template):
    goals = _create_goals(api)
    label = f"{SPAN[0].isoformat()}..{SPAN[1].isoformat()}"
    actual = _values(api, goals[template], label)
    expected = _expected(expected_figures(DEMO_LOG, SPAN[0], date(2017, 3, 1), ZONE), template)

    assert len([key for key in actual if key[0] == "user"]) == 122
    assert _compare(actual, expected, template) == []


def test_monthly_milestones_match_reference(replayed, api):
    goals = _create_goals(api, frequency="monthly", span={"kind": "year", "year": 2016})
    for month in (2, 3, 4):
        expected_all = expected_figures(DEMO_LOG, date(2016, month, 1), date(2016, month + 1, 1), ZONE)
        for template, goal_id in goals.items():
            actual = _values(api, goal_id, f"2016-{month:02d}")
            assert _compare(actual, _expected(expected_all, template), template) == [], (template, month)


def test_team_totals_cover_every_team_close(replayed, api):
    goals = _create_goals(api)
    label = f"{SPAN[0].isoformat()}..{SPAN[1].isoformat()}"
    actual = _values(api, goals["tickets_closed"], label)
    team_total = sum(samples for (kind, _), (_, samples) in actual.items() if kind == "team")
    reference = expected_figures(DEMO_LOG, SPAN[0], date(2017, 3, 1), ZONE)
    assert team_total == sum(team.tickets_closed for team in reference.teams.values())


def test_replaying_twice_changes_nothing(replayed, api, post_events, runtime):
    goals = _create_goals(api)
    with transaction(runtime.sessions) as session:
        before = sorted((row.contributor_id, row.value, row.sample_count, row.status)
                        for row in session.query(Result).all())
    for offset in range(0, len(replayed), 500):
        answer = post_events(replayed[offset:offset + 500]).get_json()
        assert answer["accepted"] == 0
    with transaction(runtime.sessions) as session:
        after = sorted((row.contributor_id, row.value, row.sample_count, row.status)
                       for row in session.query(Result).all())
    assert after == before
    assert len(goals) == 3
