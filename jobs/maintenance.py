"""Periodic upkeep: re-enqueue inbox rows and milestone marks that no job picked up."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from plugin.db import transaction
from plugin.models import InboxEvent, PendingRecompute
from plugin.runtime import current

from .enqueue import enqueue_once
from .inbox import process_inbox
from .recompute import recompute_pending

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=1)


def sweep() -> dict[str, int]:
    """Enqueue processing for installations with inbox rows or marks older than a minute.

    A row stays unprocessed when Redis was down at the moment the receiver tried
    to enqueue, or when a worker died. Enqueueing uses the same deterministic ids
    as the receiver, so a sweep never doubles a waiting job.
    """
    runtime = current()
    cutoff = runtime.clock() - STALE_AFTER
    with transaction(runtime.sessions) as session:
        inbox = dict(session.execute(
            select(InboxEvent.installation_id, func.count())
            .where(InboxEvent.processed_at.is_(None), InboxEvent.received_at < cutoff)
            .group_by(InboxEvent.installation_id)).all())
        marks = dict(session.execute(
            select(PendingRecompute.installation_id, func.count())
            .where(PendingRecompute.marked_at < cutoff)
            .group_by(PendingRecompute.installation_id)).all())

    for installation_id, count in inbox.items():
        log.info("sweep.inbox installation=%s rows=%s", installation_id, count)
        enqueue_once(runtime, "webhooks", process_inbox, f"inbox-{installation_id}", installation_id)
    for installation_id, count in marks.items():
        log.info("sweep.marks installation=%s milestones=%s", installation_id, count)
        enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{installation_id}", installation_id)
    return {"inbox": sum(inbox.values()), "marks": sum(marks.values())}
