"""``helpdesk-goals replay`` against a live HTTP server: batches, resume, idempotence."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from plugin.commands.replay import ReplayError, replay
from plugin.db import transaction
from plugin.models import InboxEvent
from tests.conftest import DEMO_LOG

ZONE = "Europe/Rome"


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def small_log(tmp_path):
    """The first 300 lines of the bundled log: about 45 incidents, each with all its rows."""
    lines = DEMO_LOG.read_bytes().split(b"\r\n")
    cut = 300
    number = lines[cut].split(b",")[0]
    while lines[cut].split(b",")[0] == number:
        cut += 1
    path = tmp_path / "excerpt.csv"
    path.write_bytes(b"\r\n".join(lines[:cut]) + b"\r\n")
    return path


def _inbox(runtime) -> int:
    with transaction(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(InboxEvent))


def test_replay_sends_every_event_once(live_url, installation, runtime, small_log, tmp_path):
    url = f"{live_url}/webhooks/generic/{installation['id']}"
    progress = []

    result = replay(small_log, url, installation["secret"], ZONE, batch_size=50, state_path=tmp_path / "state.json",
                    on_progress=lambda done, total: progress.append((done, total)))

    assert result.accepted == result.sent
    assert result.duplicates == 0
    assert _inbox(runtime) == result.sent
    assert progress[-1] == (result.sent, result.sent)


def test_second_run_resumes_past_sent_events(live_url, installation, runtime, small_log, tmp_path):
    url = f"{live_url}/webhooks/generic/{installation['id']}"
    state = tmp_path / "state.json"
    first = replay(small_log, url, installation["secret"], ZONE, state_path=state)

    second = replay(small_log, url, installation["secret"], ZONE, state_path=state)

    assert second.sent == 0
    assert second.skipped == first.sent
    assert _inbox(runtime) == first.sent


def test_restart_stores_nothing_new(live_url, installation, runtime, small_log, tmp_path):
    url = f"{live_url}/webhooks/generic/{installation['id']}"
    state = tmp_path / "state.json"
    first = replay(small_log, url, installation["secret"], ZONE, state_path=state)

    again = replay(small_log, url, installation["secret"], ZONE, state_path=state, restart=True)

    assert again.accepted == 0
    assert again.duplicates == first.sent
    assert _inbox(runtime) == first.sent


def test_wrong_secret_stops_with_message(live_url, installation, small_log, tmp_path):
    url = f"{live_url}/webhooks/generic/{installation['id']}"

    with pytest.raises(ReplayError, match="HTTP 401"):
        replay(small_log, url, "wrong-secret", ZONE, state_path=tmp_path / "state.json")


def test_unreachable_server_named(installation, small_log, tmp_path, monkeypatch):
    monkeypatch.setattr("plugin.commands.replay.time.sleep", lambda seconds: None)

    with pytest.raises(ReplayError, match="is the server at http://127.0.0.1:1/"):
        replay(small_log, "http://127.0.0.1:1/webhooks/generic/1", "secret", ZONE, state_path=tmp_path / "s.json")


@pytest.mark.parametrize("url, zone, message", [
    ("not-a-url/webhooks/generic/1", "Europe/Rome", "URL 'not-a-url/webhooks/generic/1' is invalid"),
    ("http://127.0.0.1:1/webhooks/generic/1", "Nowhere/Town", "time zone 'Nowhere/Town' is unknown"),
])
def test_bad_arguments_named_before_sending(small_log, tmp_path, url, zone, message):
    with pytest.raises(ValueError, match=message):
        replay(small_log, url, "secret", zone, state_path=tmp_path / "s.json")
