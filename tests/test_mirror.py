"""The mirror's current ticket fields follow the latest timeline entry, whatever the delivery order."""

from __future__ import annotations

from sqlalchemy import select

from plugin.db import transaction
from plugin.models import Team, Ticket, User
from tests.builders import created, moved, owner, state


def test_current_fields_follow_latest_event(post_events, runtime):
    events = [created("T1", "2026-03-02 09:00", owner="ann", team="desk"),
              owner("T1", "2026-03-02 09:30", "bob"),
              moved("T1", "2026-03-02 10:00", team="tier2"),
              state("T1", "2026-03-02 11:00", "pending", "waiting"),
              state("T1", "2026-03-02 12:00", "closed", "done")]
    post_events(list(reversed(events[2:])))
    post_events(events[:2])

    with transaction(runtime.sessions) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.host_ref == "T1"))
        owner_ref = session.get(User, ticket.owner_id).host_ref
        team_ref = session.get(Team, ticket.team_id).host_ref
        assert ticket.state == "done"
        assert ticket.state_class == "closed"
    assert owner_ref == "bob"
    assert team_ref == "tier2"
