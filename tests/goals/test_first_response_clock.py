"""When the first-response clock starts, with times computed by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from plugin.goals.timeline import Entry, replay

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _created(role_minutes: int = 0) -> Entry:
    return Entry(kind="created", at=_at(role_minutes), event_id="c", state_class="new", owner_set=True)


def _message(minutes: int, role: str, public: bool = True, auto_reply: bool = False, author: int = 7) -> Entry:
    return Entry(kind="message", at=_at(minutes), event_id=f"m{minutes}{role}", author_id=author, author_role=role,
                 public=public, auto_reply=auto_reply)


@pytest.mark.parametrize("case, created_by, messages, expected_minutes", [
    ("reply before customer follow-up", "customer", [_message(60, "agent"), _message(120, "customer")], 60),
    ("customer message right after creation", "customer", [_message(1, "customer"), _message(61, "agent")], 60),
    ("ticket opened empty, customer writes later", "customer",
     [_message(60, "customer"), _message(90, "agent")], 30),
    ("note and auto-reply before customer message", "customer",
     [_message(5, "system", auto_reply=True), _message(30, "agent", public=False), _message(60, "customer"),
      _message(240, "agent")], 180),
    ("agent-opened waits for the customer", "agent",
     [_message(0, "agent"), _message(60, "customer"), _message(90, "agent")], 30),
    ("customer message at creation", "customer", [_message(0, "customer"), _message(45, "agent")], 45),
])
def test_response_clock_start(case, created_by, messages, expected_minutes):
    history = replay(1, created_by, [_created(), *messages])

    assert history.response is not None, case
    assert history.response.seconds == expected_minutes * 60, case
