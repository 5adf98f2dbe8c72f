"""The REST2 reader and the backfill and catch-up sync, against the REST2 responses recorded from RT 5.0.3."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
import requests
import responses
from sqlalchemy import func, select

from connectors.rt.events import events_from_payload
from connectors.rt.rest2 import RTApiError, RTClient, rt_timestamp
from connectors.rt.sync import MEMBERS_KEY, WATERMARK_KEY, RTSync
from jobs import sync as sync_jobs
from plugin.db import transaction
from plugin.models import ConnectorState, InboxEvent, Membership, Pipeline, Team, TicketEvent, User

from .conftest import FIXTURES_DIR, RT_TOKEN, RT_URL, STORY_ARRIVAL_ORDER, load_delivery
from .fake_rest2 import FakeRT
from .test_rt_webhook import create_goal, december

API = RT_URL + "/REST/2.0"
SCRIP_FIXTURES = sorted(path.stem for path in FIXTURES_DIR.glob("*.json"))


@pytest.fixture
def fake_rt():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeRT(mock)


def state_value(runtime, installation_id: int, key: str) -> str | None:
    with transaction(runtime.sessions) as session:
        row = session.get(ConnectorState, (installation_id, key))
        return None if row is None else row.value


def count(runtime, model, *conditions) -> int:
    with transaction(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions))


# --- REST2 client ----------------------------------------------------------


@responses.activate
def test_client_sends_token_and_agent():
    responses.add(responses.GET, API + "/rt", json={"Version": "5.0.3"})
    RTClient(RT_URL, RT_TOKEN).get("/rt")
    sent = responses.calls[0].request.headers
    assert sent["Authorization"] == f"token {RT_TOKEN}"
    assert "Mozilla" not in sent["User-Agent"]


@responses.activate
def test_client_login_redirect_is_error():
    # RT 5.0.3 redirects browser-like clients with a bad token to its login page.
    responses.add(responses.GET, API + "/rt", status=302, headers={"Location": RT_URL + "/NoAuth/Login.html"})
    with pytest.raises(RTApiError) as raised:
        RTClient(RT_URL, RT_TOKEN).get("/rt")
    assert raised.value.status == 302
    assert "Login" in str(raised.value)


@responses.activate
def test_client_unauthorized_names_token():
    responses.add(responses.GET, API + "/rt", status=401, json={"message": "Unauthorized"})
    with pytest.raises(RTApiError, match="auth token"):
        RTClient(RT_URL, RT_TOKEN).get("/rt")


@responses.activate
def test_client_connection_error_is_api_error():
    responses.add(responses.GET, API + "/rt", body=requests.ConnectionError("refused"))
    with pytest.raises(RTApiError) as raised:
        RTClient(RT_URL, RT_TOKEN).get("/rt")
    assert raised.value.status is None


@pytest.mark.parametrize("base_url, token", [("", RT_TOKEN), ("ftp://rt", RT_TOKEN), (RT_URL, "")])
def test_client_rejects_bad_settings(base_url, token):
    with pytest.raises(ValueError):
        RTClient(base_url, token)


@responses.activate
def test_collection_follows_pages():
    item_pages = {1: [{"id": n} for n in range(100)], 2: [{"id": 100}]}

    def page(request):
        number = int(request.params["page"])
        body = {"count": len(item_pages[number]), "page": number, "pages": 2, "per_page": 100, "total": 101,
                "items": item_pages[number]}
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.GET, API + "/queues/all", callback=page)
    assert len(list(RTClient(RT_URL, RT_TOKEN).queues())) == 101
    assert [call.request.params["per_page"] for call in responses.calls] == ["100", "100"]


@responses.activate
def test_collection_without_pages_stops_at_short_page():
    # Recorded ticket history responses carry "pages": null.
    full = {"count": 100, "page": 1, "pages": None, "per_page": 100, "total": None,
            "items": [{"id": str(n)} for n in range(100)]}
    short = {**full, "count": 3, "page": 2, "items": [{"id": str(n)} for n in range(100, 103)]}
    responses.add(responses.GET, API + "/ticket/1/history", json=full)
    responses.add(responses.GET, API + "/ticket/1/history", json=short)
    assert len(list(RTClient(RT_URL, RT_TOKEN).ticket_history(1))) == 103
    assert len(responses.calls) == 2


@pytest.mark.parametrize("value, expected", [
    ("1970-01-01T00:00:00Z", None),
    ("", None),
    (None, None),
    ("2026-12-04T20:05:47Z", "2026-12-04T20:05:47Z"),
    ("2026-12-04T21:05:47+01:00", "2026-12-04T20:05:47Z"),
])
def test_rt_timestamp(value, expected):
    assert rt_timestamp(value) == expected


# --- scrip documents from REST2 --------------------------------------------


@pytest.mark.parametrize("name", SCRIP_FIXTURES)
def test_polled_document_maps_like_scrip(rt_rest2_installation, runtime, fake_rt, name):
    """The sync's document for a transaction gives the events the scrip's delivery gives.

    Only ``channel`` differs: REST2 does not expose the X-RT-Interface header.
    """
    recorded = json.loads(load_delivery(name)["body"])
    item = next(item for item in fake_rt.transactions if int(item["id"]) == recorded["transaction"]["id"])
    document = RTSync(runtime, rt_rest2_installation["id"]).scrip_document(item, item["ObjectId"])
    polled = events_from_payload(document)
    scripped = events_from_payload(recorded)
    for event in polled + scripped:
        event.pop("channel", None)
    assert polled == scripped


def test_polled_document_maps_epoch_zero_to_null(rt_rest2_installation, runtime, fake_rt):
    item = next(item for item in fake_rt.transactions if item["id"] == "70")
    document = RTSync(runtime, rt_rest2_installation["id"]).scrip_document(item, "2")
    assert fake_rt.tickets["2"]["Resolved"] == "1970-01-01T00:00:00Z"
    assert document["ticket"]["resolved"] is None
    assert document["ticket"]["told"] is None


def test_polled_create_uses_state_at_creation(rt_rest2_installation, runtime, fake_rt):
    # Ticket 2 is now stalled, unowned and in General; bob created it new, owned by him, in Support.
    item = next(item for item in fake_rt.transactions if item["id"] == "68")
    document = RTSync(runtime, rt_rest2_installation["id"]).scrip_document(item, "2")
    assert document["ticket"]["status"] == "new"
    assert document["ticket"]["owner"] == "bob"
    assert document["ticket"]["queue_id"] == 3


# --- catch-up ---------------------------------------------------------------


def test_catch_up_stores_every_transaction(rt_rest2_installation, runtime, fake_rt):
    result = RTSync(runtime, rt_rest2_installation["id"]).catch_up()
    assert result.watermark == 89
    assert state_value(runtime, rt_rest2_installation["id"], WATERMARK_KEY) == "89"
    with transaction(runtime.sessions) as session:
        ids = set(session.scalars(select(InboxEvent.delivery_id).where(InboxEvent.delivery_id.like("rt-tx-%"))))
    assert "rt-tx-46" in ids
    assert "rt-tx-89" in ids
    # SetWatcher duplicates an owner change and is never sent by the scrip.
    assert "rt-tx-49" not in ids


def test_catch_up_skips_service_account(rt_rest2_installation, runtime, fake_rt):
    RTSync(runtime, rt_rest2_installation["id"]).catch_up()
    assert count(runtime, InboxEvent, InboxEvent.delivery_id == "rt-tx-88") == 0


def test_catch_up_starts_after_watermark(rt_rest2_installation, runtime, fake_rt):
    first = RTSync(runtime, rt_rest2_installation["id"]).catch_up()
    second = RTSync(runtime, rt_rest2_installation["id"]).catch_up()
    assert first.stored > 0
    assert second.stored == 0
    assert second.transactions == 0


def test_catch_up_pages_by_watermark(rt_rest2_installation, runtime, fake_rt):
    # 250 extra comments by ann on ticket 1 need three requests of 100.
    template = next(item for item in fake_rt.transactions if item["id"] == "89")
    fake_rt.transactions += [{**template, "id": str(1000 + n)} for n in range(250)]
    result = RTSync(runtime, rt_rest2_installation["id"]).catch_up()
    assert result.watermark == 1249
    assert count(runtime, InboxEvent, InboxEvent.delivery_id == "rt-tx-1249") == 1
    searches = [request for request in fake_rt.requests if request == ("POST", "/transactions")]
    assert len(searches) == 3


def test_scrip_then_poll_gives_one_event(rt_rest2_installation, runtime, fake_rt, deliver):
    assert deliver("status_open_by_rt_system").status_code == 202
    result = RTSync(runtime, rt_rest2_installation["id"]).catch_up()
    assert result.duplicates >= 1
    assert count(runtime, InboxEvent, InboxEvent.delivery_id == "rt-tx-52") == 1
    assert count(runtime, TicketEvent, TicketEvent.event_id == "rt-tx-52") == 1


def test_poll_then_scrip_is_duplicate(rt_rest2_installation, runtime, fake_rt, deliver):
    RTSync(runtime, rt_rest2_installation["id"]).catch_up()
    response = deliver("correspond_by_agent")
    assert response.get_json() == {"accepted": 0, "duplicates": 1}


def test_receiver_gap_restored_by_catch_up(rt_rest2_installation, runtime, fake_rt, deliver, rt_api):
    # The receiver got only half the story; the catch-up restores the rest, and
    # the numbers equal those of the full webhook story.
    for name in STORY_ARRIVAL_ORDER[:6]:
        deliver(name)
    RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    closed = december(rt_api, create_goal(rt_api, "tickets_closed", ["ann", "bob"], 5))
    response_time = december(rt_api, create_goal(rt_api, "avg_first_response_time", ["ann"], 3600))
    assert closed["Ann Agent"]["value"] == 1
    assert closed["Bob Agent"]["value"] == 0
    assert response_time["Ann Agent"]["value"] == 4


# --- directory --------------------------------------------------------------


def test_directory_upserts_agents(rt_rest2_installation, runtime, fake_rt):
    RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    with transaction(runtime.sessions) as session:
        users = {user.host_ref: user for user in session.scalars(select(User))}
        assert users["ann"].name == "Ann Agent"
        assert users["ann"].role == "agent"
        assert users["ann"].email == "ann@helpdesk.example"
        assert users["carol@customer.example"].role == "customer"
        assert "helpdesk-goals" not in users


def test_directory_upserts_team_and_queues(rt_rest2_installation, runtime, fake_rt):
    RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    with transaction(runtime.sessions) as session:
        teams = {team.host_ref: team.name for team in session.scalars(select(Team))}
        pipelines = {pipeline.host_ref: pipeline.name for pipeline in session.scalars(select(Pipeline))}
    assert teams == {"27": "Tier 2"}
    assert pipelines == {"1": "General", "3": "Support"}


def test_first_sync_members_join_at_group_creation(rt_rest2_installation, runtime, fake_rt):
    RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    with transaction(runtime.sessions) as session:
        rows = session.execute(select(User.host_ref, Membership.kind, Membership.valid_from, Membership.valid_to)
                               .join(User, User.id == Membership.user_id).order_by(User.host_ref)).all()
    created = datetime(2026, 12, 4, 20, 5, 43, tzinfo=timezone.utc)
    assert [tuple(row) for row in rows] == [("ann", "primary", created, None), ("bob", "primary", created, None)]


def test_member_removed_in_rt_leaves_team(rt_rest2_installation, runtime, fake_rt, clock):
    RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    fake_rt.group_members = [28]
    RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    with transaction(runtime.sessions) as session:
        bob = session.scalar(select(Membership).join(User, User.id == Membership.user_id)
                             .where(User.host_ref == "bob"))
        assert bob.valid_to == clock()
    assert json.loads(state_value(runtime, rt_rest2_installation["id"], MEMBERS_KEY)) == {"27": {"ann": "primary"}}


def test_directory_sync_twice_stores_nothing_new(rt_rest2_installation, runtime, fake_rt):
    RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    second = RTSync(runtime, rt_rest2_installation["id"]).catch_up(with_directory=True)
    assert second.stored == 0


# --- backfill ---------------------------------------------------------------


def test_backfill_gives_webhook_numbers(rt_rest2_installation, runtime, fake_rt, rt_api):
    result = RTSync(runtime, rt_rest2_installation["id"]).backfill()
    assert result.tickets == 4
    assert result.failed_tickets == []
    closed = december(rt_api, create_goal(rt_api, "tickets_closed", ["ann", "bob"], 5))
    resolution = december(rt_api, create_goal(rt_api, "avg_resolution_time", ["ann"], 3600))
    assert closed["Ann Agent"]["value"] == 1
    assert closed["Bob Agent"]["value"] == 0
    assert resolution["Ann Agent"]["value"] == 11


def test_backfill_reports_progress(rt_rest2_installation, runtime, fake_rt):
    seen = []
    RTSync(runtime, rt_rest2_installation["id"], on_progress=lambda done, total: seen.append((done, total))).backfill()
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_backfill_watermark_from_start(rt_rest2_installation, runtime, fake_rt):
    RTSync(runtime, rt_rest2_installation["id"]).backfill()
    assert state_value(runtime, rt_rest2_installation["id"], WATERMARK_KEY) == "89"


# --- jobs -------------------------------------------------------------------


def test_catch_up_job_stores_rows(rt_rest2_installation, runtime, fake_rt):
    assert sync_jobs.catch_up(rt_rest2_installation["id"]) > 0
    assert count(runtime, TicketEvent, TicketEvent.event_id == "rt-tx-59") == 1


def test_catch_up_job_skips_generic(installation):
    assert sync_jobs.catch_up(installation["id"]) == 0


def test_catch_up_all_continues_after_failure(rt_rest2_installation, runtime):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, re.compile(".*"), status=500)
        mock.add(responses.POST, re.compile(".*"), status=500)
        assert sync_jobs.catch_up_all() == 0
