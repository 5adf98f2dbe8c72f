"""Marshmallow schemas of the generic event format (``docs/events.md``).

One schema per event type; ``load_event`` picks it from ``type`` and returns the
loaded dict with ``occurred_at`` as an aware datetime. Unknown fields are
rejected, so a misspelt field fails loudly instead of being dropped.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from ..base import flatten_errors

STATE_CLASSES = ("new", "open", "pending", "resolved", "closed")
AUTHOR_ROLES = ("agent", "customer", "system", "bot")
USER_ROLES = ("admin", "manager", "agent", "customer")


# The same form as the JSON Schema's pattern: date, "T", time, and "Z" or an offset.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
MAX_SEQUENCE = 2**62


class Rfc3339DateTime(fields.AwareDateTime):
    """An RFC 3339 timestamp with an offset, between 1970 and 2199."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not RFC3339.match(value):
            raise ValidationError(
                f"{value!r} is not an RFC 3339 time with an offset: use a form such as 2026-03-02T09:15:00Z "
                "or 2026-03-02T10:15:00+01:00")
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= moment < LATEST:
            raise ValidationError(f"{value!r} is out of range: use a time from 1970 to 2199")
        return moment


class StrictBoolean(fields.Boolean):
    """A JSON true or false; strings and numbers are rejected."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(f"{value!r} is not a boolean: use true or false")
        return value


def _reject_nul(value):
    """Reject NUL characters anywhere in the event: PostgreSQL text cannot store them."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("a text contains a NUL character (\\u0000): remove it")
    if isinstance(value, dict):
        for item in value.values():
            _reject_nul(item)
    if isinstance(value, list):
        for item in value:
            _reject_nul(item)


def _ref(required: bool = True, allow_none: bool = False) -> fields.String:
    kwargs: dict[str, Any] = {"required": required, "allow_none": allow_none, "validate": validate.Length(1, 200)}
    if not required:
        kwargs["load_default"] = None
    return fields.String(**kwargs)


class EventSchema(Schema):
    """Fields every event carries."""

    class Meta:
        unknown = RAISE

    event_id = fields.String(required=True, validate=validate.Length(1, 200))
    type = fields.String(required=True)
    occurred_at = Rfc3339DateTime(required=True, format="iso")
    sequence = fields.Integer(load_default=None, allow_none=True, strict=True,
                              validate=validate.Range(0, MAX_SEQUENCE))

    @pre_load
    def _no_nul_characters(self, data, **_kwargs):
        try:
            _reject_nul(data)
        except ValidationError as error:
            raise ValidationError({"_event": error.messages}) from None
        return data


class TicketCreated(EventSchema):
    ticket = _ref()
    pipeline = _ref(required=False, allow_none=True)
    team = _ref(required=False, allow_none=True)
    priority = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    created_by_role = fields.String(required=True, validate=validate.OneOf(("agent", "customer")))
    created_by = _ref(required=False, allow_none=True)
    state = fields.String(required=True, validate=validate.Length(1, 100))
    state_class = fields.String(required=True, validate=validate.OneOf(STATE_CLASSES))
    owner = _ref(required=False, allow_none=True)
    tags = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=None)


class MessageAdded(EventSchema):
    ticket = _ref()
    message = _ref()
    author = _ref(required=False, allow_none=True)
    author_role = fields.String(required=True, validate=validate.OneOf(AUTHOR_ROLES))
    public = StrictBoolean(required=True)
    auto_reply = StrictBoolean(load_default=False)


class StateChanged(EventSchema):
    ticket = _ref()
    from_state = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    to_state = fields.String(required=True, validate=validate.Length(1, 100))
    from_class = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATE_CLASSES))
    to_class = fields.String(required=True, validate=validate.OneOf(STATE_CLASSES))
    actor = _ref(required=False, allow_none=True)


class OwnerChanged(EventSchema):
    ticket = _ref()
    from_owner = _ref(required=False, allow_none=True)
    to_owner = _ref(required=True, allow_none=True)
    actor = _ref(required=False, allow_none=True)


class TicketMoved(EventSchema):
    ticket = _ref()
    pipeline = fields.String(allow_none=True, validate=validate.Length(1, 200))
    team = fields.String(allow_none=True, validate=validate.Length(1, 200))


class TicketUpdated(EventSchema):
    ticket = _ref()
    priority = fields.String(allow_none=True, validate=validate.Length(max=60))
    channel = fields.String(allow_none=True, validate=validate.Length(max=40))
    tags = fields.List(fields.String(validate=validate.Length(1, 100)))


class TicketMerged(EventSchema):
    ticket = _ref()
    into = _ref(required=False, allow_none=True)


class TicketRemoved(EventSchema):
    ticket = _ref()


class UserUpserted(EventSchema):
    user = _ref()
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(USER_ROLES))
    active = StrictBoolean(load_default=True)
    locale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("it", "en")))


class UserDeactivated(EventSchema):
    user = _ref()


class TeamUpserted(EventSchema):
    team = _ref()
    name = fields.String(required=True, validate=validate.Length(1, 200))


class PipelineUpserted(EventSchema):
    pipeline = _ref()
    name = fields.String(required=True, validate=validate.Length(1, 200))


class MembershipChanged(EventSchema):
    user = _ref()
    team = _ref()
    kind = fields.String(required=True, validate=validate.OneOf(("primary", "extra")))
    member = StrictBoolean(required=True)


EVENT_SCHEMAS: dict[str, type[EventSchema]] = {
    "ticket.created": TicketCreated,
    "message.added": MessageAdded,
    "ticket.state_changed": StateChanged,
    "ticket.owner_changed": OwnerChanged,
    "ticket.moved": TicketMoved,
    "ticket.updated": TicketUpdated,
    "ticket.merged": TicketMerged,
    "ticket.deleted": TicketRemoved,
    "ticket.spam": TicketRemoved,
    "user.upserted": UserUpserted,
    "user.deactivated": UserDeactivated,
    "team.upserted": TeamUpserted,
    "pipeline.upserted": PipelineUpserted,
    "membership.changed": MembershipChanged,
}




def load_event(raw: Any, path: str = "") -> dict[str, Any]:
    """Validate one event and return it loaded.

    Raises ``ValidationError`` whose ``messages`` is a flat map from field path
    (``events[3].occurred_at``) to messages.
    """
    if not isinstance(raw, dict):
        raise ValidationError({path or "event": ["must be a JSON object"]})
    event_type = raw.get("type")
    schema_class = EVENT_SCHEMAS.get(event_type) if isinstance(event_type, str) else None
    if schema_class is None:
        allowed = ", ".join(EVENT_SCHEMAS)
        field = f"{path}.type" if path else "type"
        if event_type is None:
            raise ValidationError({field: [f"missing event type: use one of {allowed}"]})
        raise ValidationError({field: [f"unknown event type {event_type!r}: use one of {allowed}"]})
    try:
        return schema_class().load(raw)
    except ValidationError as error:
        raise ValidationError(flatten_errors(error.messages, path)) from None
