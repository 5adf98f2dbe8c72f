"""Read helpdesks through their APIs into the inbox: backfill and catch-up jobs.

Only connectors with ``supports_backfill`` have a reader; today that is RT
(``connectors/rt/sync.py``). The rows these jobs store go through
``jobs.inbox.process_inbox`` like webhook deliveries.
"""

from __future__ import annotations

import argparse
import logging
import sys

from sqlalchemy import select

from connectors.registry import CONNECTORS
from connectors.rt.sync import RTSync
from plugin.db import transaction
from plugin.models import Installation
from plugin.runtime import current

log = logging.getLogger(__name__)

# The connectors whose API this module can read, by connector name.
READERS = {"rt": RTSync}


def _reader(installation_id: int):
    runtime = current()
    with transaction(runtime.sessions) as session:
        installation = session.get(Installation, installation_id)
        if installation is None:
            log.info("sync.skipped installation=%s reason=not_found", installation_id)
            return None
        connector = installation.connector
    reader = READERS.get(connector)
    if reader is None or not CONNECTORS[connector].supports_backfill:
        log.info("sync.skipped installation=%s connector=%s reason=no_reader", installation_id, connector)
        return None
    return reader(runtime, installation_id)


def catch_up(installation_id: int) -> int:
    """Store what the host changed since the last read, directory included; return the new inbox rows.

    Raises the reader's error (``RTApiError`` for RT) when the host cannot be
    read, so RQ records the failure and the next run starts from the same watermark.
    """
    reader = _reader(installation_id)
    if reader is None:
        return 0
    return reader.catch_up(with_directory=True).stored


def backfill(installation_id: int) -> int:
    """Store the host's whole history and directory, then catch up; return the new inbox rows."""
    reader = _reader(installation_id)
    if reader is None:
        return 0
    return reader.backfill().stored


def catch_up_all() -> int:
    """Catch up every installation whose connector has a reader; the daily cron entry.

    One installation that fails is logged and does not stop the others.
    """
    runtime = current()
    with transaction(runtime.sessions) as session:
        installation_ids = list(session.scalars(
            select(Installation.id).where(Installation.connector.in_(sorted(READERS))).order_by(Installation.id)))
    stored = 0
    for installation_id in installation_ids:
        try:
            stored += catch_up(installation_id)
        except Exception as error:  # one unreachable helpdesk must not block the others
            log.error("sync.catch_up_failed installation=%s error=%s", installation_id, error)
    return stored


def main(argv: list[str] | None = None) -> int:
    """Run a backfill or a catch-up in this process: ``python -m jobs.sync backfill|catch-up INSTALLATION_ID``."""
    parser = argparse.ArgumentParser(prog="python -m jobs.sync", description=main.__doc__)
    parser.add_argument("action", choices=("backfill", "catch-up"), help="what to read from the helpdesk")
    parser.add_argument("installation", type=int, help="installation id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    job = backfill if args.action == "backfill" else catch_up
    print(f"stored {job(args.installation)} new inbox rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
