"""A ticket story through the webhook and the progress API, end to end in one process."""

from tests.builders import created, member, message, owner, state, team, user


def test_story_gives_expected_progress(post_events, api, clock):
    from datetime import datetime, timezone

    clock.set(datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc))
    response = post_events([
        user("ann"), user("bob"), team("tier1"), member("ann", "tier1"), member("bob", "tier1"),
        created("T1", "2026-03-02 09:00", owner="ann", team="tier1", pipeline="support"),
        message("T1", "2026-03-02 09:30", author="ann"),
        state("T1", "2026-03-02 11:00", "resolved"),
        created("T2", "2026-03-03 09:00", owner="bob", team="tier1", pipeline="support"),
        owner("T2", "2026-03-03 09:10", "ann"),
        message("T2", "2026-03-03 10:00", author="ann", public=False),
        message("T2", "2026-03-03 10:30", author="ann"),
        state("T2", "2026-03-03 12:00", "closed"),
    ])
    assert response.status_code == 202, response.get_json()

    users = {row["host_ref"]: row["id"] for row in api.get("/users").get_json()["items"]}
    teams = {row["host_ref"]: row["id"] for row in api.get("/teams").get_json()["items"]}
    goal = api.post("/goals", json={
        "name": "Closed in March", "template": "tickets_closed", "frequency": "monthly",
        "span": {"kind": "year", "year": 2026},
        "contributors": {"kind": "teams", "teams": [teams["tier1"]]},
        "targets": {"user": 1},
    })
    assert goal.status_code == 201, goal.get_json()

    progress = api.get(f"/goals/{goal.get_json()['id']}/progress").get_json()
    by_name = {row["name"]: row for row in progress["contributors"]}
    march = {name: next(cell for cell in row["milestones"] if cell["milestone"] == "2026-03")
             for name, row in by_name.items()}
    assert march["Ann"]["value"] == 2
    assert march["Bob"]["value"] == 0
    assert march["Tier1"]["value"] == 2
    assert march["Tier1"]["target"] == 2
    assert march["Ann"]["status"] == "in_progress"
