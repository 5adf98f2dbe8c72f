"""``helpdesk-goals demo``: the whole product on the bundled incident log.

Starts the embedded deployment, creates (or reuses) the demo installation,
replays the log through real signed webhooks, creates one goal per built-in
template for every team and its agents over the months the log covers, waits
until every event and milestone is processed, and prints progress per team and
agent. Running it again reuses the installation and goals, and the replay
stores nothing new.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from connectors.generic.incident_log import log_month_span

from ..db import transaction
from ..links import sign_link
from ..models import InboxEvent, Installation, PendingRecompute
from ..services.installations import create_installation
from .replay import ReplayResult, default_progress, replay

log = logging.getLogger(__name__)

DEMO_INSTALLATION_NAME = "Demo: ServiceNow incident log"
DEMO_STATE_FILE = "demo.json"
WAIT_TIMEOUT_SECONDS = 900

# Targets of the demo goals, per agent and per team. Team values count the
# tickets while the team held them (ServiceNow assignment groups), so every
# team gets its own target rather than the sum of its members' targets.
DEMO_TARGETS = {
    "tickets_closed": {"user": 10, "team": 30},
    "avg_first_response_time": {"user": 8 * 3600, "team": 8 * 3600},
    "avg_resolution_time": {"user": 72 * 3600, "team": 72 * 3600},
}
DEMO_GOAL_NAMES = {
    "tickets_closed": "Demo: tickets closed",
    "avg_first_response_time": "Demo: average first response time",
    "avg_resolution_time": "Demo: average resolution time",
}


def bundled_log() -> Path:
    """Return the path of the incident log shipped in the package."""
    return Path(str(resources.files("plugin") / "demo_data" / "incident_event_log.csv"))


@dataclass(frozen=True)
class DemoInstallation:
    id: int
    token: str
    secret: str
    time_zone: str


def ensure_installation(runtime, instance_path: Path, time_zone: str, locale: str) -> DemoInstallation:
    """Return the demo installation of this instance folder, creating it on the first run.

    Its id and secrets are kept in ``<instance>/demo.json`` (mode 0600). A saved
    installation with another time zone is not reused, because the log's local
    times would then map to other instants.
    """
    state_path = instance_path / DEMO_STATE_FILE
    if state_path.exists():
        saved = json.loads(state_path.read_text())
        with transaction(runtime.sessions) as session:
            installation = session.get(Installation, saved.get("id"))
            if installation is not None and installation.time_zone == time_zone:
                return DemoInstallation(installation.id, saved["token"], saved["secret"], time_zone)

    with transaction(runtime.sessions) as session:
        created = create_installation(session, name=f"{DEMO_INSTALLATION_NAME} ({time_zone})", connector="generic",
                                      time_zone=time_zone, locale=locale)
        demo = DemoInstallation(created.installation.id, created.api_token, created.webhook_secret, time_zone)
    state_path.touch(mode=0o600)
    state_path.write_text(json.dumps({"id": demo.id, "token": demo.token, "secret": demo.secret}))
    return demo


def wait_until_processed(runtime, installation_id: int, timeout: float = WAIT_TIMEOUT_SECONDS) -> None:
    """Wait until the installation has no unprocessed inbox row and no milestone marked for recompute.

    Raises ``TimeoutError`` naming what is still waiting.
    """
    deadline = time.monotonic() + timeout
    while True:
        with transaction(runtime.sessions) as session:
            inbox = session.scalar(select(func.count()).select_from(InboxEvent).where(
                InboxEvent.installation_id == installation_id, InboxEvent.processed_at.is_(None)))
            marks = session.scalar(select(func.count()).select_from(PendingRecompute).where(
                PendingRecompute.installation_id == installation_id))
        if inbox == 0 and marks == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"after {timeout:.0f} s, {inbox} events and {marks} milestones are still waiting: "
                               "is the worker running? See the log above")
        time.sleep(0.5)


def wait_for_jobs(runtime, job_ids: list[str], timeout: float = WAIT_TIMEOUT_SECONDS) -> None:
    """Wait until every job has finished; raise ``RuntimeError`` if one failed."""
    from rq.job import Job, JobStatus

    deadline = time.monotonic() + timeout
    for job_id in job_ids:
        while True:
            status = Job.fetch(job_id, connection=runtime.redis).get_status()
            if status == JobStatus.FINISHED:
                break
            if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
                raise RuntimeError(f"job {job_id} ended as {status.value}: see the worker log above")
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} did not finish within {timeout:.0f} s")
            time.sleep(0.5)


def demo_span(log_path: Path, time_zone: str) -> tuple[date, date]:
    """Return the first and last day of the months the log covers."""
    first_month, last_month = log_month_span(log_path, time_zone)
    next_month = date(last_month.year + last_month.month // 12, last_month.month % 12 + 1, 1)
    return first_month, next_month - timedelta(days=1)


def ensure_goals(base_url: str, token: str, span: tuple[date, date]) -> list[dict[str, Any]]:
    """Create the three demo goals through the API unless they exist; return them with their recompute job ids."""
    headers = {"Authorization": f"Bearer {token}"}
    with requests.Session() as session:
        session.headers.update(headers)
        teams = []
        page = 1
        while True:
            answer = session.get(f"{base_url}/api/v1/teams", params={"page": page, "per_page": 200}, timeout=30)
            answer.raise_for_status()
            body = answer.json()
            teams.extend(item["id"] for item in body["items"])
            if page * body["per_page"] >= body["total"]:
                break
            page += 1

        existing = {goal["name"]: goal for goal in session.get(
            f"{base_url}/api/v1/goals", params={"name": "Demo:", "per_page": 200}, timeout=30).json()["items"]}

        goals = []
        for template, name in DEMO_GOAL_NAMES.items():
            if name in existing:
                goals.append({"goal": existing[name], "job": None})
                continue
            request = {
                "name": name,
                "template": template,
                "frequency": "custom",
                "span": {"kind": "dates", "start": span[0].isoformat(), "end": span[1].isoformat()},
                "contributors": {"kind": "teams", "teams": teams, "team_attribution": "ticket_team",
                                 "team_basis": "team"},
                "targets": DEMO_TARGETS[template],
                "response_credit": "owner",
            }
            answer = session.post(f"{base_url}/api/v1/goals", json=request, timeout=120)
            if answer.status_code != 201:
                raise RuntimeError(f"creating goal {name!r} failed with HTTP {answer.status_code}: {answer.text[:500]}")
            goal = answer.json()
            goals.append({"goal": goal, "job": f"goal-{goal['id']}"})
        return goals


def fetch_progress(base_url: str, token: str, goal_id: int) -> dict:
    answer = requests.get(f"{base_url}/api/v1/goals/{goal_id}/progress",
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
    answer.raise_for_status()
    return answer.json()


def overview_url(base_url: str, secret_key: str, installation_id: int, locale: str | None = None) -> str:
    """Return a signed link to the overview page, in ``locale`` when one is given."""
    url = f"{base_url}/overview?token={sign_link(secret_key, installation_id, 'manager')}"
    return f"{url}&lang={locale}" if locale else url


def run_replay(base_url: str, demo: DemoInstallation, instance_path: Path, show_progress: bool) -> ReplayResult:
    return replay(bundled_log(), f"{base_url}/webhooks/generic/{demo.id}", demo.secret, demo.time_zone,
                  state_path=instance_path / f"replay-{demo.id}.json",
                  on_progress=default_progress() if show_progress else None)
