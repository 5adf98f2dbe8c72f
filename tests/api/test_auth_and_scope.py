"""API authentication, installation scoping, error shapes and the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from plugin.db import transaction
from plugin.services.installations import create_installation
from tests.builders import member, team, user


@pytest.fixture
def other_installation(runtime):
    with transaction(runtime.sessions) as session:
        created = create_installation(session, name="Other desk", connector="generic")
        return {"id": created.installation.id, "token": created.api_token}


@pytest.fixture
def desk(post_events, api):
    post_events([user("ann"), team("desk"), member("ann", "desk")])
    teams = api.get("/teams").get_json()["items"]
    response = api.post("/goals", json={
        "name": "Closed", "template": "tickets_closed", "frequency": "monthly",
        "span": {"kind": "year", "year": 2026}, "contributors": {"kind": "teams", "teams": [teams[0]["id"]]},
        "targets": {"user": 5}})
    assert response.status_code == 201, response.get_json()
    return {"goal": response.get_json(), "team": teams[0]["id"]}


@pytest.mark.parametrize("path", ["/users", "/teams", "/pipelines", "/goals", "/installations"])
def test_missing_token_is_401(client, path):
    response = client.get(f"/api/v1{path}")

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.get_json()["error"]


def test_wrong_token_is_401(client):
    response = client.get("/api/v1/goals", headers={"Authorization": "Bearer nope"})

    assert response.status_code == 401
    assert "not valid" in response.get_json()["error"]


def test_other_installation_cannot_read_goal(client, desk, other_installation):
    headers = {"Authorization": f"Bearer {other_installation['token']}"}
    goal_id = desk["goal"]["id"]

    assert client.get(f"/api/v1/goals/{goal_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/goals/{goal_id}/progress", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/goals/{goal_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/teams/{desk['team']}", headers=headers).status_code == 404
    assert client.get("/api/v1/goals", headers=headers).get_json()["total"] == 0


def test_other_installation_cannot_read_installation(client, installation, other_installation):
    headers = {"Authorization": f"Bearer {other_installation['token']}"}

    response = client.get(f"/api/v1/installations/{installation['id']}", headers=headers)

    assert response.status_code == 404


def test_goal_with_foreign_team_rejected(client, desk, other_installation):
    headers = {"Authorization": f"Bearer {other_installation['token']}"}
    response = client.post("/api/v1/goals", headers=headers, json={
        "name": "Steal", "template": "tickets_closed", "frequency": "monthly", "span": {"kind": "year", "year": 2026},
        "contributors": {"kind": "teams", "teams": [desk["team"]]}, "targets": {"user": 5}})

    assert response.status_code == 422
    assert f"no team with id {desk['team']}" in response.get_json()["fields"]["contributors.teams"][0]


def test_create_installation_needs_admin_token(client):
    response = client.post("/api/v1/installations", json={"name": "New", "connector": "generic"},
                           headers={"Authorization": "Bearer wrong"})

    assert response.status_code == 401


def test_create_installation_returns_secrets_once(client):
    response = client.post("/api/v1/installations", headers={"Authorization": "Bearer test-admin-token"},
                           json={"name": "New desk", "connector": "generic", "time_zone": "America/New_York"})
    body = response.get_json()

    assert response.status_code == 201
    assert body["api_token"]
    assert body["webhook_secret"]
    assert body["webhook_path"] == f"/webhooks/generic/{body['id']}"
    read = client.get(f"/api/v1/installations/{body['id']}", headers={"Authorization": f"Bearer {body['api_token']}"})
    assert read.status_code == 200
    assert "api_token" not in read.get_json()
    assert "webhook_secret" not in read.get_json()


@pytest.mark.parametrize("field, value, message", [
    ("time_zone", "Mars/Olympus", "Mars/Olympus"),
    ("connector", "nosuchdesk", "nosuchdesk"),
    ("fiscal_year_start_month", 13, "fiscal_year_start_month"),
    ("week_start", 3, "week_start"),
])
def test_create_installation_invalid_setting(client, field, value, message):
    body = {"name": "New desk", "connector": "generic", field: value}
    response = client.post("/api/v1/installations", headers={"Authorization": "Bearer test-admin-token"}, json=body)

    assert response.status_code == 422
    assert message in response.get_json()["error"]


def test_non_json_body_is_400(api):
    response = api.post("/goals", data="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]


def test_schema_errors_name_fields(api):
    response = api.post("/goals", json={"name": "", "template": "tickets_opened", "frequency": "daily",
                                        "span": {"kind": "year"}, "contributors": {"kind": "users"},
                                        "targets": {}})
    fields = response.get_json()["fields"]

    assert response.status_code == 422
    assert "name" in fields
    assert "template" in fields
    assert "frequency" in fields
    assert "span.year" in fields


def test_pipelines_cannot_change(api, desk):
    response = api.patch(f"/goals/{desk['goal']['id']}", json={"pipelines": [1]})

    assert response.status_code == 422
    assert "pipelines cannot change" in response.get_json()["error"]


def test_paging_bounds_checked(api):
    response = api.get("/goals?per_page=1000")

    assert response.status_code == 400
    assert "per_page" in response.get_json()["error"]


def test_openapi_lists_every_api_route(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        path = rule.rule.replace("<int:", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((path, method.lower()))

    assert document["openapi"].startswith("3.")
    assert served - documented == set()
    assert documented - served == set()


def test_health_reports_database_and_redis(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "ok"}


def test_pages_deny_framing(client):
    response = client.get("/health")

    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


@pytest.mark.parametrize("path", [
    "/api/v1/goals/99999999999999999999",
    "/api/v1/goals/99999999999999999999/progress",
    "/webhooks/generic/99999999999999999999",
])
def test_huge_ids_are_404(client, installation, path):
    headers = {"Authorization": f"Bearer {installation['token']}"}
    response = client.post(path, data=b"{}", headers=headers) if path.startswith("/webhooks") \
        else client.get(path, headers=headers)

    assert response.status_code == 404


@pytest.mark.parametrize("query", ["page=99999999999999999999", "team=99999999999999999999", "page=0"])
def test_out_of_range_query_is_400(api, query):
    response = api.get(f"/goals?{query}")

    assert response.status_code == 400
    assert response.get_json()["error"]


@pytest.mark.parametrize("targets, field", [
    ({"user": 1e308}, "targets.user"),
    ({"user": -1}, "targets.user"),
])
def test_absurd_targets_rejected(api, desk, targets, field):
    response = api.post("/goals", json={
        "name": "Absurd", "template": "tickets_closed", "frequency": "monthly", "span": {"kind": "year", "year": 2026},
        "contributors": {"kind": "teams", "teams": [desk["team"]]}, "targets": targets})

    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_huge_user_id_rejected(api):
    response = api.post("/goals", json={
        "name": "Huge", "template": "tickets_closed", "frequency": "monthly", "span": {"kind": "year", "year": 2026},
        "contributors": {"kind": "users", "users": [10**30]}, "targets": {"user": 1}})

    assert response.status_code == 422
    assert "not a valid id" in json.dumps(response.get_json())


def test_span_with_too_many_milestones_rejected(api, desk):
    response = api.post("/goals", json={
        "name": "Forever", "template": "tickets_closed", "frequency": "weekly",
        "span": {"kind": "dates", "start": "1970-01-01", "end": "2199-12-31"},
        "contributors": {"kind": "teams", "teams": [desk["team"]]}, "targets": {"user": 1}})

    assert response.status_code == 422
    assert "at most 1000" in response.get_json()["fields"]["span"][0]


@pytest.mark.parametrize("query, message", [
    ("template=bogus", "template 'bogus' is unknown"),
    ("frequency=daily", "frequency 'daily' is unknown"),
])
def test_unknown_list_filter_is_400(api, query, message):
    response = api.get(f"/goals?{query}")

    assert response.status_code == 400
    assert message in response.get_json()["error"]
