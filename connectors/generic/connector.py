"""The generic connector: the plugin's own signed JSON event format."""

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
    hmac_sha256_hex,
)
from .schemas import load_event

SIGNATURE_HEADER = "X-Goals-Signature"
MAX_EVENTS = 500


class GenericConnector(Connector):
    """Accepts one event or ``{"events": [...]}`` signed with ``X-Goals-Signature: sha256=<hex>``.

    Each event is its own delivery, deduplicated by ``event_id``.
    """

    name = "generic"
    display_name = "Generic events"

    def verify(self, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        expected = hmac_sha256_hex(secret, body)
        check_prefixed_signature(headers.get(SIGNATURE_HEADER), "sha256", expected, SIGNATURE_HEADER)

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[Delivery]:
        if not body:
            raise MalformedPayload("the request body is empty: send one event or {\"events\": [...]}")
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MalformedPayload(f"the body is not valid JSON: {error}") from None
        if not isinstance(document, dict):
            raise MalformedPayload("the body must be a JSON object: one event or {\"events\": [...]}")

        if "events" in document:
            raw_events = document["events"]
            if set(document) != {"events"}:
                extra = sorted(set(document) - {"events"})
                raise InvalidPayload(f"unknown top-level fields {extra}: a batch contains only 'events'")
            if not isinstance(raw_events, list) or not raw_events:
                raise InvalidPayload("events must be a non-empty list of event objects")
            if len(raw_events) > MAX_EVENTS:
                raise InvalidPayload(f"a batch contains at most {MAX_EVENTS} events, got {len(raw_events)}: split it")
            paths = [f"events[{index}]" for index in range(len(raw_events))]
        else:
            raw_events = [document]
            paths = [""]

        errors: dict[str, list[str]] = {}
        deliveries: list[Delivery] = []
        for raw, path in zip(raw_events, paths):
            try:
                load_event(raw, path)
            except ValidationError as error:
                errors.update(error.messages)
                continue
            deliveries.append(Delivery(delivery_id=raw["event_id"], payload=raw))

        if errors:
            first_field = next(iter(errors))
            summary = f"{first_field}: {errors[first_field][0]}"
            if len(errors) > 1:
                summary += f" (and {len(errors) - 1} more fields)"
            raise InvalidPayload(f"invalid event: {summary}", errors)
        return deliveries

    def normalize(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        return [load_event(payload)]
