"""The connector contract: how a host's webhooks become the plugin's generic events.

A connector checks a delivery's signature on the raw body, splits the body into
deliveries for the inbox, and later, in a worker, turns each stored delivery into
generic events (the format in ``docs/events.md``). Everything past ``parse`` gets
loaded, typed data, never the raw request.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping


class ConnectorError(Exception):
    """Base class of the errors a connector raises for a rejected request."""

    status_code: ClassVar[int] = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MalformedPayload(ConnectorError):
    """The body is not JSON of the expected outer shape (HTTP 400)."""

    status_code = 400


class InvalidPayload(ConnectorError):
    """The body is JSON but breaks the schema; ``errors`` maps field paths to messages (HTTP 422)."""

    status_code = 422

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class SignatureMismatch(ConnectorError):
    """The signature header is missing or does not match the raw body (HTTP 401)."""

    status_code = 401


@dataclass(frozen=True)
class Delivery:
    """One unit for the inbox: a deduplication id and the JSON payload to store."""

    delivery_id: str
    payload: dict[str, Any]


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error messages into ``{"events[0].ticket": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        flat[prefix] = list(messages)
    else:
        flat[prefix] = [str(messages)]
    return flat


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def check_prefixed_signature(header_value: str | None, prefix: str, expected_hex: str, header_name: str) -> None:
    """Compare ``<prefix>=<hex>`` with the expected digest in constant time.

    Raises ``SignatureMismatch`` naming the header when it is absent, malformed or wrong.
    """
    if not header_value:
        raise SignatureMismatch(f"missing {header_name} header: sign the raw body with the installation's webhook secret")
    scheme, separator, digest = header_value.partition("=")
    if not separator or not digest:
        raise SignatureMismatch(f"{header_name} must read '{prefix}=<hex digest>': the '{prefix}=' prefix is missing")
    if scheme != prefix:
        raise SignatureMismatch(f"{header_name} must read '{prefix}=<hex digest>', got scheme {scheme!r}")
    if not hmac.compare_digest(digest.strip().lower().encode("ascii", "replace"), expected_hex.encode("ascii")):
        raise SignatureMismatch(f"{header_name} does not match the body: check the webhook secret")


class Connector:
    """Base class of every connector. Subclasses set the class attributes and override the methods.

    Capabilities are class attributes, never probed with ``hasattr``:
    ``supports_backfill`` (reads history through the host API),
    ``supports_push`` (writes progress back into the host).
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    supports_backfill: ClassVar[bool] = False
    supports_push: ClassVar[bool] = False

    def verify(self, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise ``SignatureMismatch`` unless the request is signed with ``secret``."""
        raise NotImplementedError

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[Delivery]:
        """Return the deliveries in a verified body; raise ``MalformedPayload`` or ``InvalidPayload``."""
        raise NotImplementedError

    def normalize(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Turn one stored delivery into generic events (``docs/events.md``), already loaded."""
        raise NotImplementedError
