"""Fixtures of the RT connector tests: an RT installation, recorded deliveries and REST2 responses.

The deliveries were recorded from RT 5.0.3 by connectors/rt/record_fixtures.py
and are signed with ``fixture-secret``, the webhook secret of ``rt_installation``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from plugin.db import transaction
from plugin.models import Installation
from plugin.services.installations import create_installation

FIXTURES_DIR = Path(__file__).resolve().parents[3] / "connectors" / "rt" / "fixtures"
FIXTURE_SECRET = "fixture-secret"
RT_URL = "http://127.0.0.1:8090"
RT_TOKEN = "1-14-0123456789abcdef"

# Arrival order of the recorded story's kept deliveries (fixtures/README.md):
# rt-tx-52 arrived before rt-tx-50, and rt-tx-58 before rt-tx-56.
STORY_ARRIVAL_ORDER = [
    "create_by_customer", "set_owner_take", "set_watcher_owner", "status_open_by_rt_system",
    "correspond_by_agent", "comment_by_agent", "status_resolved", "status_reopen_by_requestor_reply",
    "correspond_by_customer", "status_resolved_again", "set_owner", "create_by_agent", "status_stalled",
    "set_queue", "set_owner_nobody_by_rt_system", "status_rejected", "status_deleted",
]


def load_delivery(name: str) -> dict:
    return json.loads((FIXTURES_DIR / f"{name}.json").read_text())


def load_rest2(name: str) -> dict:
    return json.loads((FIXTURES_DIR / "rest2" / f"{name}.json").read_text())


@pytest.fixture
def rt_installation(runtime, clock):
    """An RT installation whose webhook secret signed the fixtures; the clock is after the story.

    It has no RT URL, so push-back is skipped; ``rt_rest2_installation`` adds one.
    """
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=timezone.utc))
    with transaction(runtime.sessions) as session:
        created = create_installation(session, name="RT desk", connector="rt", time_zone="Europe/Rome",
                                      webhook_secret=FIXTURE_SECRET)
        return {"id": created.installation.id, "token": created.api_token, "secret": created.webhook_secret}


@pytest.fixture
def rt_rest2_installation(runtime, rt_installation):
    """The RT installation with the REST2 URL and token that the ``responses`` mocks serve."""
    with transaction(runtime.sessions) as session:
        installation = session.get(Installation, rt_installation["id"])
        installation.base_url = RT_URL
        installation.host_api_token = RT_TOKEN
    return rt_installation


@pytest.fixture
def deliver(client, rt_installation):
    """Post a recorded delivery (or raw bytes with headers) to the RT webhook; returns the response."""

    def send(name: str | None = None, body: bytes | None = None, headers: dict | None = None):
        if name is not None:
            recorded = load_delivery(name)
            body = recorded["body"].encode("utf-8")
            headers = {key: value for key, value in recorded["headers"].items()
                       if key not in ("Host", "Content-Length")}
        return client.post(f"/webhooks/rt/{rt_installation['id']}", data=body, headers=headers or {})

    return send


@pytest.fixture
def rt_api(client, rt_installation):
    """Call the JSON API with the RT installation's token."""

    class Api:
        def __getattr__(self, method):
            def call(path, **kwargs):
                headers = {"Authorization": f"Bearer {rt_installation['token']}"}
                return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)
            return call

    return Api()
