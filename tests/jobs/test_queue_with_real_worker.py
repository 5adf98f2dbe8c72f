"""Jobs on real Redis with a real RQ worker: processing, coalescing and the sweeper."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from jobs.maintenance import sweep
from plugin.app import create_app
from plugin.db import transaction
from plugin.models import InboxEvent, PendingRecompute, Result
from plugin.runtime import redis_from_url
from tests.builders import created, member, state, team, user


@pytest.fixture
def async_runtime(runtime):
    """The test runtime with real asynchronous queues: jobs wait in Redis for a worker."""
    runtime.settings = replace(runtime.settings, queue_is_async=True)
    runtime.queues.clear()
    return runtime


@pytest.fixture
def async_client(async_runtime):
    return create_app(runtime=async_runtime).test_client()


class BurstWorker(SimpleWorker):
    """A worker without the command channel.

    RQ's pub/sub listener thread may need up to 60 s to notice the stop of a
    burst run, and remote commands (stop, kill) are not needed in these tests.
    """

    def subscribe(self):
        pass

    def unsubscribe(self):
        pass


def _work(runtime) -> None:
    queues = [runtime.queue(name) for name in ("webhooks", "recompute", "maintenance")]
    BurstWorker(queues, connection=runtime.redis).work(burst=True)


def _unprocessed(runtime) -> int:
    with transaction(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.processed_at.is_(None)))


def _send(client, installation, events):
    import json

    from tests.conftest import sign

    body = json.dumps({"events": events}).encode()
    return client.post(f"/webhooks/generic/{installation['id']}", data=body,
                       headers={"X-Goals-Signature": sign(installation["secret"], body)})


def _goal(client, installation):
    headers = {"Authorization": f"Bearer {installation['token']}"}
    teams = client.get("/api/v1/teams", headers=headers).get_json()["items"]
    response = client.post("/api/v1/goals", headers=headers, json={
        "name": "Closed", "template": "tickets_closed", "frequency": "monthly", "span": {"kind": "year", "year": 2026},
        "contributors": {"kind": "teams", "teams": [teams[0]["id"]]}, "targets": {"user": 5}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_worker_applies_inbox_and_recomputes(async_client, async_runtime, installation, clock):
    clock.set(datetime(2026, 3, 20, tzinfo=timezone.utc))
    assert _send(async_client, installation, [user("ann"), team("desk"), member("ann", "desk")]).status_code == 202
    _work(async_runtime)
    _goal(async_client, installation)
    _work(async_runtime)

    response = _send(async_client, installation, [created("T1", "2026-03-02 09:00", owner="ann"),
                                                  state("T1", "2026-03-02 10:00", "closed")])
    assert response.status_code == 202
    assert _unprocessed(async_runtime) == 2

    _work(async_runtime)

    assert _unprocessed(async_runtime) == 0
    with transaction(async_runtime.sessions) as session:
        values = sorted(row.value for row in session.scalars(select(Result).where(Result.sample_count > 0)))
        pending = session.scalar(select(func.count()).select_from(PendingRecompute))
    assert values == [1.0, 1.0]
    assert pending == 0


def test_bursts_coalesce_into_one_waiting_job(async_client, async_runtime, installation):
    for number in range(5):
        _send(async_client, installation, [created(f"T{number}", "2026-03-02 09:00")])

    queued = async_runtime.queue("webhooks").job_ids

    assert queued == [f"inbox-{installation['id']}"]


def test_redis_down_keeps_events_for_sweeper(async_runtime, installation, clock):
    clock.set(datetime(2026, 3, 20, tzinfo=timezone.utc))
    working_redis = async_runtime.redis
    async_runtime.redis = redis_from_url("redis://127.0.0.1:1/0")
    async_runtime.queues.clear()
    client = create_app(runtime=async_runtime).test_client()

    started = time.monotonic()
    response = _send(client, installation, [created("T1", "2026-03-02 09:00")])
    elapsed = time.monotonic() - started

    assert response.status_code == 202
    assert elapsed < 3
    assert _unprocessed(async_runtime) == 1

    async_runtime.redis = working_redis
    async_runtime.queues.clear()
    clock.set(clock.now + timedelta(minutes=5))
    swept = sweep()
    _work(async_runtime)

    assert swept["inbox"] == 1
    assert _unprocessed(async_runtime) == 0


def test_sweeper_leaves_fresh_rows_alone(async_client, async_runtime, installation, clock):
    clock.set(datetime.now(timezone.utc))
    _send(async_client, installation, [created("T1", "2026-03-02 09:00")])

    assert sweep() == {"inbox": 0, "marks": 0}


def test_failing_row_does_not_block_others(post_events, runtime, installation):
    from plugin.models import Team

    with transaction(runtime.sessions) as session:
        session.add(InboxEvent(installation_id=installation["id"], connector="generic", delivery_id="broken",
                               payload='{"type": "ticket.created", "event_id": "broken"}'))

    response = post_events([team("desk")])

    assert response.status_code == 202
    assert _unprocessed(runtime) == 0
    with transaction(runtime.sessions) as session:
        broken = session.scalar(select(InboxEvent).where(InboxEvent.delivery_id == "broken"))
        teams = session.scalar(select(func.count()).select_from(Team))
        assert broken.last_error.startswith("ValidationError")
    assert teams == 1
