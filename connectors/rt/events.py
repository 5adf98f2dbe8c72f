"""Turn one RT scrip payload into the plugin's generic events (``docs/events.md``).

The payload is the parsed JSON body that ``connectors/rt/scrip.pl`` posts for
one ticket transaction. ``events_from_payload`` is pure: it reads only the
payload and returns event dicts, so the same function serves webhooks and
replays of recorded deliveries.

References follow RT's REST2: users by ``Name``, queues by numeric id (as a
string), tickets by numeric id (as a string). Every event of a transaction
carries ``sequence`` = the transaction id, which orders events that share a
timestamp, because RT delivers them out of order (see the README).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Mapping

logger = logging.getLogger(__name__)

# Statuses of RT 5's default lifecycle and their state classes. "deleted" is
# not a state: a move into it becomes a ticket.deleted event.
DEFAULT_STATE_CLASSES: Mapping[str, str] = {
    "new": "new",
    "open": "open",
    "stalled": "pending",
    "resolved": "resolved",
    "rejected": "closed",
}
DELETED_STATUS = "deleted"

# RT's placeholder owner of unowned tickets.
NOBODY = "Nobody"
# RT's internal user for automatic changes (e.g. the stock scrip that reopens
# a resolved ticket on a requestor's reply).
SYSTEM_USER = "RT_System"

# Transaction types that carry nothing the goals need. RT creates
# EmailRecord and CommentEmailRecord (copies of outgoing mail) with scrips
# disabled, so the scrip never sends them, but a catch-up through REST2 reads them.
IGNORED_TRANSACTION_TYPES = frozenset({
    "EmailRecord",
    "CommentEmailRecord",
    "SetWatcher",
    "AddWatcher",
    "DelWatcher",
    "AddLink",
    "DeleteLink",
    "CustomField",
    "AddReminder",
    "OpenReminder",
    "ResolveReminder",
    "Told",
})

# X-RT-Interface values (set by RT on a transaction's first attachment) and
# the generic channel names. Other values are passed on in lower case.
CHANNELS: Mapping[str, str] = {"Email": "email", "Web": "web", "Mobile": "web"}


class RTPayloadError(ValueError):
    """A payload that the RT scrip cannot have sent; ``field`` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"invalid RT scrip payload: {field}: {message}")
        self.field = field


def events_from_payload(
    payload: Mapping[str, Any],
    state_classes: Mapping[str, str] = DEFAULT_STATE_CLASSES,
) -> list[dict[str, Any]]:
    """Return the generic events of one scrip payload, in the order they happened.

    ``state_classes`` maps RT status names to state classes; pass the
    installation's own map for custom lifecycles. Transaction types that do
    not affect goals, and statuses missing from ``state_classes``, give an
    empty list and a log line. Raises ``RTPayloadError`` when a field the scrip
    always sends is missing or has the wrong type.
    """
    transaction = _require_mapping(payload, "transaction")
    ticket = _require_mapping(payload, "ticket")
    transaction_id = _require_int(transaction, "id", "transaction.id")
    event_id = _require_str(payload, "event_id", "event_id")
    if event_id != f"rt-tx-{transaction_id}":
        raise RTPayloadError("event_id", f"expected 'rt-tx-{transaction_id}', got {event_id!r}")

    transaction_type = _require_str(transaction, "type", "transaction.type")
    occurred_at = _require_timestamp(transaction, "created", "transaction.created")
    ticket_ref = str(_require_int(ticket, "id", "ticket.id"))
    actor = _require_str(transaction, "creator", "transaction.creator")
    common = {"occurred_at": occurred_at, "sequence": transaction_id, "ticket": ticket_ref}

    if transaction_type == "Create":
        bodies = _created_events(transaction, ticket, state_classes)
    elif transaction_type in ("Correspond", "Comment"):
        bodies = [_message_event(transaction, public=transaction_type == "Correspond")]
    elif transaction_type == "Status":
        bodies = _status_events(transaction, actor, state_classes)
    elif transaction_type == "Set":
        bodies = _set_events(transaction, actor)
    elif transaction_type in IGNORED_TRANSACTION_TYPES:
        logger.debug("rt.transaction.ignored event_id=%s type=%s", event_id, transaction_type)
        bodies = []
    else:
        logger.info("rt.transaction.unsupported event_id=%s type=%s", event_id, transaction_type)
        bodies = []

    events = []
    for index, body in enumerate(bodies, start=1):
        suffix = "" if index == 1 else f"-{index}"
        events.append({"event_id": f"{event_id}{suffix}", **body, **common})
    return events


def author_role(transaction: Mapping[str, Any]) -> str:
    """Return ``agent``, ``customer`` or ``system`` for the transaction's creator.

    An agent is a privileged user who is not a requestor of the ticket
    (``inbound`` false). A privileged requestor writes as a customer.
    """
    creator = _require_str(transaction, "creator", "transaction.creator")
    if creator == SYSTEM_USER:
        return "system"
    privileged = _require_flag(transaction, "creator_privileged", "transaction.creator_privileged")
    inbound = _require_flag(transaction, "inbound", "transaction.inbound")
    return "agent" if privileged and not inbound else "customer"


def _created_events(
    transaction: Mapping[str, Any], ticket: Mapping[str, Any], state_classes: Mapping[str, str]
) -> list[dict[str, Any]]:
    status = _require_str(ticket, "status", "ticket.status")
    if status not in state_classes:
        logger.warning("rt.status.unmapped ticket=%s status=%s", ticket.get("id"), status)
        return []

    role = author_role(transaction)
    priority = ticket.get("priority")
    created = {
        "type": "ticket.created",
        "pipeline": str(_require_int(ticket, "queue_id", "ticket.queue_id")),
        # RT routes tickets to queues only. Teams are user-defined groups,
        # which the plugin reads from the agents' memberships.
        "team": None,
        "priority": None if priority is None else str(priority),
        "channel": _channel(transaction),
        # Only an agent writing to a customer opens an outbound ticket. RT_System
        # is not privileged, so automation counts as a customer request.
        "created_by_role": "agent" if role == "agent" else "customer",
        "created_by": transaction["creator"],
        "state": status,
        "state_class": state_classes[status],
        "owner": _owner_ref(_require_str(ticket, "owner", "ticket.owner")),
    }
    # The Create transaction also carries the ticket's first message.
    return [created, _message_event(transaction, public=True)]


def _message_event(transaction: Mapping[str, Any], public: bool) -> dict[str, Any]:
    # RT keeps a message's content as attachments of its transaction, so the
    # transaction id is the message reference.
    return {
        "type": "message.added",
        "message": str(transaction["id"]),
        "author": transaction["creator"],
        "author_role": author_role(transaction),
        "public": public,
        # Autoreplies leave only EmailRecord transactions, which are ignored.
        "auto_reply": False,
    }


def _status_events(
    transaction: Mapping[str, Any], actor: str, state_classes: Mapping[str, str]
) -> list[dict[str, Any]]:
    old = _require_str(transaction, "old", "transaction.old")
    new = _require_str(transaction, "new", "transaction.new")
    if new == DELETED_STATUS:
        return [{"type": "ticket.deleted"}]

    unmapped = [status for status in (old, new) if status not in state_classes]
    if unmapped:
        # NOTE: a ticket restored from "deleted" lands here too, because the
        # generic format has no undelete event.
        logger.warning("rt.status.unmapped transaction=%s statuses=%s", transaction["id"], ",".join(unmapped))
        return []

    return [{
        "type": "ticket.state_changed",
        "from_state": old,
        "to_state": new,
        "from_class": state_classes[old],
        "to_class": state_classes[new],
        "actor": actor,
    }]


def _set_events(transaction: Mapping[str, Any], actor: str) -> list[dict[str, Any]]:
    field = transaction.get("field")
    if field == "Owner":
        # RT stores owner ids in old/new. The scrip adds the user names
        # because "Nobody" (no owner) is recognised by name.
        _require_key(transaction, "old_name", "transaction.old_name")
        _require_key(transaction, "new_name", "transaction.new_name")
        return [{
            "type": "ticket.owner_changed",
            "from_owner": _owner_ref(transaction["old_name"]),
            "to_owner": _owner_ref(transaction["new_name"]),
            "actor": actor,
        }]
    if field == "Queue":
        queue_id = _require_str(transaction, "new", "transaction.new")
        if not queue_id.isdigit():
            raise RTPayloadError("transaction.new", f"a queue change stores the queue id, got {queue_id!r}")
        return [{"type": "ticket.moved", "pipeline": queue_id}]
    if field == "Priority":
        priority = transaction.get("new")
        return [{"type": "ticket.updated", "priority": None if priority is None else str(priority)}]

    logger.debug("rt.transaction.ignored transaction=%s type=Set field=%s", transaction["id"], field)
    return []


def _owner_ref(name: str | None) -> str | None:
    return None if name in (None, NOBODY) else name


def _channel(transaction: Mapping[str, Any]) -> str | None:
    interface = transaction.get("interface")
    if not interface:
        return None
    return CHANNELS.get(interface, str(interface).lower())


def _require_key(container: Mapping[str, Any], key: str, path: str) -> None:
    if key not in container:
        raise RTPayloadError(path, "missing")


def _require_mapping(container: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    if not isinstance(container, Mapping):
        raise RTPayloadError("payload", f"expected a JSON object, got {type(container).__name__}")
    _require_key(container, key, key)
    value = container[key]
    if not isinstance(value, Mapping):
        raise RTPayloadError(key, f"expected an object, got {type(value).__name__}")
    return value


def _require_int(container: Mapping[str, Any], key: str, path: str) -> int:
    _require_key(container, key, path)
    value = container[key]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RTPayloadError(path, f"expected a positive integer, got {value!r}")
    return value


def _require_str(container: Mapping[str, Any], key: str, path: str) -> str:
    _require_key(container, key, path)
    value = container[key]
    if not isinstance(value, str) or not value:
        raise RTPayloadError(path, f"expected a non-empty string, got {value!r}")
    return value


def _require_flag(container: Mapping[str, Any], key: str, path: str) -> bool:
    _require_key(container, key, path)
    value = container[key]
    if value not in (0, 1) or isinstance(value, float):
        raise RTPayloadError(path, f"expected 0 or 1, got {value!r}")
    return bool(value)


def _require_timestamp(container: Mapping[str, Any], key: str, path: str) -> str:
    """Return the RFC 3339 UTC timestamp at ``key`` unchanged, after checking it."""
    value = _require_str(container, key, path)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RTPayloadError(path, f"expected an RFC 3339 timestamp, got {value!r}") from None
    if parsed.utcoffset() is None:
        raise RTPayloadError(path, f"expected a UTC offset in {value!r}")
    return value
