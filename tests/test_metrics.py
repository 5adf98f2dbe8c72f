"""Prometheus metrics: webhook counters and the backlog read at scrape time."""

from __future__ import annotations

import re
from datetime import timedelta

from plugin.db import transaction
from plugin.models import InboxEvent
from tests.builders import created


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} not in the metrics"
    return float(match.group(1))


def test_webhook_outcomes_counted(client, post_events):
    post_events([created("T1", "2026-03-02 09:00")])
    post_events([created("T2", "2026-03-02 09:00")], secret="wrong")

    text = client.get("/metrics").get_data(as_text=True)

    assert _value(text, "helpdesk_goals_webhook_requests_total", '{connector="generic",outcome="accepted"}') == 1
    assert _value(text, "helpdesk_goals_webhook_requests_total", '{connector="generic",outcome="401"}') == 1


def test_backlog_and_failures_reported(client, runtime, installation, clock):
    with transaction(runtime.sessions) as session:
        session.add(InboxEvent(installation_id=installation["id"], connector="generic", delivery_id="waiting",
                               payload="{}", received_at=clock() - timedelta(minutes=2)))
        session.add(InboxEvent(installation_id=installation["id"], connector="generic", delivery_id="broken",
                               payload="{}", received_at=clock(), processed_at=clock(), last_error="ValidationError"))

    text = client.get("/metrics").get_data(as_text=True)

    assert _value(text, "helpdesk_goals_inbox_unprocessed") == 1
    assert _value(text, "helpdesk_goals_inbox_lag_seconds") == 120
    assert _value(text, "helpdesk_goals_inbox_failed") == 1
    assert _value(text, "helpdesk_goals_milestones_pending") == 0
    assert _value(text, "helpdesk_goals_jobs_failed", '{queue="webhooks"}') == 0
