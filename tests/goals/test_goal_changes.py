"""Goal changes over the API: settings, clone, contributors, calendars and the audit trail."""

from __future__ import annotations

from tests.builders import created, member, state, team, user
from tests.goals.helpers import cell, create_goal, ids


def _desk(post_events, api):
    post_events([user("ann"), user("bob"), user("cy"), team("tier1"), member("ann", "tier1"),
                 member("bob", "tier1"), created("T1", "2026-03-02 09:00", owner="ann"),
                 state("T1", "2026-03-02 10:00", "closed")])
    users = ids(api, "users")
    goal = create_goal(api, name="Closed", template="tickets_closed",
                       contributors={"kind": "users", "users": [users["ann"], users["bob"]]}, targets={"user": 3})
    return users, goal


def _audit(api, goal_id):
    return api.get(f"/goals/{goal_id}/audit").get_json()["items"]


def test_settings_change_is_audited(post_events, api):
    _, goal = _desk(post_events, api)
    response = api.patch(f"/goals/{goal['id']}", json={"name": "Closed tickets", "business_hours": True,
                                                         "filters": {"tags": ["vip"]}},
                         headers={"X-Goals-Actor": "maria"})

    assert response.status_code == 200, response.get_json()
    changes = {entry["field"]: entry for entry in _audit(api, goal["id"]) if entry["field"] != "goal"}
    assert changes["name"]["old_value"] == "Closed"
    assert changes["name"]["new_value"] == "Closed tickets"
    assert changes["business_hours"]["new_value"] == "true"
    assert changes["filter_tags"]["new_value"] == '["vip"]'
    assert changes["name"]["actor"] == "maria"


def test_tag_filter_change_recomputes_open_milestones(post_events, api):
    _, goal = _desk(post_events, api)
    assert cell(api, goal["id"], "Ann", "2026-12")["value"] == 0
    post_events([created("T2", "2026-12-02 09:00", owner="ann", tags=["vip"]),
                 state("T2", "2026-12-02 10:00", "closed"),
                 created("T3", "2026-12-02 09:00", owner="ann"), state("T3", "2026-12-02 10:00", "closed")])
    assert cell(api, goal["id"], "Ann", "2026-12")["value"] == 2

    api.patch(f"/goals/{goal['id']}", json={"filters": {"tags": ["vip"]}})

    assert cell(api, goal["id"], "Ann", "2026-12")["value"] == 1
    # March is frozen: the filter does not reach it.
    assert cell(api, goal["id"], "Ann", "2026-03")["value"] == 1


def test_fixed_settings_rejected(post_events, api):
    _, goal = _desk(post_events, api)
    for field, value in (("pipelines", [1]), ("frequency", "weekly"), ("aggregation", "median")):
        response = api.patch(f"/goals/{goal['id']}", json={field: value})

        assert response.status_code == 422
        assert field in response.get_json()["fields"]


def test_clone_copies_all_but_name_and_audit(post_events, api):
    _, goal = _desk(post_events, api)
    api.patch(f"/goals/{goal['id']}", json={"exclude_paused": True})
    response = api.post(f"/goals/{goal['id']}/clone", json={})

    assert response.status_code == 201, response.get_json()
    clone = response.get_json()
    assert clone["name"] == "Closed (copy)"
    assert clone["exclude_paused"] is True
    assert [m["label"] for m in clone["milestones"]] == [m["label"] for m in goal["milestones"]]
    assert len(clone["contributors"]) == 2
    assert cell(api, clone["id"], "Ann", "2026-03")["value"] == 1
    assert cell(api, clone["id"], "Ann", "2026-03")["target"] == 3
    assert [entry["field"] for entry in _audit(api, clone["id"])] == ["goal"]


def test_clone_name_taken(post_events, api):
    _, goal = _desk(post_events, api)
    response = api.post(f"/goals/{goal['id']}/clone", json={"name": "Closed"})

    assert response.status_code == 422
    assert "already exists" in response.get_json()["error"]


def test_add_and_delete_contributors(post_events, api):
    users, goal = _desk(post_events, api)
    added = api.post(f"/goals/{goal['id']}/contributors", json={"user": users["cy"], "target": 5})
    assert added.status_code == 201, added.get_json()
    assert cell(api, goal["id"], "Cy", "2026-03")["target"] == 5

    bob = next(c["id"] for c in goal["contributors"] if c["user_id"] == users["bob"])
    deleted = api.delete(f"/goals/{goal['id']}/contributors", json={"contributors": [bob]})
    assert deleted.get_json() == {"goal_deleted": False}

    fields = [(entry["field"], entry["old_value"], entry["new_value"]) for entry in _audit(api, goal["id"])]
    assert ("contributors", None, f"user {users['cy']}") in fields
    assert ("contributors", f"user {users['bob']}", None) in fields


def test_deleting_every_contributor_deletes_goal(post_events, api):
    _, goal = _desk(post_events, api)
    every = [c["id"] for c in goal["contributors"]]
    response = api.delete(f"/goals/{goal['id']}/contributors", json={"contributors": every})

    assert response.get_json() == {"goal_deleted": True}
    assert api.get(f"/goals/{goal['id']}").status_code == 404


def test_add_contributor_twice_rejected(post_events, api):
    users, goal = _desk(post_events, api)
    response = api.post(f"/goals/{goal['id']}/contributors", json={"user": users["ann"], "target": 1})

    assert response.status_code == 422
    assert "already a contributor" in response.get_json()["error"]


def test_team_member_added_to_team_goal(post_events, api):
    post_events([user("ann"), user("dan"), team("tier1"), member("ann", "tier1")])
    users = ids(api, "users")
    goal = create_goal(api, name="Team", template="tickets_closed",
                       contributors={"kind": "teams", "teams": [ids(api, "teams")["tier1"]]}, targets={"user": 2})
    team_row = next(c["id"] for c in goal["contributors"] if c["kind"] == "team")
    response = api.post(f"/goals/{goal['id']}/contributors", json={"user": users["dan"], "team": team_row,
                                                                    "target": 4})

    assert response.status_code == 201, response.get_json()
    # Per-user basis: the team target is the sum of its members' targets.
    assert cell(api, goal["id"], "Tier1", "2026-03")["target"] == 6


def test_custom_goal_needs_metric(post_events, api):
    users, _ = _desk(post_events, api)
    response = api.post("/goals", json={"name": "x", "template": "custom", "frequency": "monthly",
                                        "span": {"kind": "year", "year": 2026},
                                        "contributors": {"kind": "users", "users": [users["ann"]]},
                                        "targets": {"user": 1}})

    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"metric", "aggregation"}


def test_preset_rejects_other_aggregation(post_events, api):
    users, _ = _desk(post_events, api)
    response = api.post("/goals", json={"name": "x", "template": "avg_resolution_time", "aggregation": "median",
                                        "frequency": "monthly", "span": {"kind": "year", "year": 2026},
                                        "contributors": {"kind": "users", "users": [users["ann"]]},
                                        "targets": {"user": 1}})

    assert response.status_code == 422
    assert "aggregation" in response.get_json()["fields"]


def test_averages_need_whole_team_basis(post_events, api):
    _desk(post_events, api)
    response = api.post("/goals", json={"name": "x", "template": "avg_resolution_time", "frequency": "monthly",
                                        "span": {"kind": "year", "year": 2026},
                                        "contributors": {"kind": "teams", "teams": [ids(api, "teams")["tier1"]],
                                                         "team_basis": "per_user"},
                                        "targets": {"user": 1, "team": 1}})

    assert response.status_code == 422
    assert "contributors.team_basis" in response.get_json()["fields"]


def test_calendar_crud(api, post_events):
    post_events([team("tier1")])
    body = {"name": "Office", "time_zone": "Europe/Rome", "country": "IT",
            "weekly_hours": {"monday": [["09:00", "18:00"]]}, "custom_holidays": ["2026-08-14"]}
    created_row = api.post("/calendars", json=body)
    assert created_row.status_code == 201, created_row.get_json()
    calendar_id = created_row.get_json()["id"]

    second = api.post("/calendars", json=body)
    assert second.status_code == 422
    assert "already has calendar" in second.get_json()["error"]

    team_body = dict(body, team=ids(api, "teams")["tier1"], name="Tier 1")
    assert api.post("/calendars", json=team_body).status_code == 201

    changed = api.put(f"/calendars/{calendar_id}", json=dict(body, weekly_hours={"friday": [["09:00", "12:00"]]}))
    assert changed.get_json()["weekly_hours"] == {"friday": [["09:00", "12:00"]]}
    assert api.get("/calendars").get_json()["total"] == 2
    assert api.delete(f"/calendars/{calendar_id}").status_code == 204
    assert api.get(f"/calendars/{calendar_id}").status_code == 404


def test_calendar_invalid_hours(api):
    response = api.post("/calendars", json={"name": "Bad", "time_zone": "Europe/Rome",
                                            "weekly_hours": {"monday": [["18:00", "09:00"]]}})

    assert response.status_code == 422
    assert "reversed" in response.get_json()["error"]
