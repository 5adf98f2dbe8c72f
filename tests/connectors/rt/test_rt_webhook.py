"""The RT connector through the real webhook endpoint, driven by deliveries recorded from RT 5.0.3."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from connectors.registry import get_connector
from connectors.rt.connector import RTConnector
from plugin.db import transaction
from plugin.models import InboxEvent, Ticket, TicketEvent, User

from .conftest import FIXTURE_SECRET, FIXTURES_DIR, STORY_ARRIVAL_ORDER, load_delivery

DELIVERY_FIXTURES = sorted(path.stem for path in FIXTURES_DIR.glob("*.json"))


def signed_headers(body: bytes, secret: str = FIXTURE_SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Goals-Signature": f"sha256={digest}"}


def recorded_payload(name: str) -> dict:
    return json.loads(load_delivery(name)["body"])


def timeline(runtime, ticket_ref: str) -> list[TicketEvent]:
    with transaction(runtime.sessions) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.host_ref == ticket_ref))
        rows = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                               .order_by(TicketEvent.sequence, TicketEvent.id)).all()
        session.expunge_all()
        return rows


def test_registry_returns_rt_connector():
    connector = get_connector("rt")
    assert isinstance(connector, RTConnector)
    assert connector.supports_backfill
    assert connector.supports_push


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_recorded_delivery_accepted(deliver, name):
    response = deliver(name)
    assert response.status_code == 202, response.get_json()
    assert response.get_json() == {"accepted": 1, "duplicates": 0}


def test_delivery_stored_under_event_id(deliver, runtime):
    deliver("correspond_by_agent")
    with transaction(runtime.sessions) as session:
        row = session.scalar(select(InboxEvent))
        assert row.connector == "rt"
        assert row.delivery_id == "rt-tx-50"
        assert row.processed_at is not None
        assert row.last_error is None


def test_repeated_delivery_is_duplicate(deliver):
    deliver("status_resolved")
    response = deliver("status_resolved")
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 0, "duplicates": 1}


def test_wrong_secret_rejected(deliver):
    body = load_delivery("status_resolved")["body"].encode()
    response = deliver(body=body, headers=signed_headers(body, "another-secret"))
    assert response.status_code == 401
    assert "does not match" in response.get_json()["error"]


def test_missing_signature_rejected(deliver):
    body = load_delivery("status_resolved")["body"].encode()
    response = deliver(body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert "X-Goals-Signature" in response.get_json()["error"]


def test_signature_over_reserialised_json_rejected(deliver):
    # The scrip signs its exact bytes; re-encoding the same JSON changes them.
    recorded = load_delivery("status_resolved")
    reencoded = json.dumps(json.loads(recorded["body"]), indent=1).encode()
    headers = {"Content-Type": "application/json", "X-Goals-Signature": recorded["headers"]["X-Goals-Signature"]}
    assert deliver(body=reencoded, headers=headers).status_code == 401


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_malformed_body_rejected(deliver, body):
    response = deliver(body=body, headers=signed_headers(body))
    assert response.status_code == 400
    assert response.get_json()["error"]


def _without(payload: dict, block: str, key: str) -> dict:
    changed = json.loads(json.dumps(payload))
    del changed[block][key]
    return changed


def _with(payload: dict, block: str | None, key: str, value) -> dict:
    changed = json.loads(json.dumps(payload))
    (changed[block] if block else changed)[key] = value
    return changed


INVALID_BODIES = [
    ("missing transaction id", lambda p: _without(p, "transaction", "id"), "transaction.id"),
    ("transaction id as text", lambda p: _with(p, "transaction", "id", "54"), "transaction.id"),
    ("missing creator", lambda p: _without(p, "transaction", "creator"), "transaction.creator"),
    ("privileged flag as word", lambda p: _with(p, "transaction", "creator_privileged", "yes"),
     "transaction.creator_privileged"),
    ("inbound flag 2", lambda p: _with(p, "transaction", "inbound", 2), "transaction.inbound"),
    ("created without offset", lambda p: _with(p, "transaction", "created", "2026-12-04 20:05:54"),
     "transaction.created"),
    ("missing ticket block", lambda p: {k: v for k, v in p.items() if k != "ticket"}, "ticket"),
    ("missing queue id", lambda p: _without(p, "ticket", "queue_id"), "ticket.queue_id"),
    ("event id of another form", lambda p: _with(p, None, "event_id", "54"), "event_id"),
    ("event id of another transaction", lambda p: _with(p, None, "event_id", "rt-tx-55"), "event_id"),
]


@pytest.mark.parametrize("case, change, field", INVALID_BODIES, ids=[case[0] for case in INVALID_BODIES])
def test_invalid_body_names_field(deliver, runtime, case, change, field):
    body = json.dumps(change(recorded_payload("status_resolved"))).encode()
    response = deliver(body=body, headers=signed_headers(body))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"], response.get_json()
    with transaction(runtime.sessions) as session:
        assert session.scalar(select(InboxEvent)) is None


def test_delivery_header_must_match_body(deliver):
    body = load_delivery("status_resolved")["body"].encode()
    headers = {**signed_headers(body), "X-Goals-Delivery": "rt-tx-1"}
    response = deliver(body=body, headers=headers)
    assert response.status_code == 422
    assert "event_id" in response.get_json()["fields"]


def test_generic_installation_rejects_rt_path(client, installation):
    body = load_delivery("status_resolved")["body"].encode()
    response = client.post(f"/webhooks/rt/{installation['id']}", data=body, headers=signed_headers(body))
    assert response.status_code == 404


def test_epoch_zero_dates_arrive_as_null(deliver, runtime):
    # The scrip sends RT's unset dates (1970-01-01 00:00:00) as null.
    payload = recorded_payload("create_by_customer")
    assert payload["ticket"]["started"] is None
    assert payload["ticket"]["resolved"] is None
    assert deliver("create_by_customer").status_code == 202
    with transaction(runtime.sessions) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.host_ref == "1"))
        assert ticket.created_at.isoformat() == "2026-12-04T20:05:47+00:00"


def test_owner_change_with_watcher_gives_one_event(deliver, runtime):
    deliver("create_by_customer")
    deliver("set_owner_take")
    deliver("set_watcher_owner")
    owner_rows = [row for row in timeline(runtime, "1") if row.kind == "owner"]
    assert len(owner_rows) == 1
    assert owner_rows[0].event_id == "rt-tx-48"


def test_out_of_order_deliveries_sorted_by_transaction(deliver, runtime):
    for name in ("create_by_customer", "status_open_by_rt_system", "correspond_by_agent"):
        deliver(name)
    rows = timeline(runtime, "1")
    assert [row.sequence for row in rows] == [46, 46, 50, 52]
    assert [row.kind for row in rows] == ["created", "message", "message", "state"]


def test_requestor_reply_reopens_ticket(deliver, runtime):
    for name in ("create_by_customer", "set_owner_take", "status_open_by_rt_system", "correspond_by_agent",
                 "status_resolved", "status_reopen_by_requestor_reply", "correspond_by_customer"):
        deliver(name)
    with transaction(runtime.sessions) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.host_ref == "1"))
        assert ticket.state == "open"
        assert ticket.state_class == "open"
    states = [(row.from_state, row.state) for row in timeline(runtime, "1") if row.kind == "state"]
    assert states == [("new", "open"), ("open", "resolved"), ("resolved", "open")]


def test_customer_reply_is_not_agent_message(deliver, runtime):
    deliver("create_by_customer")
    deliver("correspond_by_customer")
    messages = {row.message_ref: row for row in timeline(runtime, "1") if row.kind == "message"}
    assert messages["56"].author_role == "customer"
    assert messages["56"].public is True


def test_plugin_user_placeholders_named_by_rt_name(deliver, runtime):
    deliver("create_by_customer")
    deliver("set_owner_take")
    with transaction(runtime.sessions) as session:
        refs = set(session.scalars(select(User.host_ref)))
    assert refs == {"ann", "carol@customer.example"}


def deliver_story(deliver) -> None:
    for name in STORY_ARRIVAL_ORDER:
        response = deliver(name)
        assert response.status_code == 202, (name, response.get_json())


def create_goal(rt_api, template: str, users: list[str], target: float) -> dict:
    ids = {row["host_ref"]: row["id"] for row in rt_api.get("/users").get_json()["items"]}
    response = rt_api.post("/goals", json={
        "name": f"{template} December", "template": template, "frequency": "monthly",
        "span": {"kind": "year", "year": 2026},
        "contributors": {"kind": "users", "users": [ids[name] for name in users]},
        "targets": {"user": target},
    })
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def december(rt_api, goal: dict) -> dict[str, dict]:
    document = rt_api.get(f"/goals/{goal['id']}/progress").get_json()
    return {row["name"]: next(cell for cell in row["milestones"] if cell["milestone"] == "2026-12")
            for row in document["contributors"]}


def test_story_tickets_closed(deliver, rt_api):
    # Ticket 1: ann owns it at both closes (rt-tx-54, rt-tx-59), so it counts once.
    # Ticket 3 was rejected while unowned, so nobody gets it.
    deliver_story(deliver)
    cells = december(rt_api, create_goal(rt_api, "tickets_closed", ["ann", "bob"], 5))
    assert cells["ann"]["value"] == 1
    assert cells["bob"]["value"] == 0


def test_story_first_response_time(deliver, rt_api):
    # Ticket 1 created 20:05:47, ann's reply rt-tx-50 at 20:05:51. Ann's comment
    # does not count, and ticket 2 was opened by bob, so it is left out.
    deliver_story(deliver)
    cells = december(rt_api, create_goal(rt_api, "avg_first_response_time", ["ann", "bob"], 3600))
    assert cells["ann"]["value"] == 4
    assert cells["ann"]["sample_count"] == 1
    assert cells["bob"]["value"] is None


def test_story_resolution_time(deliver, rt_api):
    # Ticket 1 created 20:05:47, latest close rt-tx-59 at 20:05:58 while ann owned it.
    deliver_story(deliver)
    cells = december(rt_api, create_goal(rt_api, "avg_resolution_time", ["ann"], 3600))
    assert cells["ann"]["value"] == 11
    assert cells["ann"]["sample_count"] == 1


def test_story_deleted_ticket_removed(deliver, runtime):
    deliver_story(deliver)
    with transaction(runtime.sessions) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.host_ref == "4"))
        assert ticket.removed_reason == "deleted"
