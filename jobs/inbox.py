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

    Rows are applied in batches, each batch one transaction: the mirror changes,
    the processed marks and the milestone marks commit together, so a crash leaves
    the rows unprocessed and the next run applies them again (applying is
    idempotent). When a batch fails, its rows are applied again one per
    transaction, and a row that still fails is marked processed with
    ``last_error`` and logged, so one bad row never blocks the rows behind it.
    """
    runtime = current()
    total = 0
    while True:
        with transaction(runtime.sessions) as session:
            row_ids = list(session.scalars(
                select(InboxEvent.id)
                .where(InboxEvent.installation_id == installation_id, InboxEvent.processed_at.is_(None))
                .order_by(InboxEvent.id)
                .limit(BATCH_SIZE)
            ))
        if not row_ids:
            break

        try:
            marked = _apply_rows(runtime, installation_id, row_ids)
        except Exception as error:  # isolate the failing row below
            log.error("inbox.batch_failed installation=%s first=%s last=%s error=%s: %s; retrying row by row",
                      installation_id, row_ids[0], row_ids[-1], type(error).__name__, error)
            marked = 0
            for row_id in row_ids:
                try:
                    marked += _apply_rows(runtime, installation_id, [row_id])
                except Exception as row_error:  # recorded on the row, which is then skipped
                    _mark_failed(runtime, row_id, row_error)
        total += len(row_ids)

        if marked:
            enqueue_once(runtime, "recompute", recompute_pending, f"recompute-{installation_id}", installation_id)
    return total


def _apply_rows(runtime, installation_id: int, row_ids: list[int]) -> int:
    """Apply the rows in one transaction and mark the milestones they touch; return how many were marked."""
    with transaction(runtime.sessions) as session:
        rows = session.scalars(select(InboxEvent).where(InboxEvent.id.in_(row_ids)).order_by(InboxEvent.id)).all()
        mirror = Mirror(session, installation_id)
        touched = Touched()
        now = runtime.clock()
        for row in rows:
            if row.processed_at is not None:
                continue
            row.attempts += 1
            for event in get_connector(row.connector).normalize(json.loads(row.payload)):
                mirror.apply(event, touched)
            row.processed_at = now
        mirror.finish()

        ticket_times = []
        if touched.ticket_ids:
            ticket_times = list(session.scalars(
                select(TicketEvent.occurred_at).where(TicketEvent.ticket_id.in_(sorted(touched.ticket_ids)))
            ))
        marked = mark_milestones(session, installation_id, ticket_times, touched.people_since)
        log.info("inbox.processed installation=%s rows=%s tickets=%s milestones_marked=%s",
                 installation_id, len(rows), len(touched.ticket_ids), marked)
        return marked


def _mark_failed(runtime, row_id: int, error: Exception) -> None:
    """Record why a row cannot be applied and take it out of the queue of unprocessed rows."""
    with transaction(runtime.sessions) as session:
        row = session.get(InboxEvent, row_id)
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        row.processed_at = runtime.clock()
        log.error("inbox.row_failed installation=%s inbox=%s connector=%s delivery=%s error=%s",
                  row.installation_id, row.id, row.connector, row.delivery_id, row.last_error)
