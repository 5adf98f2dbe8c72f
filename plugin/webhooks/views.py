"""``POST /webhooks/<connector>/<installation id>``: check, store, enqueue, respond 202.

The order of checks follows what each needs: the installation and its connector
(404), the body size (413), the signature on the raw bytes in constant time (401),
then the payload shape (400 for non-JSON, 422 for schema errors). Only a request
that passes every check writes anything: its new events go to the inbox in one
transaction. Enqueueing happens after the commit, so a Redis outage loses nothing;
the sweeper enqueues the rows later.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connectors.base import ConnectorError, InvalidPayload
from connectors.registry import UnknownConnector, get_connector
from jobs.enqueue import enqueue_once
from jobs.inbox import process_inbox

from ..db import transaction
from ..models import InboxEvent, Installation
from ..runtime import Runtime

log = logging.getLogger(__name__)

blueprint = Blueprint("webhooks", __name__)


def _error(status: int, message: str, **extra):
    connector = (request.view_args or {}).get("connector_name", "unknown")
    current_app.extensions["helpdesk_goals_metrics"].webhook(connector, str(status))
    body = {"error": message, **extra}
    return jsonify(body), status


@blueprint.post("/webhooks/<connector_name>/<int:installation_id>")
def receive(connector_name: str, installation_id: int):
    runtime: Runtime = current_app.extensions["helpdesk_goals"]
    delivery_header = request.headers.get("X-Goals-Delivery") or request.headers.get("X-Zammad-Delivery")

    try:
        connector = get_connector(connector_name)
    except UnknownConnector as error:
        return _error(404, str(error.args[0]))

    with transaction(runtime.sessions) as session:
        installation = session.get(Installation, installation_id)
        if installation is None or installation.connector != connector_name:
            log.info("webhook.rejected reason=unknown_installation connector=%s installation=%s",
                     connector_name, installation_id)
            return _error(404, f"no installation {installation_id} uses the {connector_name} connector")
        secret = installation.webhook_secret

    length = request.content_length
    if length is not None and length > runtime.settings.max_webhook_body_bytes:
        return _error(413, f"the body has {length} bytes; the limit is {runtime.settings.max_webhook_body_bytes}")
    body = request.get_data(cache=True)
    if len(body) > runtime.settings.max_webhook_body_bytes:
        return _error(413, f"the body has {len(body)} bytes; the limit is {runtime.settings.max_webhook_body_bytes}")

    try:
        connector.verify(secret, body, request.headers)
        deliveries = connector.parse(body, request.headers)
    except InvalidPayload as error:
        log.info("webhook.rejected reason=invalid connector=%s installation=%s delivery=%s error=%s",
                 connector_name, installation_id, delivery_header, error.message)
        return _error(error.status_code, error.message, fields=error.errors)
    except ConnectorError as error:
        log.info("webhook.rejected reason=%s connector=%s installation=%s delivery=%s error=%s",
                 type(error).__name__, connector_name, installation_id, delivery_header, error.message)
        return _error(error.status_code, error.message)

    accepted, duplicates = _store(runtime, connector_name, installation_id, deliveries)
    current_app.extensions["helpdesk_goals_metrics"].webhook(connector_name, "accepted")
    log.info("webhook.accepted connector=%s installation=%s delivery=%s accepted=%s duplicates=%s",
             connector_name, installation_id, delivery_header, accepted, duplicates)

    if accepted:
        try:
            enqueue_once(runtime, "webhooks", process_inbox, f"inbox-{installation_id}", installation_id)
        except Exception as error:  # Redis down: the rows wait in the inbox for the sweeper
            log.error("webhook.enqueue_failed installation=%s error=%s", installation_id, error)
    return jsonify({"accepted": accepted, "duplicates": duplicates}), 202


def _store(runtime: Runtime, connector_name: str, installation_id: int, deliveries) -> tuple[int, int]:
    """Insert the new deliveries in one transaction; return (accepted, duplicates).

    A concurrent request with the same delivery id makes the insert fail on the
    unique constraint. The whole request is then retried once, so the second pass
    counts that delivery as a duplicate.
    """
    for attempt in (1, 2):
        try:
            with transaction(runtime.sessions) as session:
                ids = [delivery.delivery_id for delivery in deliveries]
                known = set(session.scalars(select(InboxEvent.delivery_id).where(
                    InboxEvent.installation_id == installation_id,
                    InboxEvent.connector == connector_name,
                    InboxEvent.delivery_id.in_(ids))))
                accepted = 0
                received_at = runtime.clock()
                for delivery in deliveries:
                    if delivery.delivery_id in known:
                        continue
                    known.add(delivery.delivery_id)
                    session.add(InboxEvent(installation_id=installation_id, connector=connector_name,
                                           delivery_id=delivery.delivery_id, received_at=received_at,
                                           payload=json.dumps(delivery.payload, separators=(",", ":"))))
                    accepted += 1
                return accepted, len(deliveries) - accepted
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("webhook.insert_race installation=%s", installation_id)
    raise AssertionError("unreachable")
