"""The read-only overview page: opened with a signed link, rendered per locale."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from plugin.links import sign_link
from tests.builders import created, member, message, state, team, user


@pytest.fixture
def goal_with_data(post_events, api, clock):
    clock.set(datetime(2026, 4, 15, tzinfo=timezone.utc))
    post_events([user("ann"), team("desk"), member("ann", "desk"),
                 created("T1", "2026-03-02 09:00", owner="ann", team="desk"),
                 state("T1", "2026-03-02 10:00", "closed")])
    teams = api.get("/teams").get_json()["items"]
    response = api.post("/goals", json={
        "name": "Closed per month", "template": "tickets_closed", "frequency": "monthly",
        "span": {"kind": "year", "year": 2026}, "contributors": {"kind": "teams", "teams": [teams[0]["id"]]},
        "targets": {"user": 1}})
    assert response.status_code == 201
    return response.get_json()


def test_overview_shows_goal_rows(client, app, installation, goal_with_data):
    token = sign_link(app.config["SECRET_KEY"], installation["id"], "manager")
    page = client.get(f"/overview?token={token}&m{goal_with_data['id']}=2026-03&lang=en").get_data(as_text=True)

    assert "Closed per month" in page
    assert "2026-03" in page
    assert "Ann" in page
    assert "achieved" in page


def test_overview_in_italian(client, app, installation, goal_with_data):
    token = sign_link(app.config["SECRET_KEY"], installation["id"], "manager")
    page = client.get(f"/overview?token={token}&m{goal_with_data['id']}=2026-03&lang=it").get_data(as_text=True)

    assert 'lang="it"' in page


def test_forged_link_is_403(client, installation):
    token = sign_link("another-secret", installation["id"], "manager")
    response = client.get(f"/overview?token={token}")

    assert response.status_code == 403
    assert "not valid" in response.get_data(as_text=True)


def test_missing_link_is_403(client):
    assert client.get("/overview").status_code == 403


def test_overview_formats_by_unit(client, app, installation, post_events, api, clock):
    clock.set(datetime(2026, 4, 15, tzinfo=timezone.utc))
    post_events([user("ann"), created("T1", "2026-03-02 09:00", owner="ann"),
                 message("T1", "2026-03-02 09:30", author="ann"),
                 created("T2", "2026-03-02 09:00", owner="ann"), message("T2", "2026-03-02 11:00", author="ann")])
    ann = api.get("/users").get_json()["items"][0]["id"]
    response = api.post("/goals", json={
        "name": "Answered within an hour", "template": "custom", "metric": "first_response_time",
        "aggregation": "share_within", "threshold_seconds": 3600, "frequency": "monthly",
        "span": {"kind": "year", "year": 2026}, "contributors": {"kind": "users", "users": [ann]},
        "targets": {"user": 80}})
    assert response.status_code == 201, response.get_json()
    token = sign_link(app.config["SECRET_KEY"], installation["id"], "manager")

    page = client.get(f"/overview?token={token}&m{response.get_json()['id']}=2026-03&lang=en").get_data(as_text=True)

    assert "50.0 %" in page
    assert "80.0 %" in page


def test_agent_link_shows_own_rows_only(client, app, installation, post_events, api, clock):
    clock.set(datetime(2026, 4, 15, tzinfo=timezone.utc))
    post_events([user("ann"), user("bob"), user("cid"), team("desk"), team("other"),
                 member("ann", "desk"), member("bob", "desk"), member("cid", "other")])
    teams = {row["host_ref"]: row["id"] for row in api.get("/teams").get_json()["items"]}
    response = api.post("/goals", json={
        "name": "Closed per month", "template": "tickets_closed", "frequency": "monthly",
        "span": {"kind": "year", "year": 2026}, "contributors": {"kind": "teams", "teams": list(teams.values())},
        "targets": {"user": 1}})
    assert response.status_code == 201
    token = sign_link(app.config["SECRET_KEY"], installation["id"], "agent", user_ref="ann")

    page = client.get(f"/overview?token={token}&lang=en").get_data(as_text=True)

    assert ">Ann<" in page
    assert ">Desk<" in page
    assert ">Bob<" not in page
    assert ">Cid<" not in page
    assert ">Other<" not in page


def test_agent_link_for_unknown_user_shows_nothing(client, app, installation, goal_with_data):
    token = sign_link(app.config["SECRET_KEY"], installation["id"], "agent", user_ref="nobody")

    page = client.get(f"/overview?token={token}&lang=en").get_data(as_text=True)

    assert "Closed per month" not in page
    assert "No goals yet." in page
