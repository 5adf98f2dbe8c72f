"""The generic webhook receiver: what it accepts, what it rejects, and that rejects store nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from plugin.db import transaction
from plugin.models import InboxEvent, Ticket, TicketEvent
from tests.builders import created, message, state
from tests.conftest import sign


def _counts(runtime) -> tuple[int, int, int]:
    with transaction(runtime.sessions) as session:
        return (session.scalar(select(func.count()).select_from(InboxEvent)),
                session.scalar(select(func.count()).select_from(Ticket)),
                session.scalar(select(func.count()).select_from(TicketEvent)))


@pytest.fixture
def stored_story(post_events):
    """A ticket already stored, so tests can check that rejects leave it alone."""
    response = post_events([created("T1", "2026-03-02 09:00", owner="ann"), state("T1", "2026-03-02 10:00", "resolved")])
    assert response.status_code == 202
    return response


def test_batch_accepted_with_counts(post_events, runtime):
    response = post_events([created("T1", "2026-03-02 09:00"), message("T1", "2026-03-02 09:05", author="ann")])

    assert response.status_code == 202
    assert response.get_json() == {"accepted": 2, "duplicates": 0}
    assert _counts(runtime) == (2, 1, 2)


def test_single_event_body_accepted(post_events, runtime):
    response = post_events(created("T9", "2026-03-02 09:00"))

    assert response.status_code == 202
    assert response.get_json()["accepted"] == 1


def test_repeated_event_ids_are_duplicates(post_events, runtime):
    event = created("T1", "2026-03-02 09:00")
    first = post_events([event])
    second = post_events([event, event])

    assert first.get_json() == {"accepted": 1, "duplicates": 0}
    assert second.get_json() == {"accepted": 0, "duplicates": 2}
    assert _counts(runtime) == (1, 1, 1)


def test_forged_signature_rejected(stored_story, post_events, runtime):
    before = _counts(runtime)
    response = post_events([created("T2", "2026-03-02 09:00")], secret="not-the-secret")

    assert response.status_code == 401
    assert "does not match" in response.get_json()["error"]
    assert _counts(runtime) == before


def test_missing_signature_rejected(stored_story, client, installation, runtime):
    before = _counts(runtime)
    body = json.dumps(created("T2", "2026-03-02 09:00")).encode()
    response = client.post(f"/webhooks/generic/{installation['id']}", data=body,
                           headers={"Content-Type": "application/json"})

    assert response.status_code == 401
    assert "X-Goals-Signature" in response.get_json()["error"]
    assert _counts(runtime) == before


def test_signature_of_other_body_rejected(stored_story, client, installation, runtime):
    before = _counts(runtime)
    signed = json.dumps(created("T2", "2026-03-02 09:00")).encode()
    sent = json.dumps(created("T3", "2026-03-02 09:00")).encode()
    response = client.post(f"/webhooks/generic/{installation['id']}", data=sent,
                           headers={"X-Goals-Signature": sign(installation["secret"], signed)})

    assert response.status_code == 401
    assert _counts(runtime) == before


def test_truncated_body_rejected(stored_story, post_events, runtime):
    before = _counts(runtime)
    body = json.dumps({"events": [created("T2", "2026-03-02 09:00")]}).encode()
    response = post_events(None, raw=body[: len(body) // 2])

    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["error"]
    assert _counts(runtime) == before


def test_unknown_event_type_rejected(stored_story, post_events, runtime):
    before = _counts(runtime)
    bad = {"event_id": "x-1", "type": "ticket.teleported", "occurred_at": "2026-03-02T09:00:00Z", "ticket": "T2"}
    response = post_events([created("T2", "2026-03-02 09:00"), bad])

    assert response.status_code == 422
    assert "events[1].type" in response.get_json()["error"]
    assert "ticket.teleported" in response.get_json()["error"]
    assert _counts(runtime) == before


@pytest.mark.parametrize("field, value, expected", [
    ("occurred_at", "2026-03-02 09:00", "events[0].occurred_at"),
    ("occurred_at", "2026-03-02T09:00:00", "events[0].occurred_at"),
    ("state_class", "done", "events[0].state_class"),
    ("created_by_role", "robot", "events[0].created_by_role"),
    ("event_id", "", "events[0].event_id"),
    ("colour", "red", "events[0].colour"),
])
def test_invalid_field_named_in_error(post_events, runtime, field, value, expected):
    event = created("T2", "2026-03-02 09:00")
    event[field] = value
    response = post_events([event])

    assert response.status_code == 422
    assert response.get_json()["error"].startswith(f"invalid event: {expected}")
    assert expected in response.get_json()["fields"]
    assert _counts(runtime) == (0, 0, 0)


def test_missing_required_field_named(post_events, runtime):
    event = created("T2", "2026-03-02 09:00")
    del event["ticket"]
    response = post_events([event])

    assert response.status_code == 422
    assert "events[0].ticket" in response.get_json()["fields"]


def test_one_bad_event_rejects_whole_batch(stored_story, post_events, runtime):
    before = _counts(runtime)
    bad = created("T3", "2026-03-02 09:00")
    bad["state_class"] = "finished"
    response = post_events([created("T2", "2026-03-02 09:00"), bad, created("T4", "2026-03-02 09:00")])

    assert response.status_code == 422
    assert _counts(runtime) == before


@pytest.mark.parametrize("body, status", [
    (b"", 400),
    (b"[1, 2]", 400),
    (b'"text"', 400),
    (b'{"events": []}', 422),
    (b'{"events": {}}', 422),
    (b'{"events": [], "extra": 1}', 422),
])
def test_malformed_shapes_rejected(post_events, runtime, body, status):
    response = post_events(None, raw=body)

    assert response.status_code == status
    assert response.get_json()["error"]
    assert _counts(runtime) == (0, 0, 0)


def test_oversized_batch_rejected(post_events, runtime):
    events = [created(f"T{number}", "2026-03-02 09:00") for number in range(501)]
    response = post_events(events)

    assert response.status_code == 422
    assert "at most 500" in response.get_json()["error"]
    assert _counts(runtime) == (0, 0, 0)


def test_unknown_installation_is_404(client, installation):
    body = json.dumps(created("T1", "2026-03-02 09:00")).encode()
    response = client.post(f"/webhooks/generic/{installation['id'] + 99}", data=body,
                           headers={"X-Goals-Signature": sign(installation["secret"], body)})

    assert response.status_code == 404
    assert str(installation["id"] + 99) in response.get_json()["error"]


def test_unknown_connector_is_404(client, installation):
    response = client.post(f"/webhooks/nosuchdesk/{installation['id']}", data=b"{}")

    assert response.status_code == 404
    assert "nosuchdesk" in response.get_json()["error"]


def test_get_not_allowed(client, installation):
    response = client.get(f"/webhooks/generic/{installation['id']}")

    assert response.status_code == 405


def test_body_over_limit_is_413(client, installation, runtime):
    body = b"x" * (runtime.settings.max_webhook_body_bytes + 1)
    response = client.post(f"/webhooks/generic/{installation['id']}", data=body,
                           headers={"X-Goals-Signature": sign(installation["secret"], body)})

    assert response.status_code == 413
    assert _counts(runtime) == (0, 0, 0)


@pytest.mark.parametrize("field, value, expected", [
    ("occurred_at", "0001-01-01T00:00:00+14:00", "out of range"),
    ("occurred_at", "9999-12-31T23:59:59Z", "out of range"),
    ("occurred_at", "2026-01-05 09:00:00+01:00", "RFC 3339"),
    ("occurred_at", "2026-01-05T09:00:00+0100", "RFC 3339"),
    ("occurred_at", "20260105T090000Z", "RFC 3339"),
    ("sequence", 10**30, "sequence"),
    ("sequence", -1, "sequence"),
    ("sequence", 1.5, "sequence"),
    ("sequence", "3", "sequence"),
    ("state", "open\u0000now", "NUL"),
])
def test_values_the_worker_cannot_store_rejected(post_events, runtime, field, value, expected):
    event = created("T2", "2026-03-02 09:00")
    event[field] = value
    response = post_events([event])

    assert response.status_code == 422
    assert expected in json.dumps(response.get_json())
    assert _counts(runtime) == (0, 0, 0)


@pytest.mark.parametrize("value", ["true", 1, None])
def test_boolean_fields_need_json_booleans(post_events, runtime, value):
    event = message("T1", "2026-03-02 09:00", author="ann")
    event["public"] = value
    response = post_events([event])

    assert response.status_code == 422
    assert "events[0].public" in response.get_json()["fields"]


def test_missing_type_named(post_events):
    event = created("T2", "2026-03-02 09:00")
    del event["type"]
    response = post_events([event])

    assert response.status_code == 422
    assert "missing event type" in response.get_json()["error"]
