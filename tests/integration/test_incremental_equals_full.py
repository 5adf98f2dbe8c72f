"""Incremental recompute (milestone by milestone as webhooks arrive) equals a full recompute.

Goals exist before the log is replayed, with the clock before the log starts,
so every milestone is open and each webhook batch recomputes the milestones it
touches. The full recompute then finds nothing to correct, and both agree with
the independent computation from the CSV rows.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from connectors.generic.incident_log import replay_events
from jobs.recompute import reconcile_installation
from plugin.db import transaction
from plugin.models import Result
from tests.conftest import DEMO_LOG
from tests.integration.test_incident_log_goals import TARGETS, ZONE, _compare, _expected, _values
from tests.reference.incident_log_reference import expected_figures


def _stored(runtime):
    with transaction(runtime.sessions) as session:
        return sorted((row.contributor_id, row.milestone_id, row.value, row.sample_count)
                      for row in session.query(Result).all())


def test_incremental_equals_full_on_real_log(post_events, api, runtime, installation, clock):
    clock.set(datetime(2016, 1, 15, tzinfo=timezone.utc))
    events = replay_events(DEMO_LOG, ZONE)
    directory = [event for event in events if not event["type"].startswith(("ticket.", "message."))]
    tickets = [event for event in events if event["type"].startswith(("ticket.", "message."))]
    for offset in range(0, len(directory), 400):
        assert post_events(directory[offset:offset + 400]).status_code == 202

    teams = [team["id"] for team in api.get("/teams?per_page=200").get_json()["items"]]
    goals = {}
    for template, targets in TARGETS.items():
        response = api.post("/goals", json={
            "name": template, "template": template, "frequency": "monthly", "span": {"kind": "year", "year": 2016},
            "contributors": {"kind": "teams", "teams": teams, "team_attribution": "ticket_team"},
            "targets": targets, "response_credit": "owner"})
        assert response.status_code == 201, response.get_json()
        goals[template] = response.get_json()["id"]

    for offset in range(0, len(tickets), 400):
        assert post_events(tickets[offset:offset + 400]).status_code == 202
    incremental = _stored(runtime)

    differences = reconcile_installation(installation["id"])

    assert differences == 0
    assert _stored(runtime) == incremental
    for month in (2, 3, 5):
        expected_all = expected_figures(DEMO_LOG, date(2016, month, 1), date(2016, month + 1, 1), ZONE)
        for template, goal_id in goals.items():
            actual = _values(api, goal_id, f"2016-{month:02d}")
            assert _compare(actual, _expected(expected_all, template), template) == [], (template, month)
