"""The registry of connectors, keyed by the name used in webhook URLs.

To add a connector: create ``connectors/<host>/`` with a ``Connector`` subclass
that sets ``name``, a ``fixtures/`` folder of recorded host payloads and a
README; then add the class to ``_CONNECTOR_CLASSES`` below. Tests in
``tests/connectors/<host>/`` drive it with the fixtures.
"""

from __future__ import annotations

from .base import Connector
from .generic.connector import GenericConnector
from .rt.connector import RTConnector

_CONNECTOR_CLASSES: tuple[type[Connector], ...] = (GenericConnector, RTConnector)

CONNECTORS: dict[str, type[Connector]] = {cls.name: cls for cls in _CONNECTOR_CLASSES}


class UnknownConnector(KeyError):
    """No connector is registered under that name."""


def get_connector(name: str) -> Connector:
    """Return a new instance of the connector ``name``; raises ``UnknownConnector``."""
    try:
        return CONNECTORS[name]()
    except KeyError:
        raise UnknownConnector(
            f"connector {name!r} is unknown: use one of {', '.join(sorted(CONNECTORS))}"
        ) from None
