"""The published JSON Schema and the receiver's marshmallow schemas accept and reject the same events."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from marshmallow import ValidationError

from connectors.generic.incident_log import replay_events
from connectors.generic.schemas import EVENT_SCHEMAS, load_event
from tests.conftest import DEMO_LOG

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "docs" / "generic-events.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

BASE = {"event_id": "e-1", "occurred_at": "2026-03-02T09:00:00+01:00"}
MINIMAL = {
    "ticket.created": {"ticket": "T1", "created_by_role": "customer", "state": "new", "state_class": "new"},
    "message.added": {"ticket": "T1", "message": "M1", "author_role": "agent", "public": True},
    "ticket.state_changed": {"ticket": "T1", "to_state": "Resolved", "to_class": "resolved"},
    "ticket.owner_changed": {"ticket": "T1", "to_owner": None},
    "ticket.moved": {"ticket": "T1", "team": "tier2"},
    "ticket.updated": {"ticket": "T1", "priority": "high"},
    "ticket.merged": {"ticket": "T1", "into": "T2"},
    "ticket.deleted": {"ticket": "T1"},
    "ticket.spam": {"ticket": "T1"},
    "user.upserted": {"user": "ann", "name": "Ann", "role": "agent"},
    "user.deactivated": {"user": "ann"},
    "team.upserted": {"team": "tier2", "name": "Tier 2"},
    "pipeline.upserted": {"pipeline": "support", "name": "Support"},
    "membership.changed": {"user": "ann", "team": "tier2", "kind": "primary", "member": True},
}
BREAKERS = [
    ("unknown field", lambda event: event.update(colour="red")),
    ("missing event_id", lambda event: event.pop("event_id")),
    ("empty event_id", lambda event: event.update(event_id="")),
    ("naive time", lambda event: event.update(occurred_at="2026-03-02T09:00:00")),
    ("time without T", lambda event: event.update(occurred_at="2026-03-02 09:00")),
    ("number as time", lambda event: event.update(occurred_at=1700000000)),
]


def _marshmallow_accepts(event) -> bool:
    try:
        load_event(event)
    except ValidationError:
        return False
    return True


def test_every_event_type_documented():
    documented = {name for name in SCHEMA["$defs"] if name != "event"}

    assert documented == set(EVENT_SCHEMAS)
    assert set(MINIMAL) == set(EVENT_SCHEMAS)


@pytest.mark.parametrize("event_type", sorted(MINIMAL))
def test_minimal_event_accepted_by_both(event_type):
    event = {**BASE, "type": event_type, **MINIMAL[event_type]}

    assert VALIDATOR.is_valid(event), list(VALIDATOR.iter_errors(event))
    assert _marshmallow_accepts(event)


@pytest.mark.parametrize("event_type", sorted(MINIMAL))
@pytest.mark.parametrize("name, breaker", BREAKERS, ids=[name for name, _ in BREAKERS])
def test_broken_event_rejected_by_both(event_type, name, breaker):
    event = copy.deepcopy({**BASE, "type": event_type, **MINIMAL[event_type]})
    breaker(event)

    assert not VALIDATOR.is_valid(event)
    assert not _marshmallow_accepts(event)


@pytest.mark.parametrize("event_type", sorted(MINIMAL))
def test_missing_required_field_rejected_by_both(event_type):
    for field in MINIMAL[event_type]:
        required = [name for name in SCHEMA["$defs"][event_type]["required"] if name not in BASE and name != "type"]
        if field not in required:
            continue
        event = {**BASE, "type": event_type, **MINIMAL[event_type]}
        del event[field]

        assert not VALIDATOR.is_valid(event), field
        assert not _marshmallow_accepts(event), field


def test_batch_limits_in_schema():
    event = {**BASE, "type": "ticket.deleted", "ticket": "T1"}

    assert VALIDATOR.is_valid({"events": [event]})
    assert not VALIDATOR.is_valid({"events": []})
    assert not VALIDATOR.is_valid({"events": [event] * 501})
    assert not VALIDATOR.is_valid({"events": [event], "extra": 1})


def test_incident_log_events_valid():
    events = replay_events(DEMO_LOG, "Europe/Rome")

    invalid = [event["event_id"] for event in events if not VALIDATOR.is_valid(event)]

    assert invalid == []
