"""Shared steps of the goal API tests: ids by host reference, goal creation, one progress cell."""

from __future__ import annotations


def ids(api, kind: str) -> dict[str, int]:
    return {row["host_ref"]: row["id"] for row in api.get(f"/{kind}?per_page=200").get_json()["items"]}


def create_goal(api, **fields) -> dict:
    body = {"frequency": "monthly", "span": {"kind": "year", "year": 2026}, "targets": {"user": 1, "team": 1}}
    body.update(fields)
    response = api.post("/goals", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def cell(api, goal_id: int, name: str, milestone: str) -> dict:
    document = api.get(f"/goals/{goal_id}/progress").get_json()
    row = next(row for row in document["contributors"] if row["name"] == name)
    return next(item for item in row["milestones"] if item["milestone"] == milestone)
