"""The Request Tracker 5 connector: one signed scrip delivery per ticket transaction.

The scrip (``scrip.pl``) posts one JSON document per transaction, signed with
``X-Goals-Signature: sha256=<hex>``. ``parse`` checks it with
``ScripPayloadSchema`` and with the event mapping, so a stored delivery always
normalizes. The REST2 sync (``sync.py``) stores the same document shape for the
transactions it reads. It also stores generic events for users, groups and
queues. Both kinds are inbox rows of this connector.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from marshmallow import ValidationError

from ..base import (
    Connector,
    Delivery,
    InvalidPayload,
    MalformedPayload,
    check_prefixed_signature,
    flatten_errors,
    hmac_sha256_hex,
)
from ..generic.schemas import load_event
from .events import RTPayloadError, events_from_payload
from .schemas import ScripPayloadSchema

SIGNATURE_HEADER = "X-Goals-Signature"
DELIVERY_HEADER = "X-Goals-Delivery"




class RTConnector(Connector):
    """Request Tracker 5 through the goals scrip, with REST2 backfill and push-back."""

    name = "rt"
    display_name = "Request Tracker 5"
    supports_backfill = True
    supports_push = True

    def verify(self, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        expected = hmac_sha256_hex(secret, body)
        check_prefixed_signature(headers.get(SIGNATURE_HEADER), "sha256", expected, SIGNATURE_HEADER)

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[Delivery]:
        """Return the request's one delivery, keyed by the body's ``event_id`` (``rt-tx-<id>``).

        Raises ``MalformedPayload`` for an empty or non-JSON body and
        ``InvalidPayload`` naming the first offending field for a document the
        scrip cannot send.
        """
        if not body:
            raise MalformedPayload("the request body is empty: the RT scrip posts one JSON document per transaction")
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MalformedPayload(f"the body is not valid JSON: {error}") from None
        if not isinstance(document, dict):
            raise MalformedPayload("the body must be a JSON object as posted by the RT scrip")

        errors = flatten_errors(ScripPayloadSchema().validate(document))
        if errors:
            first = next(iter(errors))
            raise InvalidPayload(f"invalid RT scrip payload: {first}: {errors[first][0]}", errors)

        delivery_header = headers.get(DELIVERY_HEADER)
        if delivery_header and delivery_header != document["event_id"]:
            message = f"{DELIVERY_HEADER} {delivery_header!r} differs from the body's event_id {document['event_id']!r}"
            raise InvalidPayload(message, {"event_id": [message]})

        try:
            self._load_events(document)
        except RTPayloadError as error:
            raise InvalidPayload(str(error), {error.field: [str(error)]}) from None
        except ValidationError as error:
            messages = flatten_errors(error.messages)
            first = next(iter(messages))
            raise InvalidPayload(f"invalid RT scrip payload: {first}: {messages[first][0]}", messages) from None
        return [Delivery(delivery_id=document["event_id"], payload=document)]

    def normalize(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Return the loaded generic events of one stored delivery.

        A payload with a ``transaction`` block is a scrip document (from the
        webhook or from the REST2 sync). Any other payload is one generic event
        that the sync built from a REST2 user, group or queue.
        """
        if "transaction" in payload:
            return self._load_events(payload)
        return [load_event(payload)]

    @staticmethod
    def _load_events(document: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [load_event(event) for event in events_from_payload(document)]
