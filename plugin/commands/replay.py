"""Send an incident event log to a running plugin as signed generic webhooks.

The log is turned into generic events (``connectors.generic.incident_log``) and
sent in batches. Every event has a stable id, so sending the same log twice
stores nothing new. A state file records how many events the server accepted,
and a new run continues from there unless ``restart`` is set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO
from zoneinfo import ZoneInfo

import requests

from connectors.base import hmac_sha256_hex
from connectors.generic.incident_log import replay_events

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
RETRIES = 4
TIMEOUT_SECONDS = 30


class ReplayError(RuntimeError):
    """The server rejected a batch or stayed unreachable; the message names the batch and the reason."""


@dataclass(frozen=True)
class ReplayResult:
    sent: int
    accepted: int
    duplicates: int
    skipped: int


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_state(state_path: Path | None, key: dict) -> int:
    if state_path is None or not state_path.exists():
        return 0
    try:
        state = json.loads(state_path.read_text())
    except (OSError, json.JSONDecodeError):
        return 0
    return int(state.get("sent", 0)) if state.get("key") == key else 0


def _save_state(state_path: Path | None, key: dict, sent: int) -> None:
    if state_path is None:
        return
    state_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = state_path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"key": key, "sent": sent}))
    temporary.replace(state_path)


def progress_bar(stream: TextIO) -> Callable[[int, int], None]:
    """Return a callback drawing ``[#####.....] done/total events`` on ``stream``."""

    def draw(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} events")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return draw


def _post(session: requests.Session, url: str, secret: str, events: list[dict], batch_number: int) -> dict:
    body = json.dumps({"events": events}, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "X-Goals-Signature": "sha256=" + hmac_sha256_hex(secret, body),
               "X-Goals-Delivery": f"replay-{events[0]['event_id']}"}
    delay = 1.0
    for attempt in range(1, RETRIES + 1):
        try:
            response = session.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            problem = f"{type(error).__name__}: {error}"
        else:
            if response.status_code == 202:
                return response.json()
            if response.status_code < 500:
                raise ReplayError(f"batch {batch_number} was rejected with HTTP {response.status_code}: "
                                  f"{response.text[:500]}")
            problem = f"HTTP {response.status_code}"
        log.warning("replay.retry batch=%s attempt=%s problem=%s", batch_number, attempt, problem)
        if attempt < RETRIES:
            time.sleep(delay)
            delay *= 2
    raise ReplayError(f"batch {batch_number} failed {RETRIES} times ({problem}): is the server at {url} running?")


def replay(log_path: Path, webhook_url: str, secret: str, time_zone: str, batch_size: int = DEFAULT_BATCH_SIZE,
           state_path: Path | None = None, restart: bool = False,
           on_progress: Callable[[int, int], None] | None = None) -> ReplayResult:
    """Send the log's events to ``webhook_url`` in signed batches; return what the server counted.

    Raises ``ReplayError`` when a batch is rejected (4xx) or the server stays
    unreachable; the state file then points at the first batch not accepted.
    """
    if not 1 <= batch_size <= 500:
        raise ValueError(f"batch size {batch_size} is invalid: use 1 to 500")
    if not webhook_url.startswith(("http://", "https://")):
        raise ValueError(f"URL {webhook_url!r} is invalid: use http://host:port or https://host")
    try:
        ZoneInfo(time_zone)
    except (KeyError, ValueError):
        raise ValueError(f"time zone {time_zone!r} is unknown: use an IANA name such as Europe/Rome") from None
    events = replay_events(log_path, time_zone)
    key = {"file": _file_digest(log_path), "url": webhook_url, "time_zone": time_zone}
    start = 0 if restart else min(_load_state(state_path, key), len(events))
    accepted = duplicates = 0

    with requests.Session() as session:
        for offset in range(start, len(events), batch_size):
            batch = events[offset:offset + batch_size]
            answer = _post(session, webhook_url, secret, batch, offset // batch_size + 1)
            accepted += int(answer.get("accepted", 0))
            duplicates += int(answer.get("duplicates", 0))
            _save_state(state_path, key, offset + len(batch))
            if on_progress:
                on_progress(offset + len(batch), len(events))
    if on_progress and start >= len(events):
        on_progress(len(events), len(events))
    log.info("replay.done file=%s events=%s accepted=%s duplicates=%s skipped=%s", log_path, len(events),
             accepted, duplicates, start)
    return ReplayResult(sent=len(events) - start, accepted=accepted, duplicates=duplicates, skipped=start)


def default_progress() -> Callable[[int, int], None]:
    return progress_bar(sys.stderr)
