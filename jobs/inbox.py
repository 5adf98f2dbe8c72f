"""Apply inbox rows to the mirror and mark the milestones they touch."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from connectors.registry import get_connector
from plugin.db import transaction
from plugin.models import InboxEvent, TicketEvent
from plugin.runtime import current
from plugin.services.compute import mark_milestones
from plugin.services.mirror import Mirror, Touched

from .enqueue import enqueue_once
from .recompute import recompute_pending

log = logging.getLogger(__name__)

BATCH_SIZE = 500


def process_inbox(installation_id: int) -> int:
    """Apply every unprocessed inbox row of the installation, oldest first; return how many.

    Each batch is one transaction: the mirror changes, the processed marks and the
    milestone marks commit together, so a crash leaves the rows unprocessed and
    the next run applies them again (applying is idempotent). A row whose payload
    the connector cannot normalize is marked processed with ``last_error`` and
    logged, so it does not block the rows behind it.
    """
    runtime = current()
    total = 0
    while True:
        with transaction(runtime.sessions) as session:
            rows = session.scalars(
                select(InboxEvent)
                .where(InboxEvent.installation_id == installation_id, InboxEvent.processed_at.is_(None))
                .order_by(InboxEvent.id)
                .limit(BATCH_SIZE)
            ).all()
            if not rows:
                break

            mirror = Mirror(session, installation_id)
            touched = Touched()
            now = runtime.clock()
            for row in rows:
                row.attempts += 1
                try:
                    events = get_connector(row.connector).normalize(json.loads(row.payload))
                except Exception as error:  # a stored payload that no longer loads must not block the inbox
                    row.last_error = f"{type(error).__name__}: {error}"
                    row.processed_at = now
                    log.error("inbox.rejected installation=%s inbox=%s delivery=%s error=%s",
                              installation_id, row.id, row.delivery_id, row.last_error)
                    continue
                for event in events:
                    mirror.apply(event, touched)
                row.processed_at = now

            ticket_times = []
            if touched.ticket_ids:
                ticket_times = list(session.scalars(
                    select(TicketEvent.occurred_at).where(TicketEvent.ticket_id.in_(sorted(touched.ticket_ids)))
                ))
            marked = mark_milestones(session, installation_id, ticket_times, touched.people_since)
            total += len(rows)
            log.info("inbox.processed installation=%s rows=%s tickets=%s milestones_marked=%s",
                     installation_id, len(rows), len(touched.ticket_ids), marked)

        if marked:
            enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{installation_id}", installation_id)
    return total
