"""Properties on random ticket timelines, delivered through the generic webhook in random order.

- The incremental path (recompute as events arrive, duplicates included) stores
  what a full recompute computes.
- A team's mean pools its members' samples.
- A frozen milestone never changes, whatever arrives later.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jobs.recompute import recompute_pending
from plugin.db import transaction
from plugin.models import Goal, Result
from plugin.services.compute import compute_milestone
from plugin.services.installations import create_installation
from tests.conftest import sign
from tests.goals.helpers import create_goal

UTC = timezone.utc
BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
AGENTS = ("ann", "bob", "cy")
PROPERTY_SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _stamp(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


step = st.one_of(
    st.tuples(st.just("state"), st.sampled_from(["open", "pending", "resolved", "closed"])),
    st.tuples(st.just("owner"), st.sampled_from(AGENTS)),
    st.tuples(st.just("message"), st.sampled_from(["agent", "customer", "bot"]), st.booleans(), st.booleans()),
)
ticket = st.tuples(
    st.integers(0, 20 * 24 * 60),
    st.sampled_from(AGENTS),
    st.sampled_from(["customer", "agent"]),
    st.lists(st.tuples(st.integers(1, 4 * 24 * 60), step), min_size=1, max_size=6),
)


def _ticket_events(index: int, spec) -> list[dict]:
    start, first_owner, role, steps = spec
    ref = f"T{index}"
    events = [{"event_id": f"{ref}-c", "type": "ticket.created", "occurred_at": _stamp(start), "ticket": ref,
               "owner": first_owner, "team": None, "pipeline": "support", "state": "new", "state_class": "new",
               "created_by_role": role}]
    at = start
    for number, (gap, action) in enumerate(steps):
        at += gap
        base = {"event_id": f"{ref}-{number}", "occurred_at": _stamp(at), "ticket": ref}
        if action[0] == "state":
            events.append({**base, "type": "ticket.state_changed", "to_state": action[1], "to_class": action[1]})
        elif action[0] == "owner":
            events.append({**base, "type": "ticket.owner_changed", "to_owner": action[1]})
        else:
            _, author_role, public, auto_reply = action
            author = first_owner if author_role == "agent" else f"{author_role}-{index}"
            events.append({**base, "type": "message.added", "message": f"{ref}-m{number}", "author": author,
                           "author_role": author_role, "public": public, "auto_reply": auto_reply})
    return events


def _people() -> list[dict]:
    events = []
    for number, name in enumerate(AGENTS):
        events.append({"event_id": f"u-{name}", "type": "user.upserted", "occurred_at": "2026-01-01T00:00:00Z",
                       "user": name, "name": name.title(), "email": None, "role": "agent", "active": True,
                       "locale": None})
    for team_ref, members in (("t1", ("ann", "bob")), ("t2", ("cy",))):
        events.append({"event_id": f"team-{team_ref}", "type": "team.upserted",
                       "occurred_at": "2026-01-01T00:00:00Z", "team": team_ref, "name": team_ref.upper()})
        for name in members:
            events.append({"event_id": f"m-{name}", "type": "membership.changed", "occurred_at": "2026-01-01T00:00:00Z",
                           "user": name, "team": team_ref, "kind": "primary", "member": True})
    return events


class Desk:
    """A fresh installation per example, with its own webhook and API token."""

    def __init__(self, runtime, client):
        with transaction(runtime.sessions) as session:
            created = create_installation(session, name="Property desk", connector="generic", time_zone="Europe/Rome")
            self.id = created.installation.id
            self.token = created.api_token
            self.secret = created.webhook_secret
        self.runtime = runtime
        self.client = client

    def send(self, events: list[dict]) -> None:
        body = json.dumps({"events": events}).encode()
        response = self.client.post(f"/webhooks/generic/{self.id}", data=body,
                                    headers={"Content-Type": "application/json",
                                             "X-Goals-Signature": sign(self.secret, body)})
        assert response.status_code == 202, response.get_json()

    def __getattr__(self, method):
        def call(path, **kwargs):
            return getattr(self.client, method)(f"/api/v1{path}", headers={"Authorization": f"Bearer {self.token}"},
                                                **kwargs)
        return call

    def stored(self) -> dict:
        with transaction(self.runtime.sessions) as session:
            return {(row.contributor_id, row.milestone_id): (row.value, row.sample_count, row.status)
                    for row in session.scalars(select(Result).join(Goal).where(Goal.installation_id == self.id))}


def _goals(desk) -> list[dict]:
    users = {row["host_ref"]: row["id"] for row in desk.get("/users").get_json()["items"]}
    teams = {row["host_ref"]: row["id"] for row in desk.get("/teams").get_json()["items"]}
    span = {"kind": "dates", "start": "2026-03-01", "end": "2026-03-31"}
    return [
        create_goal(desk, name="closed", template="tickets_closed", frequency="weekly", span=span,
                    contributors={"kind": "teams", "teams": [teams["t1"], teams["t2"]]}, targets={"user": 2}),
        create_goal(desk, name="response", template="avg_first_response_time", frequency="weekly", span=span,
                    contributors={"kind": "teams", "teams": [teams["t1"], teams["t2"]]},
                    targets={"user": 3600, "team": 3600}),
        create_goal(desk, name="p90", template="custom", metric="resolution_time", aggregation="p90",
                    frequency="custom", span=span, exclude_paused=True,
                    contributors={"kind": "users", "users": list(users[name] for name in AGENTS)},
                    targets={"user": 86400}),
    ]


def _full_recompute(desk, now) -> dict:
    computed = {}
    with transaction(desk.runtime.sessions) as session:
        for goal in session.scalars(select(Goal).where(Goal.installation_id == desk.id)):
            for milestone in goal.milestones:
                for value in compute_milestone(session, goal, milestone, now):
                    computed[(value.contributor_id, milestone.id)] = (value.value, value.sample_count, value.status)
        session.rollback()
    return computed


def _deliveries(draw, events: list[dict]) -> list[list[dict]]:
    """Shuffle events, repeat some, and cut them into batches."""
    repeated = events + draw(st.lists(st.sampled_from(events), max_size=5))
    shuffled = draw(st.permutations(repeated))
    batches, position = [], 0
    while position < len(shuffled):
        size = draw(st.integers(1, 6))
        batches.append(shuffled[position:position + size])
        position += size
    return batches


def _post_batches(desk, batches):
    for batch in batches:
        # The generic receiver rejects a request that repeats an event id inside itself only as a duplicate.
        desk.send(batch)


@PROPERTY_SETTINGS
@given(data=st.data(), tickets=st.lists(ticket, min_size=1, max_size=5))
def test_incremental_equals_full(runtime, client, clock, data, tickets):
    clock.set(datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    desk = Desk(runtime, client)
    desk.send(_people())
    _goals(desk)
    events = [event for index, spec in enumerate(tickets) for event in _ticket_events(index, spec)]

    _post_batches(desk, _deliveries(data.draw, events))

    assert desk.stored() == _full_recompute(desk, clock())


@PROPERTY_SETTINGS
@given(tickets=st.lists(ticket, min_size=1, max_size=5))
def test_team_mean_pools_member_samples(runtime, client, clock, tickets):
    clock.set(datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    desk = Desk(runtime, client)
    desk.send(_people())
    response_goal = _goals(desk)[1]
    desk.send([event for index, spec in enumerate(tickets) for event in _ticket_events(index, spec)])

    document = desk.get(f"/goals/{response_goal['id']}/progress").get_json()
    rows = document["contributors"]
    for team_row in (row for row in rows if row["kind"] == "team"):
        members = [row for row in rows if row["team_contributor_id"] == team_row["contributor"]]
        for position, team_cell in enumerate(team_row["milestones"]):
            member_cells = [member["milestones"][position] for member in members]
            count = sum(cell["sample_count"] for cell in member_cells)
            total = sum(cell["value"] * cell["sample_count"] for cell in member_cells if cell["value"] is not None)
            assert team_cell["sample_count"] == count
            if count:
                assert abs(team_cell["value"] - total / count) < 1e-6
            else:
                assert team_cell["value"] is None


@PROPERTY_SETTINGS
@given(data=st.data(), tickets=st.lists(ticket, min_size=1, max_size=4),
       later=st.lists(ticket, min_size=1, max_size=3))
def test_frozen_milestone_never_changes(runtime, client, clock, data, tickets, later):
    clock.set(datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    desk = Desk(runtime, client)
    desk.send(_people())
    _goals(desk)
    desk.send([event for index, spec in enumerate(tickets) for event in _ticket_events(index, spec)])
    # Every milestone ends by 2026-04-06; past the grace window the next recompute freezes them.
    clock.set(datetime(2026, 5, 1, 0, 0, tzinfo=UTC))
    recompute_pending(desk.id)
    frozen = desk.stored()

    # Late events on new tickets and on the old ones, some dated inside the frozen milestones.
    extra = [event for index, spec in enumerate(later) for event in _ticket_events(100 + index, spec)]
    extra += [{"event_id": f"late-{index}", "type": "ticket.state_changed", "occurred_at": _stamp(60),
               "ticket": f"T{index}", "to_state": "closed", "to_class": "closed"} for index in range(len(tickets))]
    extra += [{"event_id": f"merge-{index}", "type": "ticket.merged", "occurred_at": _stamp(90),
               "ticket": f"T{index}", "into": None} for index in range(len(tickets))]
    _post_batches(desk, _deliveries(data.draw, extra))
    recompute_pending(desk.id)

    assert desk.stored() == frozen
