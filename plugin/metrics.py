"""Prometheus metrics at ``GET /metrics``.

Request counters (webhooks accepted and rejected) live in the web process that
served the request, so with several gunicorn workers each reports its own share.
Everything about backlog and failures is read from the database and Redis at
scrape time, so every process reports the same deployment-wide numbers.
"""

from __future__ import annotations

import time
from datetime import timezone

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from .db import transaction
from .models import InboxEvent, PendingRecompute
from .runtime import QUEUE_NAMES, Runtime

blueprint = Blueprint("metrics", __name__)


class Metrics:
    """The registry of one app: request counters plus a collector reading the backlog."""

    def __init__(self, runtime: Runtime):
        self.registry = CollectorRegistry()
        self.webhooks = Counter("helpdesk_goals_webhook_requests", "Webhook requests by connector and outcome",
                                ["connector", "outcome"], registry=self.registry)
        self.registry.register(BacklogCollector(runtime))

    def webhook(self, connector: str, outcome: str) -> None:
        """Count one webhook request; ``outcome`` is ``accepted`` or the HTTP status of the rejection."""
        self.webhooks.labels(connector=connector, outcome=outcome).inc()


class BacklogCollector:
    """Reads the inbox, the recompute marks and RQ's failed jobs when Prometheus scrapes."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def collect(self):
        with transaction(self.runtime.sessions) as session:
            unprocessed, oldest = session.execute(
                select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.processed_at.is_(None))
            ).one()
            failed = session.scalar(select(func.count()).select_from(InboxEvent)
                                    .where(InboxEvent.last_error.is_not(None)))
            marks = session.scalar(select(func.count()).select_from(PendingRecompute))

        yield GaugeMetricFamily("helpdesk_goals_inbox_unprocessed", "Inbox events not applied yet", value=unprocessed)
        lag = 0.0
        if oldest is not None:
            oldest_utc = oldest if oldest.tzinfo else oldest.replace(tzinfo=timezone.utc)
            lag = max(0.0, self.runtime.clock().timestamp() - oldest_utc.timestamp())
        yield GaugeMetricFamily("helpdesk_goals_inbox_lag_seconds",
                                "Age of the oldest inbox event not applied yet", value=lag)
        yield GaugeMetricFamily("helpdesk_goals_inbox_failed", "Inbox events that could not be applied",
                                value=failed)
        yield GaugeMetricFamily("helpdesk_goals_milestones_pending", "Milestones marked for recompute", value=marks)

        failures = GaugeMetricFamily("helpdesk_goals_jobs_failed", "Jobs in RQ's failed registry", labels=["queue"])
        if self.runtime.redis is not None:
            for name in QUEUE_NAMES:
                try:
                    count = FailedJobRegistry(name, connection=self.runtime.redis).count
                except Exception:  # Redis down: /health reports it; the metric is left out
                    continue
                failures.add_metric([name], count)
        yield failures
        yield GaugeMetricFamily("helpdesk_goals_scrape_timestamp_seconds", "Time of this scrape", value=time.time())


@blueprint.get("/metrics")
def metrics():
    registry = current_app.extensions["helpdesk_goals_metrics"].registry
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
