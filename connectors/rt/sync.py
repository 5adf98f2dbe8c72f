"""Read RT through REST2 into the inbox: backfill of history and catch-up by transaction id.

Everything read is stored as inbox rows of the ``rt`` connector and processed
by ``jobs.inbox.process_inbox``, the same path as scrip deliveries:

- a ticket transaction becomes the document the scrip would have posted for it,
  under the same delivery id ``rt-tx-<id>``, so a transaction seen by both the
  scrip and the poll is stored once;
- users, user-defined groups, memberships and queues become generic events
  (``user.upserted``, ``team.upserted``, ``membership.changed``, ``pipeline.upserted``).

The catch-up watermark is the highest ticket transaction id read, kept in
``ConnectorState`` under ``rt.last_transaction_id``. Transaction ids are never
reused in RT, so reading ``id > watermark`` misses nothing the scrip lost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from marshmallow import ValidationError, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jobs.enqueue import enqueue_once
from plugin.db import transaction
from plugin.models import ConnectorState, InboxEvent, Installation
from plugin.runtime import Runtime

from .events import IGNORED_TRANSACTION_TYPES, NOBODY, SYSTEM_USER
from .rest2 import PER_PAGE, RTApiError, RTClient, rt_timestamp

log = logging.getLogger(__name__)

CONNECTOR_NAME = "rt"
# The plugin's own RT account. The scrip skips its transactions (loop guard),
# and the sync skips them too, so push-back comments never become events.
SERVICE_USER = "helpdesk-goals"
# ConnectorState key of the queue that contains the agents' goal tickets (set by the installer).
GOALS_QUEUE_KEY = "rt.goals_queue"
DEFAULT_GOALS_QUEUE = "Goals"
WATERMARK_KEY = "rt.last_transaction_id"
MEMBERS_KEY = "rt.group_members"
SKIPPED_USERS = frozenset({SYSTEM_USER, NOBODY})

ProgressCallback = Callable[[int, int], None]


@dataclass
class SyncResult:
    """Counts of one sync run: new inbox rows, rows already stored, tickets read, and the watermark after it."""

    stored: int = 0
    duplicates: int = 0
    transactions: int = 0
    tickets: int = 0
    failed_tickets: list[str] = field(default_factory=list)
    watermark: int = 0


def _now_text(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(text: str) -> str:
    """Return a timestamp in the compact form used inside delivery ids (``20261204T200547Z``)."""
    return text.replace("-", "").replace(":", "")


def _valid_email(value: str | None) -> str | None:
    if not value:
        return None
    try:
        validate.Email()(value)
    except ValidationError:
        return None
    return value


def _locale(lang: str | None) -> str | None:
    # RT keeps a user's interface language in Lang (e.g. "it", "en_GB"); empty means the browser's.
    if lang and lang[:2] in ("it", "en"):
        return lang[:2]
    return None


def _ref_id(value: Any) -> str | None:
    """Return the ``id`` of a REST2 reference object (``{"id": "ann", "type": "user", ...}``)."""
    if isinstance(value, dict):
        ref = value.get("id")
        return None if ref in (None, "") else str(ref)
    if value in (None, ""):
        return None
    return str(value)


class RTSync:
    """One sync run for one RT installation. Not thread-safe: create one per job."""

    def __init__(self, runtime: Runtime, installation_id: int, client: RTClient | None = None,
                 on_progress: ProgressCallback | None = None):
        self.runtime = runtime
        self.installation_id = installation_id
        with transaction(runtime.sessions) as session:
            installation = session.get(Installation, installation_id)
            if installation is None:
                raise LookupError(f"installation {installation_id} not found")
            if installation.connector != CONNECTOR_NAME:
                raise ValueError(f"installation {installation_id} uses the {installation.connector} connector, not rt")
            base_url, token = installation.base_url, installation.host_api_token
            queue_state = session.get(ConnectorState, (installation_id, GOALS_QUEUE_KEY))
            # The goal tickets that jobs.push keeps are not helpdesk work, so the scrip and the sync skip them.
            self.goals_queue = queue_state.value if queue_state else DEFAULT_GOALS_QUEUE
        self.client = client or RTClient(base_url or "", token or "")
        self.on_progress = on_progress
        self._users: dict[str, dict] = {}
        self._queues: dict[str, dict] = {}
        self._tickets: dict[str, dict] = {}
        self._histories: dict[str, list[dict]] = {}
        self._seen_users: set[str] = set()
        self._upserted_users: set[str] = set()

    # Entry points.

    def backfill(self) -> SyncResult:
        """Store the directory and every ticket's history, then catch up from the backfill's start.

        The watermark is set to the newest transaction id that existed before
        the tickets were read, so changes made during the backfill are read
        again by the catch-up and deduplicated by the inbox.
        """
        result = SyncResult()
        start_watermark = self.latest_transaction_id()
        self._store(self.directory_events(), result)

        ticket_ids = [_ref_id(item.get("id")) for item in self.client.tickets("id > 0")]
        total = len(ticket_ids)
        log.info("rt.backfill.started installation=%s tickets=%s watermark=%s", self.installation_id, total,
                 start_watermark)
        for done, ticket_id in enumerate(ticket_ids, start=1):
            try:
                history = self._history(ticket_id)
                documents = [self.scrip_document(item, ticket_id) for item in history if self._wanted(item)]
                documents = [doc for doc in documents if doc["ticket"]["queue"] != self.goals_queue]
            except RTApiError as error:
                result.failed_tickets.append(ticket_id)
                log.error("rt.backfill.ticket_failed installation=%s ticket=%s error=%s", self.installation_id,
                          ticket_id, error)
                continue
            result.transactions += len(documents)
            result.tickets += 1
            self._store(self._user_events() + [(doc["event_id"], doc) for doc in documents], result)
            if self.on_progress:
                self.on_progress(done, total)

        self._save_watermark(max(start_watermark, self._load_watermark()))
        caught_up = self.catch_up()
        result.stored += caught_up.stored
        result.duplicates += caught_up.duplicates
        result.transactions += caught_up.transactions
        result.watermark = caught_up.watermark
        log.info("rt.backfill.done installation=%s tickets=%s stored=%s duplicates=%s failed=%s watermark=%s",
                 self.installation_id, result.tickets, result.stored, result.duplicates,
                 len(result.failed_tickets), result.watermark)
        return result

    def catch_up(self, with_directory: bool = False) -> SyncResult:
        """Store every ticket transaction after the watermark, 100 per request, and move the watermark.

        With ``with_directory`` the users, groups, memberships and queues are read first.
        """
        result = SyncResult()
        if with_directory:
            self._store(self.directory_events(), result)
        watermark = self._load_watermark()
        log.info("rt.catch_up.started installation=%s watermark=%s", self.installation_id, watermark)
        while True:
            items = self.client.ticket_transactions_after(watermark)
            if not items:
                break
            documents = []
            for item in items:
                if self._wanted(item):
                    document = self.scrip_document(item, _ref_id(item.get("ObjectId")))
                    if document["ticket"]["queue"] != self.goals_queue:
                        documents.append(document)
            self._store(self._user_events() + [(doc["event_id"], doc) for doc in documents], result)
            result.transactions += len(documents)
            watermark = max(watermark, *(int(item["id"]) for item in items))
            self._save_watermark(watermark)
            if len(items) < PER_PAGE:
                break
        result.watermark = watermark
        log.info("rt.catch_up.done installation=%s transactions=%s stored=%s duplicates=%s watermark=%s",
                 self.installation_id, result.transactions, result.stored, result.duplicates, watermark)
        return result

    def latest_transaction_id(self) -> int:
        """Return the highest ticket transaction id in RT, or 0 when there is none."""
        body = self.client.request("POST", "/transactions", params={"orderby": "id", "order": "DESC",
                                                                     "per_page": 1, "page": 1},
                                   json=[{"field": "ObjectType", "value": "RT::Ticket"}])
        items = body.get("items") if isinstance(body, dict) else None
        return int(items[0]["id"]) if items else 0

    # Directory: users, groups, memberships, queues.

    def directory_events(self) -> list[tuple[str, dict]]:
        """Return generic events for queues, user-defined groups, their members and those users.

        A member's first group (lowest id) is the primary team, later ones are
        extra. Members that left since the last run get ``member: false``.
        """
        now = _now_text(self.runtime.clock())
        events: list[tuple[str, dict]] = []

        for item in self.client.queues():
            queue = self._queue(_ref_id(item.get("id")))
            updated = rt_timestamp(queue.get("LastUpdated")) or rt_timestamp(queue.get("Created")) or now
            event_id = f"rt-queue-{queue['id']}-{_stamp(updated)}"
            events.append((event_id, {"event_id": event_id, "type": "pipeline.upserted", "occurred_at": updated,
                                      "pipeline": str(queue["id"]), "name": queue["Name"]}))

        previous = self._load_members()
        current: dict[str, dict[str, str]] = {}
        group_created: dict[str, str] = {}
        primary_of: dict[str, str] = {}
        for item in sorted(self.client.groups(), key=lambda group: int(group["id"])):
            group_id = str(item["id"])
            group = self.client.group(group_id)
            if str(group.get("Disabled", "0")) != "0":
                continue
            updated = rt_timestamp(group.get("LastUpdated")) or now
            group_created[group_id] = rt_timestamp(group.get("Created")) or now
            event_id = f"rt-group-{group_id}-{_stamp(updated)}"
            events.append((event_id, {"event_id": event_id, "type": "team.upserted", "occurred_at": updated,
                                      "team": group_id, "name": group.get("Name") or item.get("Name") or group_id}))
            members: dict[str, str] = {}
            for member in self.client.group_member_ids(group_id):
                if member.get("type") != "user":
                    continue
                user = self._user(_ref_id(member.get("id")))
                if not user.get("Privileged"):
                    continue
                name = user["Name"]
                members[name] = "primary" if primary_of.setdefault(name, group_id) == group_id else "extra"
                self._seen_users.add(name)
            current[group_id] = members

        for group_id, members in current.items():
            known = previous.get(group_id)
            # Without an earlier run RT gives no join dates, so members of a
            # group first seen now count from the group's creation.
            since = group_created[group_id] if known is None else now
            for name, kind in sorted(members.items()):
                if (known or {}).get(name) == kind:
                    continue
                event_id = f"rt-member-{group_id}-{name}-{kind}-{_stamp(since)}"
                events.append((event_id, {"event_id": event_id, "type": "membership.changed", "occurred_at": since,
                                          "user": name, "team": group_id, "kind": kind, "member": True}))
        for group_id, members in previous.items():
            for name in sorted(set(members) - set(current.get(group_id, {}))):
                event_id = f"rt-member-{group_id}-{name}-left-{_stamp(now)}"
                events.append((event_id, {"event_id": event_id, "type": "membership.changed", "occurred_at": now,
                                          "user": name, "team": group_id, "kind": members[name], "member": False}))

        # Users first, so memberships never name a user the mirror does not know yet.
        events = self._user_events() + events
        self._save_members(current)
        return events

    def _user_events(self) -> list[tuple[str, dict]]:
        """Return ``user.upserted`` for each user read since the last call, once per run."""
        events = []
        for name in sorted(self._seen_users - self._upserted_users):
            user = self._users.get(name)
            if user is None or name in SKIPPED_USERS or name == SERVICE_USER:
                continue
            self._upserted_users.add(name)
            updated = rt_timestamp(user.get("LastUpdated")) or rt_timestamp(user.get("Created"))
            if updated is None:
                continue
            event_id = f"rt-user-{user['id']}-{_stamp(updated)}"
            events.append((event_id, {
                "event_id": event_id, "type": "user.upserted", "occurred_at": updated, "user": name,
                "name": (user.get("RealName") or name)[:200], "email": _valid_email(user.get("EmailAddress")),
                "role": "agent" if user.get("Privileged") else "customer",
                "active": str(user.get("Disabled", "0")) == "0", "locale": _locale(user.get("Lang")),
            }))
        self._seen_users.clear()
        return events

    # Ticket transactions as scrip documents.

    def _wanted(self, item: dict) -> bool:
        creator = _ref_id(item.get("Creator"))
        # The scrip never sends these, so storing them would only grow the inbox.
        return creator != SERVICE_USER and item.get("Type") not in IGNORED_TRANSACTION_TYPES

    def scrip_document(self, item: dict, ticket_id: str | None) -> dict:
        """Return the document the scrip would have posted for one REST2 transaction item.

        The ``ticket`` block describes the ticket as it is now, except for a
        ``Create``, whose status, owner and queue are those at creation (read
        from the oldest later change of each in the ticket's history). RT keeps
        the ``X-RT-Interface`` header only in attachments, so ``interface`` is null.
        """
        if ticket_id is None:
            raise RTApiError(f"transaction {item.get('id')} names no ticket")
        transaction_id = int(item["id"])
        ticket = self._ticket(ticket_id)
        creator_name = _ref_id(item.get("Creator")) or SYSTEM_USER
        creator = self._user(creator_name)
        if creator_name not in SKIPPED_USERS:
            self._seen_users.add(creator["Name"])
        requestors = {_ref_id(entry) for entry in ticket.get("Requestor") or []}
        transaction_type = item.get("Type")
        field_name = item.get("Field") or None
        old_value = item.get("OldValue")
        new_value = item.get("NewValue")

        old_name = new_name = None
        if transaction_type == "Set" and field_name == "Owner":
            old_name = self._user(old_value)["Name"] if old_value else None
            new_name = self._user(new_value)["Name"] if new_value else None
        elif transaction_type == "Set" and field_name == "Queue":
            old_name = self._queue(old_value).get("Name") if old_value else None
            new_name = self._queue(new_value).get("Name") if new_value else None

        status = ticket.get("Status")
        owner = _ref_id(ticket.get("Owner")) or NOBODY
        queue_id = _ref_id(ticket.get("Queue"))
        if transaction_type == "Create":
            status, owner, queue_id = self._state_at_creation(ticket_id, transaction_id, status, owner, queue_id)
        if owner != NOBODY:
            self._seen_users.add(owner)
            self._user(owner)

        return {
            "event_id": f"rt-tx-{transaction_id}",
            "sent_at": _now_text(self.runtime.clock()),
            "source": "rest2",
            "transaction": {
                "id": transaction_id,
                "type": transaction_type,
                "field": field_name,
                # REST2 sends "" where the scrip sends null (Create, Correspond, Comment).
                "old": old_value or None,
                "new": new_value or None,
                "old_name": old_name,
                "new_name": new_name,
                "creator": creator["Name"],
                "creator_privileged": 1 if creator.get("Privileged") else 0,
                "inbound": 1 if creator["Name"] in requestors else 0,
                "interface": None,
                "created": rt_timestamp(item.get("Created")),
            },
            "ticket": {
                "id": int(ticket_id),
                "queue": self._queue(queue_id).get("Name", queue_id) if queue_id else None,
                "queue_id": int(queue_id) if queue_id else None,
                "status": status,
                "owner": owner,
                "priority": None if ticket.get("Priority") is None else str(ticket.get("Priority")),
                "created": rt_timestamp(ticket.get("Created")),
                "started": rt_timestamp(ticket.get("Started")),
                "resolved": rt_timestamp(ticket.get("Resolved")),
                "told": rt_timestamp(ticket.get("Told")),
                "last_updated": rt_timestamp(ticket.get("LastUpdated")),
            },
        }

    def _state_at_creation(self, ticket_id: str, create_id: int, status: str, owner: str,
                           queue_id: str | None) -> tuple[str, str, str | None]:
        """Return the status, owner name and queue id a ticket had when it was created."""
        found_status = found_owner = found_queue = False
        for item in self._history(ticket_id):
            if int(item["id"]) <= create_id:
                continue
            kind, field_name = item.get("Type"), item.get("Field")
            if kind == "Status" and not found_status:
                status, found_status = item.get("OldValue") or status, True
            elif kind == "Set" and field_name == "Owner" and not found_owner:
                old = item.get("OldValue")
                owner, found_owner = (self._user(old)["Name"] if old else NOBODY), True
            elif kind == "Set" and field_name == "Queue" and not found_queue:
                queue_id, found_queue = item.get("OldValue") or queue_id, True
        return status, owner, queue_id

    # Cached REST2 reads.

    def _user(self, id_or_name: str | None) -> dict:
        key = str(id_or_name)
        if key not in self._users:
            user = self.client.user(key)
            self._users[key] = user
            self._users[str(user.get("id"))] = user
            self._users[user.get("Name", key)] = user
        return self._users[key]

    def _queue(self, queue_id: str | None) -> dict:
        key = str(queue_id)
        if key not in self._queues:
            self._queues[key] = self.client.queue(key)
        return self._queues[key]

    def _ticket(self, ticket_id: str) -> dict:
        if ticket_id not in self._tickets:
            self._tickets[ticket_id] = self.client.ticket(ticket_id)
        return self._tickets[ticket_id]

    def _history(self, ticket_id: str) -> list[dict]:
        if ticket_id not in self._histories:
            self._histories[ticket_id] = sorted(self.client.ticket_history(ticket_id), key=lambda item: int(item["id"]))
        return self._histories[ticket_id]

    # Connector state.

    def _state(self, key: str) -> str | None:
        with transaction(self.runtime.sessions) as session:
            row = session.get(ConnectorState, (self.installation_id, key))
            return None if row is None else row.value

    def _set_state(self, key: str, value: str) -> None:
        with transaction(self.runtime.sessions) as session:
            row = session.get(ConnectorState, (self.installation_id, key))
            if row is None:
                session.add(ConnectorState(installation_id=self.installation_id, key=key, value=value,
                                           updated_at=self.runtime.clock()))
            else:
                row.value = value
                row.updated_at = self.runtime.clock()

    def _load_watermark(self) -> int:
        value = self._state(WATERMARK_KEY)
        return int(value) if value else 0

    def _save_watermark(self, value: int) -> None:
        self._set_state(WATERMARK_KEY, str(value))

    def _load_members(self) -> dict[str, dict[str, str]]:
        value = self._state(MEMBERS_KEY)
        return json.loads(value) if value else {}

    def _save_members(self, members: dict[str, dict[str, str]]) -> None:
        self._set_state(MEMBERS_KEY, json.dumps(members, sort_keys=True))

    # Inbox.

    def _store(self, deliveries: Iterable[tuple[str, dict]], result: SyncResult) -> None:
        """Insert the deliveries that are not in the inbox yet, then enqueue inbox processing."""
        accepted, duplicates = store_deliveries(self.runtime, self.installation_id, list(deliveries))
        result.stored += accepted
        result.duplicates += duplicates
        if not accepted:
            return
        from jobs.inbox import process_inbox

        try:
            enqueue_once(self.runtime, "webhooks", process_inbox, f"inbox-{self.installation_id}",
                         self.installation_id)
        except Exception as error:  # no Redis: the rows wait in the inbox for the sweeper
            log.warning("rt.sync.enqueue_failed installation=%s rows=%s error=%s", self.installation_id,
                        accepted, error)


def store_deliveries(runtime: Runtime, installation_id: int, deliveries: list[tuple[str, dict]]) -> tuple[int, int]:
    """Insert ``(delivery id, payload)`` pairs as ``rt`` inbox rows in one transaction; return (new, duplicates).

    A scrip delivery stored concurrently with the same id makes the insert fail
    on the unique constraint, so the whole batch is retried once, and the second
    pass counts that delivery as a duplicate.
    """
    if not deliveries:
        return 0, 0
    for attempt in (1, 2):
        try:
            with transaction(runtime.sessions) as session:
                ids = [delivery_id for delivery_id, _ in deliveries]
                known: set[str] = set()
                for start in range(0, len(ids), 500):
                    known.update(session.scalars(select(InboxEvent.delivery_id).where(
                        InboxEvent.installation_id == installation_id,
                        InboxEvent.connector == CONNECTOR_NAME,
                        InboxEvent.delivery_id.in_(ids[start:start + 500]))))
                accepted = 0
                for delivery_id, payload in deliveries:
                    if delivery_id in known:
                        continue
                    known.add(delivery_id)
                    session.add(InboxEvent(installation_id=installation_id, connector=CONNECTOR_NAME,
                                           delivery_id=delivery_id, received_at=runtime.clock(),
                                           payload=json.dumps(payload, separators=(",", ":"))))
                    accepted += 1
                return accepted, len(deliveries) - accepted
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("rt.sync.insert_race installation=%s", installation_id)
    raise AssertionError("unreachable")
