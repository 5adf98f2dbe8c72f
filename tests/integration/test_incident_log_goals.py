"""The three built-in goals on the real incident log match an independent computation.

The log goes once per module through the real webhook endpoint. The expected
figures come from ``tests/reference/incident_log_reference.py``, which reads the
CSV rows directly and shares no code with the replay or the engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from redis import Redis

from connectors.generic.incident_log import replay_events
from plugin.app import create_app
from plugin.db import transaction
from plugin.models import Result
from plugin.services.installations import create_installation
from tests.conftest import DEMO_LOG, REDIS_URL, FixedClock, empty_tables, make_runtime, sign
from tests.reference.incident_log_reference import expected_figures

ZONE = "Europe/Rome"
SPAN = (date(2016, 2, 1), date(2017, 2, 28))
CUSTOM_LABEL = f"{SPAN[0].isoformat()}..{SPAN[1].isoformat()}"
TARGETS = {"tickets_closed": {"user": 10}, "avg_first_response_time": {"user": 28800, "team": 28800},
           "avg_resolution_time": {"user": 259200, "team": 259200}}


@dataclass
class ReplayedLog:
    """The whole log replayed into one installation, with custom and monthly goals of every template."""

    api: object
    runtime: object
    events: list
    post_events: object
    custom_goals: dict
    monthly_goals: dict


class _Api:
    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path, json):
        return self.client.post(f"/api/v1{path}", headers=self.headers, json=json)


def create_goals(api, frequency, span, suffix=""):
    teams = [team["id"] for team in api.get("/teams?per_page=200").get_json()["items"]]
    goals = {}
    for template, targets in TARGETS.items():
        response = api.post("/goals", json={
            "name": f"{template} {frequency}{suffix}", "template": template, "frequency": frequency, "span": span,
            "contributors": {"kind": "teams", "teams": teams, "team_attribution": "ticket_team"},
            "targets": targets, "response_credit": "owner"})
        assert response.status_code == 201, response.get_json()
        goals[template] = response.get_json()["id"]
    return goals


@pytest.fixture(scope="module")
def replayed(engine, database_url, tmp_path_factory):
    empty_tables(engine)
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    clock = FixedClock(datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc))
    runtime = make_runtime(tmp_path_factory.mktemp("log") / "instance", engine, database_url, redis, clock)
    client = create_app(runtime=runtime).test_client()
    with transaction(runtime.sessions) as session:
        created = create_installation(session, name="Log", connector="generic", time_zone=ZONE)
        installation_id, token, secret = created.installation.id, created.api_token, created.webhook_secret

    def post_events(events):
        body = json.dumps({"events": events}).encode()
        return client.post(f"/webhooks/generic/{installation_id}", data=body,
                           headers={"X-Goals-Signature": sign(secret, body)})

    events = replay_events(DEMO_LOG, ZONE)
    for offset in range(0, len(events), 500):
        response = post_events(events[offset:offset + 500])
        assert response.status_code == 202, response.get_json()

    api = _Api(client, token)
    custom = create_goals(api, "custom", {"kind": "dates", "start": SPAN[0].isoformat(), "end": SPAN[1].isoformat()})
    monthly = create_goals(api, "monthly", {"kind": "year", "year": 2016})
    yield ReplayedLog(api, runtime, events, post_events, custom, monthly)
    redis.flushdb()
    empty_tables(engine)


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
def test_whole_log_matches_reference(replayed, template):
    actual = _values(replayed.api, replayed.custom_goals[template], CUSTOM_LABEL)
    expected = _expected(expected_figures(DEMO_LOG, SPAN[0], date(2017, 3, 1), ZONE), template)

    assert len([key for key in actual if key[0] == "user"]) == 122
    assert _compare(actual, expected, template) == []


@pytest.mark.parametrize("month", [2, 3, 4, 6, 11])
def test_monthly_milestones_match_reference(replayed, month):
    expected_all = expected_figures(DEMO_LOG, date(2016, month, 1), date(2016, month + 1, 1), ZONE)
    for template, goal_id in replayed.monthly_goals.items():
        actual = _values(replayed.api, goal_id, f"2016-{month:02d}")
        assert _compare(actual, _expected(expected_all, template), template) == [], (template, month)


def test_team_totals_cover_every_team_close(replayed):
    actual = _values(replayed.api, replayed.custom_goals["tickets_closed"], CUSTOM_LABEL)
    team_total = sum(samples for (kind, _), (_, samples) in actual.items() if kind == "team")
    reference = expected_figures(DEMO_LOG, SPAN[0], date(2017, 3, 1), ZONE)

    assert team_total == sum(team.tickets_closed for team in reference.teams.values())


def test_replaying_twice_changes_nothing(replayed):
    with transaction(replayed.runtime.sessions) as session:
        before = sorted((row.contributor_id, row.milestone_id, row.value, row.sample_count, row.status)
                        for row in session.query(Result).all())
    for offset in range(0, len(replayed.events), 500):
        answer = replayed.post_events(replayed.events[offset:offset + 500]).get_json()
        assert answer["accepted"] == 0
    with transaction(replayed.runtime.sessions) as session:
        after = sorted((row.contributor_id, row.milestone_id, row.value, row.sample_count, row.status)
                       for row in session.query(Result).all())

    assert after == before
