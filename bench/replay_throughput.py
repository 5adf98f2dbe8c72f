"""Benchmark: ingest the bundled incident log through the webhook and compute three goals.

Starts the embedded deployment on a fresh database, replays the log in signed
batches, waits until the worker has applied every event, creates the three demo
goals and waits for their computation. Prints timings, events per second and
the peak resident memory of the worker and scheduler processes as JSON.

Usage:
  python bench/replay_throughput.py [--database sqlite|postgresql] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from freshness import _database_url  # noqa: E402

from plugin.commands import demo  # noqa: E402
from plugin.commands.stack import start_stack  # noqa: E402
from plugin.config import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="hg-bench-"))
    database_url, drop = _database_url(args.database, instance)
    redis_url = os.environ.get("HELPDESK_GOALS_BENCH_REDIS_URL") if args.database == "postgresql" else None
    if args.database == "postgresql" and not redis_url:
        redis_url = "redis://127.0.0.1:6379/14"
    settings = Settings(instance_path=instance, database_url=database_url, redis_url=redis_url, log_level="WARNING")
    stack = start_stack(settings, "127.0.0.1", 0, workers=args.workers)
    runtime = stack.app.extensions["helpdesk_goals"]
    try:
        installation = demo.ensure_installation(runtime, instance, "Europe/Rome", "en")

        started = time.monotonic()
        result = demo.run_replay(stack.base_url, installation, instance, show_progress=False)
        sent = time.monotonic()
        demo.wait_until_processed(runtime, installation.id)
        applied = time.monotonic()

        span = demo.demo_span(demo.bundled_log(), "Europe/Rome")
        goals = demo.ensure_goals(stack.base_url, installation.token, span)
        demo.wait_for_jobs(runtime, [item["job"] for item in goals if item["job"]])
        computed = time.monotonic()
    finally:
        stack.stop()
        drop()

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "database": args.database,
        "workers": args.workers,
        "events": result.accepted,
        "send_seconds": round(sent - started, 1),
        "apply_seconds_after_send": round(applied - sent, 1),
        "events_per_second_end_to_end": round(result.accepted / (applied - started), 1),
        "goal_creation_and_compute_seconds": round(computed - applied, 1),
        "peak_rss_largest_child_mib": round(children.ru_maxrss / 1024, 1),
        "peak_rss_web_process_mib": round(own.ru_maxrss / 1024, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
