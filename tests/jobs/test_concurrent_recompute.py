"""Two workers computing one milestone at once: the second waits and stores no duplicate."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from plugin.models import Goal, Installation, Milestone, Result
from plugin.services.compute import recompute_milestone
from tests.builders import created, member, state, team, user


def test_second_recompute_waits_for_first(post_events, api, runtime, clock):
    clock.set(datetime(2026, 3, 20, tzinfo=timezone.utc))
    post_events([user("ann"), team("desk"), member("ann", "desk"),
                 created("T1", "2026-03-02 09:00", owner="ann", team="desk"), state("T1", "2026-03-02 10:00", "closed")])
    teams = api.get("/teams").get_json()["items"]
    goal_id = api.post("/goals", json={
        "name": "Closed", "template": "tickets_closed", "frequency": "monthly", "span": {"kind": "year", "year": 2026},
        "contributors": {"kind": "teams", "teams": [teams[0]["id"]]}, "targets": {"user": 1}}).get_json()["id"]

    with runtime.sessions() as setup:
        march = setup.scalar(select(Milestone.id).where(Milestone.goal_id == goal_id, Milestone.label == "2026-03"))
        setup.execute(Result.__table__.delete().where(Result.milestone_id == march))
        setup.commit()

    def recompute(session):
        milestone = session.get(Milestone, march)
        goal = session.get(Goal, goal_id)
        recompute_milestone(session, goal, milestone, session.get(Installation, goal.installation_id), clock())

    first = runtime.sessions()
    recompute(first)
    errors = []

    def second_worker():
        with runtime.sessions() as session:
            try:
                recompute(session)
                session.commit()
            except Exception as error:  # reported by the assert below
                errors.append(error)

    thread = threading.Thread(target=second_worker)
    thread.start()
    time.sleep(0.5)
    first.commit()
    first.close()
    thread.join(timeout=60)

    with runtime.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Result).where(Result.milestone_id == march))
    assert errors == []
    assert stored == 2
