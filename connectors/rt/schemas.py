"""Marshmallow schema of the body that ``connectors/rt/scrip.pl`` posts.

The schema checks the shape only: types, required keys and the event id form.
``events.events_from_payload`` then applies the mapping rules. Unknown keys are
kept (``INCLUDE``), so a scrip that sends an extra field is not rejected.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

EVENT_ID_PATTERN = r"^rt-tx-[1-9][0-9]*$"
FLAG = validate.OneOf((0, 1), error="must be 0 or 1")


def _timestamp(required: bool = True) -> fields.AwareDateTime:
    # RT dates that were never set arrive as null (the scrip maps epoch 0 to null).
    return fields.AwareDateTime(format="iso", required=required, allow_none=not required)


class _KeepUnknown(Schema):
    class Meta:
        unknown = INCLUDE


class ScripTransactionSchema(_KeepUnknown):
    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    type = fields.String(required=True, validate=validate.Length(min=1))
    field = fields.String(required=True, allow_none=True)
    old = fields.String(required=True, allow_none=True)
    new = fields.String(required=True, allow_none=True)
    old_name = fields.String(allow_none=True)
    new_name = fields.String(allow_none=True)
    creator = fields.String(required=True, validate=validate.Length(min=1))
    creator_privileged = fields.Integer(required=True, strict=True, validate=FLAG)
    inbound = fields.Integer(required=True, strict=True, validate=FLAG)
    interface = fields.String(allow_none=True)
    created = _timestamp()


class ScripTicketSchema(_KeepUnknown):
    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    queue = fields.String(required=True)
    queue_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    status = fields.String(required=True, validate=validate.Length(min=1))
    owner = fields.String(required=True, validate=validate.Length(min=1))
    priority = fields.Raw(allow_none=True)
    created = _timestamp(required=False)
    started = _timestamp(required=False)
    resolved = _timestamp(required=False)
    told = _timestamp(required=False)
    last_updated = _timestamp(required=False)


class ScripPayloadSchema(_KeepUnknown):
    """One ticket transaction as the scrip posts it (see the connector README for an example)."""

    event_id = fields.String(required=True, validate=validate.Regexp(EVENT_ID_PATTERN,
                                                                     error="must read rt-tx-<transaction id>"))
    sent_at = _timestamp()
    transaction = fields.Nested(ScripTransactionSchema, required=True)
    ticket = fields.Nested(ScripTicketSchema, required=True)
