"""Push-back into RT: each agent's goal ticket, summary comments and once-only notifications."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
import responses
from sqlalchemy import func, select

from jobs.push import enqueue_push, push_progress
from jobs.recompute import recompute_goal
from plugin.db import transaction
from plugin.models import ConnectorState
from plugin.models.notifications import SentNotification

from .conftest import RT_URL
from .test_rt_webhook import create_goal, deliver_story

API = RT_URL + "/REST/2.0"
GOAL_TICKET = 40


class FakeGoalTickets:
    """REST2 double for the calls a push makes; records each request's path and JSON body."""

    def __init__(self, mock: responses.RequestsMock):
        self.calls: list[tuple[str, dict]] = []
        self.fail_correspond = False
        mock.add_callback(responses.POST, re.compile(re.escape(API) + r"/ticket.*"), callback=self._post)

    def _post(self, request):
        path = request.url[len(API):]
        body = json.loads(request.body)
        if path.endswith("/correspond") and self.fail_correspond:
            return 500, {}, json.dumps({"message": "database is locked"})
        self.calls.append((path, body))
        if path == "/ticket":
            return 201, {}, json.dumps({"id": GOAL_TICKET, "type": "ticket", "_url": f"{API}/ticket/{GOAL_TICKET}"})
        return 200, {}, json.dumps([f"Message recorded on ticket {GOAL_TICKET}"])

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]

    def bodies(self, path: str) -> list[dict]:
        return [body for called, body in self.calls if called == path]


@pytest.fixture
def goal_tickets():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGoalTickets(mock)


def sent_kinds(runtime) -> list[str]:
    with transaction(runtime.sessions) as session:
        return sorted(session.scalars(select(SentNotification.kind)))


def test_goal_creation_opens_agent_ticket(rt_rest2_installation, deliver, rt_api, goal_tickets):
    deliver_story(deliver)
    create_goal(rt_api, "tickets_closed", ["ann"], 1)
    created = goal_tickets.bodies("/ticket")
    assert len(created) == 1
    assert created[0]["Queue"] == "Goals"
    assert created[0]["Subject"] == "Goals: ann"
    assert created[0]["Requestor"] == "ann"
    assert "- tickets_closed December (Tickets closed), 2026-12: 1 of target 1, in progress" in created[0]["Content"]


def test_count_goal_sends_start_and_target(rt_rest2_installation, deliver, rt_api, goal_tickets, runtime):
    # Ann closed ticket 1 in December, so a target of 1 is reached while the month runs.
    deliver_story(deliver)
    create_goal(rt_api, "tickets_closed", ["ann"], 1)
    messages = [body["Content"] for body in goal_tickets.bodies(f"/ticket/{GOAL_TICKET}/correspond")]
    assert len(messages) == 2
    assert messages[0].startswith('Your goal "tickets_closed December" has started for 2026-12')
    assert messages[1].startswith('You reached the target of "tickets_closed December" for 2026-12: 1 of 1')
    assert sent_kinds(runtime) == ["start", "target_reached"]


def test_time_goal_sends_start_only(rt_rest2_installation, deliver, rt_api, goal_tickets, runtime):
    deliver_story(deliver)
    create_goal(rt_api, "avg_first_response_time", ["ann"], 3600)
    assert len(goal_tickets.bodies(f"/ticket/{GOAL_TICKET}/correspond")) == 1
    assert sent_kinds(runtime) == ["start"]


def test_second_push_sends_nothing(rt_rest2_installation, deliver, rt_api, goal_tickets):
    deliver_story(deliver)
    create_goal(rt_api, "tickets_closed", ["ann"], 1)
    before = len(goal_tickets.calls)
    counts = push_progress(rt_rest2_installation["id"])
    assert counts["notifications"] == 0
    assert counts["comments"] == 0
    assert len(goal_tickets.calls) == before


def test_changed_progress_posts_comment(rt_rest2_installation, deliver, rt_api, goal_tickets):
    for name in ("create_by_customer", "set_owner_take", "status_open_by_rt_system", "correspond_by_agent"):
        deliver(name)
    create_goal(rt_api, "tickets_closed", ["ann"], 1)
    assert goal_tickets.bodies(f"/ticket/{GOAL_TICKET}/comment") == []
    deliver("status_resolved")
    comments = goal_tickets.bodies(f"/ticket/{GOAL_TICKET}/comment")
    assert len(comments) == 1
    assert ": 1 of target 1," in comments[0]["Content"]


def test_failed_notification_retried(rt_rest2_installation, deliver, rt_api, goal_tickets, runtime):
    deliver_story(deliver)
    goal_tickets.fail_correspond = True
    create_goal(rt_api, "tickets_closed", ["ann"], 1)
    assert sent_kinds(runtime) == []
    goal_tickets.fail_correspond = False
    counts = push_progress(rt_rest2_installation["id"])
    assert counts["notifications"] == 2
    assert sent_kinds(runtime) == ["start", "target_reached"]
    assert goal_tickets.paths().count("/ticket") == 1


def test_milestone_end_sends_final_result(rt_rest2_installation, deliver, rt_api, goal_tickets, runtime, clock):
    deliver_story(deliver)
    goal = create_goal(rt_api, "tickets_closed", ["ann"], 2)
    clock.set(datetime(2027, 1, 2, 12, 0, tzinfo=timezone.utc))
    # The daily reconcile recomputes the ended month; the push after it sends the result.
    recompute_goal(goal["id"])
    assert "missed" in sent_kinds(runtime)
    final = goal_tickets.bodies(f"/ticket/{GOAL_TICKET}/correspond")[-1]["Content"]
    assert final.startswith('2026-12 of "tickets_closed December" has ended: 1 against a target of 2')


def test_goal_ticket_id_kept(rt_rest2_installation, deliver, rt_api, goal_tickets, runtime):
    deliver_story(deliver)
    create_goal(rt_api, "tickets_closed", ["ann"], 1)
    with transaction(runtime.sessions) as session:
        row = session.get(ConnectorState, (rt_rest2_installation["id"], "rt.goal_ticket.ann"))
        assert row.value == str(GOAL_TICKET)


def test_push_skipped_without_rt_url(rt_installation, deliver, rt_api, runtime):
    # No responses mock is active: any HTTP call would reach the network and fail the test.
    deliver_story(deliver)
    create_goal(rt_api, "tickets_closed", ["ann"], 1)
    assert push_progress(rt_installation["id"]) == {"agents": 0, "comments": 0, "notifications": 0, "failed": 0}
    with transaction(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(SentNotification)) == 0


def test_generic_installation_not_pushed(runtime, installation):
    assert enqueue_push(runtime, installation["id"]) is None
