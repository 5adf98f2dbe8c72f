"""Benchmark: how long a host event takes to show in the progress API, under load.

Starts the embedded deployment (web server, RQ workers, scheduler) on a fresh
database, creates a monthly team goal, loads the month with background tickets,
then sends probe closes one at a time while a sender thread keeps posting other
events, and measures from each probe's webhook POST to the moment the progress
API shows it. Prints the latency percentiles as JSON.

Usage:
  python bench/freshness.py [--database sqlite|postgresql] [--probes 40] [--background-rate 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from plugin.commands.stack import start_stack
from plugin.config import Settings
from plugin.db import transaction
from plugin.runtime import build_runtime
from plugin.services.installations import create_installation

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, secret: str, events: list[dict]) -> None:
    body = json.dumps({"events": events}).encode()
    response = requests.post(url, data=body, headers={"X-Goals-Signature": _sign(secret, body)}, timeout=30)
    response.raise_for_status()


def _ticket_events(ticket: str, owner: str, opened: datetime, closed: datetime) -> list[dict]:
    stamp = lambda moment: moment.isoformat().replace("+00:00", "Z")  # noqa: E731
    return [
        {"event_id": f"{ticket}-c", "type": "ticket.created", "occurred_at": stamp(opened), "ticket": ticket,
         "owner": owner, "team": "desk", "pipeline": "support", "state": "new", "state_class": "new",
         "created_by_role": "customer"},
        {"event_id": f"{ticket}-m", "type": "message.added", "occurred_at": stamp(opened + timedelta(minutes=20)),
         "ticket": ticket, "message": f"{ticket}-m", "author": owner, "author_role": "agent", "public": True},
        {"event_id": f"{ticket}-s", "type": "ticket.state_changed", "occurred_at": stamp(closed), "ticket": ticket,
         "to_state": "closed", "to_class": "closed"},
    ]


def _wait_for(read, timeout: float = 60.0):
    """Poll ``read`` until it returns something truthy; raise ``TimeoutError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"nothing after {timeout:.0f} s: is the worker running?")


def _database_url(kind: str, instance: Path) -> tuple[str | None, callable]:
    if kind == "sqlite":
        return None, lambda: None
    name = f"helpdesk_goals_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--background-tickets", type=int, default=2000, help="tickets loaded before probing")
    parser.add_argument("--background-rate", type=float, default=20.0, help="background events per second")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="hg-bench-"))
    database_url, drop = _database_url(args.database, instance)
    settings = Settings(instance_path=instance, database_url=database_url,
                        redis_url=os.environ.get("HELPDESK_GOALS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                        log_level="WARNING")
    stack = start_stack(settings, "127.0.0.1", 0, workers=args.workers)
    stop = threading.Event()
    runtime = build_runtime(settings, connect=False)
    try:
        with transaction(runtime.sessions) as session:
            created = create_installation(session, name="bench", connector="generic", time_zone="UTC")
            installation, token, secret = created.installation.id, created.api_token, created.webhook_secret
        hook = f"{stack.base_url}/webhooks/generic/{installation}"
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"

        now = datetime.now(timezone.utc)
        month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        agents = [f"agent{number}" for number in range(20)]
        directory = [{"event_id": f"u-{name}", "type": "user.upserted", "occurred_at": month_start.isoformat(),
                      "user": name, "name": name, "role": "agent"} for name in agents]
        directory += [{"event_id": f"m-{name}", "type": "membership.changed", "occurred_at": month_start.isoformat(),
                       "user": name, "team": "desk", "kind": "primary", "member": True} for name in agents]
        _post(hook, secret, directory)
        teams = _wait_for(lambda: api.get(f"{stack.base_url}/api/v1/teams").json()["items"])
        team_id = teams[0]["id"]
        goal = api.post(f"{stack.base_url}/api/v1/goals", json={
            "name": "bench", "template": "tickets_closed", "frequency": "monthly",
            "span": {"kind": "year", "year": now.year}, "contributors": {"kind": "teams", "teams": [team_id]},
            "targets": {"user": 100}}).json()

        started = time.monotonic()
        batch: list[dict] = []
        for number in range(args.background_tickets):
            opened = month_start + timedelta(minutes=number % (60 * 24))
            batch += _ticket_events(f"bg{number}", agents[number % len(agents)], opened, opened + timedelta(hours=1))
            if len(batch) >= 450:
                _post(hook, secret, batch)
                batch = []
        if batch:
            _post(hook, secret, batch)
        load_seconds = time.monotonic() - started

        def background():
            number = 0
            while not stop.is_set():
                opened = month_start + timedelta(minutes=number)
                _post(hook, secret, _ticket_events(f"noise{number}", agents[1 + number % 19], opened,
                                                   opened + timedelta(hours=2)))
                number += 1
                stop.wait(3 / args.background_rate)

        sender = threading.Thread(target=background, daemon=True)

        def probe_value() -> float:
            document = api.get(f"{stack.base_url}/api/v1/goals/{goal['id']}/progress").json()
            probe = next(row for row in document["contributors"] if row["name"] == "probe")
            return next(cell["value"] or 0 for cell in probe["milestones"]
                        if cell["starts_at"] <= now.isoformat() < cell["ends_at"])

        _post(hook, secret, [{"event_id": "u-probe", "type": "user.upserted", "occurred_at": month_start.isoformat(),
                              "user": "probe", "name": "probe", "role": "agent"}])
        probe_ids = _wait_for(lambda: [user["id"] for user in api.get(
            f"{stack.base_url}/api/v1/users?per_page=200").json()["items"] if user["host_ref"] == "probe"])
        goal = api.post(f"{stack.base_url}/api/v1/goals", json={
            "name": "probe", "template": "tickets_closed", "frequency": "monthly",
            "span": {"kind": "year", "year": now.year}, "contributors": {"kind": "users", "users": probe_ids},
            "targets": {"user": 100}}).json()

        sender.start()
        latencies = []
        for number in range(args.probes):
            opened = now - timedelta(minutes=30)
            sent = time.monotonic()
            _post(hook, secret, _ticket_events(f"probe{number}", "probe", opened, now - timedelta(minutes=1)))
            while probe_value() < number + 1:
                if time.monotonic() - sent > 60:
                    raise TimeoutError(f"probe {number} did not show within 60 s")
                time.sleep(0.05)
            latencies.append(time.monotonic() - sent)
        stop.set()
        sender.join(timeout=10)

        latencies.sort()
        print(json.dumps({
            "database": args.database,
            "workers": args.workers,
            "background_tickets": args.background_tickets,
            "background_events_per_second": args.background_rate,
            "load_seconds": round(load_seconds, 1),
            "load_events_per_second": round(3 * args.background_tickets / load_seconds, 1),
            "probes": len(latencies),
            "latency_p50_s": round(statistics.median(latencies), 3),
            "latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
            "latency_max_s": round(latencies[-1], 3),
        }, indent=2))
    finally:
        stop.set()
        stack.stop()
        drop()


if __name__ == "__main__":
    main()
