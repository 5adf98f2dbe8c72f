"""Specification of connectors.rt.events, driven by deliveries recorded from RT 5.0.3.

The fixtures were recorded by connectors/rt/record_fixtures.py and are signed
with the secret named in connectors/rt/fixtures/README.md.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
from datetime import datetime
from pathlib import Path

import pytest

from connectors.rt.events import (
    DEFAULT_STATE_CLASSES,
    RTPayloadError,
    author_role,
    events_from_payload,
)

FIXTURES_DIR = Path(__file__).resolve().parents[3] / "connectors" / "rt" / "fixtures"
FIXTURE_SECRET = b"fixture-secret"
DELIVERY_FIXTURES = sorted(path.stem for path in FIXTURES_DIR.glob("*.json"))

# Fields of each generic event type in docs/events.md, besides the common
# event_id, type, occurred_at and sequence.
EVENT_FIELDS = {
    "ticket.created": {
        "ticket", "pipeline", "team", "priority", "channel", "created_by_role",
        "created_by", "state", "state_class", "owner",
    },
    "message.added": {"ticket", "message", "author", "author_role", "public", "auto_reply"},
    "ticket.state_changed": {"ticket", "from_state", "to_state", "from_class", "to_class", "actor"},
    "ticket.owner_changed": {"ticket", "from_owner", "to_owner", "actor"},
    "ticket.moved": {"ticket", "pipeline", "team"},
    "ticket.updated": {"ticket", "priority", "channel", "tags"},
    "ticket.deleted": {"ticket"},
}
COMMON_FIELDS = {"event_id", "type", "occurred_at", "sequence"}
STATE_CLASSES = {"new", "open", "pending", "resolved", "closed"}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def events_log():
    """Log lines of connectors.rt.events; works without pytest's logging plugin (``-p no:logging``)."""
    logger = logging.getLogger("connectors.rt.events")
    handler = _Records()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def load_delivery(name: str) -> dict:
    return json.loads((FIXTURES_DIR / f"{name}.json").read_text())


def load_payload(name: str) -> dict:
    return json.loads(load_delivery(name)["body"])


def events_of(name: str) -> list[dict]:
    return events_from_payload(load_payload(name))


def load_rest2(name: str) -> dict:
    return json.loads((FIXTURES_DIR / "rest2" / f"{name}.json").read_text())


# --- recorded envelope ---------------------------------------------------


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_fixture_signature_matches_raw_body(name):
    delivery = load_delivery(name)
    expected = "sha256=" + hmac.new(FIXTURE_SECRET, delivery["body"].encode("utf-8"), hashlib.sha256).hexdigest()
    assert delivery["headers"]["X-Goals-Signature"] == expected


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_fixture_envelope_headers(name):
    delivery = load_delivery(name)
    payload = json.loads(delivery["body"])
    assert delivery["headers"]["X-Goals-Host"] == "rt"
    assert delivery["headers"]["X-Goals-Delivery"] == payload["event_id"]
    assert payload["event_id"] == f"rt-tx-{payload['transaction']['id']}"


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_fixture_sent_at_is_utc(name):
    sent_at = datetime.fromisoformat(load_payload(name)["sent_at"])
    assert sent_at.utcoffset().total_seconds() == 0


# --- mapping table -------------------------------------------------------

# fixture -> event types it produces, in order.
EXPECTED_TYPES = [
    ("create_by_customer", ["ticket.created", "message.added"]),
    ("create_by_agent", ["ticket.created", "message.added"]),
    ("correspond_by_agent", ["message.added"]),
    ("correspond_by_customer", ["message.added"]),
    ("comment_by_agent", ["message.added"]),
    ("status_open_by_rt_system", ["ticket.state_changed"]),
    ("status_resolved", ["ticket.state_changed"]),
    ("status_reopen_by_requestor_reply", ["ticket.state_changed"]),
    ("status_resolved_again", ["ticket.state_changed"]),
    ("status_stalled", ["ticket.state_changed"]),
    ("status_rejected", ["ticket.state_changed"]),
    ("status_deleted", ["ticket.deleted"]),
    ("set_owner_take", ["ticket.owner_changed"]),
    ("set_owner", ["ticket.owner_changed"]),
    ("set_owner_nobody_by_rt_system", ["ticket.owner_changed"]),
    ("set_queue", ["ticket.moved"]),
    ("set_watcher_owner", []),
]


def test_mapping_table_covers_every_fixture():
    assert sorted(name for name, _ in EXPECTED_TYPES) == DELIVERY_FIXTURES


@pytest.mark.parametrize(("name", "types"), EXPECTED_TYPES)
def test_fixture_event_types(name, types):
    assert [event["type"] for event in events_of(name)] == types


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_events_use_only_documented_fields(name):
    for event in events_of(name):
        allowed = COMMON_FIELDS | EVENT_FIELDS[event["type"]]
        assert set(event) <= allowed, f"{event['type']} has undocumented fields {set(event) - allowed}"
        assert "ticket" in event


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_events_carry_transaction_ids(name):
    payload = load_payload(name)
    transaction_id = payload["transaction"]["id"]
    events = events_from_payload(payload)
    expected_ids = [f"rt-tx-{transaction_id}"] + [f"rt-tx-{transaction_id}-{n}" for n in range(2, len(events) + 1)]
    assert [event["event_id"] for event in events] == expected_ids[: len(events)]
    assert all(event["sequence"] == transaction_id for event in events)
    assert all(event["occurred_at"] == payload["transaction"]["created"] for event in events)
    assert all(event["ticket"] == str(payload["ticket"]["id"]) for event in events)


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_events_are_stable_across_calls(name):
    assert events_of(name) == events_of(name)


# --- ticket.created ------------------------------------------------------

CREATED_FIELDS = [
    # fixture, field, expected
    ("create_by_customer", "created_by_role", "customer"),
    ("create_by_customer", "created_by", "carol@customer.example"),
    ("create_by_customer", "channel", "email"),
    ("create_by_customer", "owner", None),
    ("create_by_customer", "state", "new"),
    ("create_by_customer", "state_class", "new"),
    ("create_by_customer", "pipeline", "3"),
    ("create_by_customer", "team", None),
    ("create_by_customer", "priority", "0"),
    ("create_by_agent", "created_by_role", "agent"),
    ("create_by_agent", "created_by", "bob"),
    ("create_by_agent", "channel", "rest"),
    ("create_by_agent", "owner", "bob"),
    ("create_by_agent", "state_class", "new"),
]


@pytest.mark.parametrize(("name", "field", "expected"), CREATED_FIELDS)
def test_ticket_created_field(name, field, expected):
    assert events_of(name)[0][field] == expected


@pytest.mark.parametrize(("name", "author", "role"), [
    ("create_by_customer", "carol@customer.example", "customer"),
    ("create_by_agent", "bob", "agent"),
])
def test_create_carries_first_message(name, author, role):
    message = events_of(name)[1]
    assert message["author"] == author
    assert message["author_role"] == role
    assert message["public"] is True
    assert message["message"] == str(load_payload(name)["transaction"]["id"])


# --- message.added -------------------------------------------------------

MESSAGE_FIELDS = [
    ("correspond_by_agent", "author", "ann"),
    ("correspond_by_agent", "author_role", "agent"),
    ("correspond_by_agent", "public", True),
    ("correspond_by_agent", "auto_reply", False),
    ("correspond_by_customer", "author", "carol@customer.example"),
    ("correspond_by_customer", "author_role", "customer"),
    ("correspond_by_customer", "public", True),
    ("comment_by_agent", "author", "ann"),
    ("comment_by_agent", "author_role", "agent"),
    ("comment_by_agent", "public", False),
]


@pytest.mark.parametrize(("name", "field", "expected"), MESSAGE_FIELDS)
def test_message_added_field(name, field, expected):
    assert events_of(name)[0][field] == expected


@pytest.mark.parametrize(("creator", "privileged", "inbound", "role"), [
    ("ann", 1, 0, "agent"),
    ("ann", 1, 1, "customer"),  # a privileged requestor writes as a customer
    ("carol@customer.example", 0, 1, "customer"),
    ("carol@customer.example", 0, 0, "customer"),  # e.g. a Cc who is not a requestor
    ("RT_System", 0, 0, "system"),
])
def test_author_role_table(creator, privileged, inbound, role):
    transaction = {"creator": creator, "creator_privileged": privileged, "inbound": inbound}
    assert author_role(transaction) == role


def test_correspond_by_privileged_requestor_is_customer():
    payload = load_payload("correspond_by_agent")
    payload["transaction"]["inbound"] = 1
    assert events_from_payload(payload)[0]["author_role"] == "customer"


def test_create_by_privileged_requestor_is_customer_request():
    payload = load_payload("create_by_agent")
    payload["transaction"]["inbound"] = 1
    assert events_from_payload(payload)[0]["created_by_role"] == "customer"


# --- ticket.state_changed and ticket.deleted -----------------------------

STATE_CHANGES = [
    # fixture, from_state, to_state, from_class, to_class, actor
    ("status_open_by_rt_system", "new", "open", "new", "open", "RT_System"),
    ("status_resolved", "open", "resolved", "open", "resolved", "ann"),
    ("status_reopen_by_requestor_reply", "resolved", "open", "resolved", "open", "RT_System"),
    ("status_resolved_again", "open", "resolved", "open", "resolved", "ann"),
    ("status_stalled", "new", "stalled", "new", "pending", "bob"),
    ("status_rejected", "new", "rejected", "new", "closed", "ann"),
]


@pytest.mark.parametrize(("name", "from_state", "to_state", "from_class", "to_class", "actor"), STATE_CHANGES)
def test_state_changed_fields(name, from_state, to_state, from_class, to_class, actor):
    event = events_of(name)[0]
    assert (event["from_state"], event["to_state"]) == (from_state, to_state)
    assert (event["from_class"], event["to_class"]) == (from_class, to_class)
    assert event["actor"] == actor


@pytest.mark.parametrize(("status", "state_class"), sorted(DEFAULT_STATE_CLASSES.items()))
def test_default_lifecycle_state_class(status, state_class):
    payload = load_payload("status_resolved")
    payload["transaction"]["new"] = status
    assert events_from_payload(payload)[0]["to_class"] == state_class


def test_default_lifecycle_classes_are_generic():
    assert set(DEFAULT_STATE_CLASSES.values()) <= STATE_CLASSES


def test_status_deleted_gives_ticket_deleted():
    assert events_of("status_deleted") == [{
        "event_id": "rt-tx-87", "type": "ticket.deleted", "ticket": "4",
        "occurred_at": load_payload("status_deleted")["transaction"]["created"], "sequence": 87,
    }]


def test_custom_lifecycle_status_mapped():
    payload = load_payload("status_resolved")
    payload["transaction"]["new"] = "waiting for vendor"
    classes = {**DEFAULT_STATE_CLASSES, "waiting for vendor": "pending"}
    assert events_from_payload(payload, state_classes=classes)[0]["to_class"] == "pending"


def test_unmapped_status_logged_and_skipped(events_log):
    payload = load_payload("status_resolved")
    payload["transaction"]["new"] = "waiting for vendor"
    events = events_from_payload(payload)
    assert events == []
    assert "rt.status.unmapped" in events_log.text


# --- ticket.owner_changed and ticket.moved -------------------------------

OWNER_CHANGES = [
    # fixture, from_owner, to_owner, actor
    ("set_owner_take", None, "ann", "ann"),
    ("set_owner", "ann", "bob", "ann"),
    ("set_owner_nobody_by_rt_system", "bob", None, "RT_System"),
]


@pytest.mark.parametrize(("name", "from_owner", "to_owner", "actor"), OWNER_CHANGES)
def test_owner_changed_fields(name, from_owner, to_owner, actor):
    event = events_of(name)[0]
    assert event["from_owner"] == from_owner
    assert event["to_owner"] == to_owner
    assert event["actor"] == actor


def test_set_queue_moves_pipeline():
    event = events_of("set_queue")[0]
    assert event["pipeline"] == "1"
    assert "team" not in event  # left out = the team keeps its value


def test_set_priority_updates_ticket():
    payload = load_payload("set_queue")
    payload["transaction"].update(field="Priority", old="0", new="50", old_name=None, new_name=None)
    assert [(e["type"], e["priority"]) for e in events_from_payload(payload)] == [("ticket.updated", "50")]


def test_set_subject_ignored():
    payload = load_payload("set_queue")
    payload["transaction"].update(field="Subject", old="a", new="b")
    assert events_from_payload(payload) == []


# --- ignored and unknown transactions ------------------------------------


@pytest.mark.parametrize("transaction_type", ["EmailRecord", "CommentEmailRecord", "SetWatcher", "AddLink", "CustomField"])
def test_ignored_transaction_type(transaction_type):
    payload = load_payload("comment_by_agent")
    payload["transaction"]["type"] = transaction_type
    assert events_from_payload(payload) == []


def test_unknown_transaction_type_logged(events_log):
    payload = load_payload("comment_by_agent")
    payload["transaction"]["type"] = "Frobnicate"
    events = events_from_payload(payload)
    assert events == []
    assert "rt.transaction.unsupported" in events_log.text
    assert "type=Frobnicate" in events_log.text


# --- payloads the scrip cannot send --------------------------------------


def _without(path: str):
    def change(payload: dict) -> None:
        *parents, key = path.split(".")
        target = payload
        for parent in parents:
            target = target[parent]
        del target[key]
    return change


def _set(path: str, value):
    def change(payload: dict) -> None:
        *parents, key = path.split(".")
        target = payload
        for parent in parents:
            target = target[parent]
        target[key] = value
    return change


INVALID_PAYLOADS = [
    # fixture, change, field named in the error
    ("comment_by_agent", _without("transaction"), "transaction"),
    ("comment_by_agent", _without("ticket"), "ticket"),
    ("comment_by_agent", _set("transaction", []), "transaction"),
    ("comment_by_agent", _set("transaction.id", "53"), "transaction.id"),
    ("comment_by_agent", _set("transaction.id", True), "transaction.id"),
    ("comment_by_agent", _set("event_id", "rt-tx-1"), "event_id"),
    ("comment_by_agent", _without("transaction.type"), "transaction.type"),
    ("comment_by_agent", _set("transaction.created", "2026-12-04 20:00:00"), "transaction.created"),
    ("comment_by_agent", _set("transaction.created", "yesterday"), "transaction.created"),
    ("comment_by_agent", _set("transaction.created", None), "transaction.created"),
    ("comment_by_agent", _set("transaction.creator", ""), "transaction.creator"),
    ("comment_by_agent", _set("transaction.inbound", "no"), "transaction.inbound"),
    ("comment_by_agent", _without("transaction.creator_privileged"), "transaction.creator_privileged"),
    ("comment_by_agent", _set("ticket.id", 0), "ticket.id"),
    ("create_by_customer", _without("ticket.queue_id"), "ticket.queue_id"),
    ("create_by_customer", _set("ticket.owner", None), "ticket.owner"),
    ("status_resolved", _set("transaction.new", None), "transaction.new"),
    ("set_owner", _without("transaction.new_name"), "transaction.new_name"),
    ("set_queue", _set("transaction.new", "General"), "transaction.new"),
]


@pytest.mark.parametrize(("name", "change", "field"), INVALID_PAYLOADS)
def test_invalid_payload_names_field(name, change, field):
    payload = load_payload(name)
    change(payload)
    with pytest.raises(RTPayloadError) as raised:
        events_from_payload(payload)
    assert raised.value.field == field


def test_payload_error_is_value_error():
    assert issubclass(RTPayloadError, ValueError)


def test_payload_not_an_object():
    with pytest.raises(RTPayloadError) as raised:
        events_from_payload([])  # type: ignore[arg-type]
    assert raised.value.field == "payload"


def test_input_payload_not_modified():
    payload = load_payload("create_by_customer")
    original = copy.deepcopy(payload)
    events_from_payload(payload)
    assert payload == original


# --- RT quirks -----------------------------------------------------------


def test_unset_dates_sent_as_null():
    ticket = load_payload("create_by_customer")["ticket"]
    assert ticket["resolved"] is None
    assert ticket["started"] is None
    assert ticket["told"] is None


def test_rest2_unset_dates_are_epoch_zero():
    items = load_rest2("tickets_updated_since")["body"]["items"]
    open_ticket = next(item for item in items if item["id"] == "1")
    assert open_ticket["Told"] != "1970-01-01T00:00:00Z"
    assert any(item["Resolved"] == "1970-01-01T00:00:00Z" for item in items)


def test_automatic_open_delivered_before_reply():
    # RT posted rt-tx-52 (Status new->open by RT_System) before rt-tx-50
    # (the agent's Correspond that caused it): sort by sequence, not arrival.
    arrival = [events_of("status_open_by_rt_system")[0], events_of("correspond_by_agent")[0]]
    by_sequence = sorted(arrival, key=lambda event: event["sequence"])
    assert [event["type"] for event in by_sequence] == ["message.added", "ticket.state_changed"]


def test_requestor_reply_reopen_follows_reply():
    reply = events_of("correspond_by_customer")[0]
    reopen = events_of("status_reopen_by_requestor_reply")[0]
    assert reply["sequence"] < reopen["sequence"]


def test_resolved_date_moves_on_reclose():
    first = load_payload("status_resolved")["ticket"]["resolved"]
    second = load_payload("status_resolved_again")["ticket"]["resolved"]
    assert first is not None
    assert second > first


def test_started_set_by_rt_system_open():
    ticket = load_payload("status_open_by_rt_system")["ticket"]
    assert ticket["started"] is not None


def test_one_owner_change_gives_two_deliveries():
    set_owner = load_payload("set_owner_take")["transaction"]
    watcher = load_payload("set_watcher_owner")["transaction"]
    assert (watcher["old"], watcher["new"]) == (set_owner["old"], set_owner["new"])
    assert events_of("set_watcher_owner") == []


def test_queue_move_unsets_owner_as_rt_system():
    moved = load_payload("set_queue")["transaction"]
    unowned = load_payload("set_owner_nobody_by_rt_system")["transaction"]
    assert unowned["id"] == moved["id"] + 1
    assert unowned["creator"] == "RT_System"


def test_same_transaction_from_poll_gives_same_ids():
    # A catch-up that rebuilds the payload of a known transaction must produce
    # the same event ids, so the inbox drops the second copy.
    first = events_of("create_by_customer")
    again = events_from_payload(json.loads(json.dumps(load_payload("create_by_customer"))))
    assert [event["event_id"] for event in again] == [event["event_id"] for event in first]


# --- recorded REST2 shapes that the catch-up relies on ---------------------


def test_rest2_history_creator_is_user_name():
    items = load_rest2("ticket_1_history")["body"]["items"]
    assert items[0]["Creator"]["id"] == "carol@customer.example"


def test_rest2_group_members_are_user_ids():
    items = load_rest2("group_members")["body"]["items"]
    assert all(isinstance(item["id"], int) for item in items)


def test_rest2_transaction_search_has_no_total():
    body = load_rest2("transactions_after")["body"]
    assert body["total"] is None
    assert [int(item["id"]) for item in body["items"]] == sorted(int(item["id"]) for item in body["items"])
