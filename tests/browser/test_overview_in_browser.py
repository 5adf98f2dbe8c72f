"""The overview page in a real headless Chromium, in English and Italian."""

from __future__ import annotations

import shutil
import threading
from datetime import datetime, timezone

import pytest
from werkzeug.serving import make_server

from plugin.links import sign_link
from tests.builders import created, member, message, state, team, user

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a sandboxed machine without network: no background connections, no GPU.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture
def live_overview(app, post_events, api, installation, clock):
    clock.set(datetime(2026, 4, 15, tzinfo=timezone.utc))
    post_events([user("ann"), user("bob"), team("desk"), member("ann", "desk"), member("bob", "desk"),
                 created("T1", "2026-03-02 09:00", owner="ann", team="desk"),
                 message("T1", "2026-03-02 10:30", author="ann"),
                 state("T1", "2026-03-02 11:00", "closed")])
    teams = api.get("/teams").get_json()["items"]
    goal_ids = []
    for template, targets in (("tickets_closed", {"user": 1}), ("avg_first_response_time", {"user": 3600, "team": 3600})):
        response = api.post("/goals", json={
            "name": template, "template": template, "frequency": "monthly", "span": {"kind": "year", "year": 2026},
            "contributors": {"kind": "teams", "teams": [teams[0]["id"]]}, "targets": targets})
        assert response.status_code == 201
        goal_ids.append(response.get_json()["id"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = sign_link(app.config["SECRET_KEY"], installation["id"], "manager")
    months = "".join(f"&m{goal_id}=2026-03" for goal_id in goal_ids)
    yield f"http://127.0.0.1:{server.server_port}/overview?token={token}{months}"
    server.shutdown()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


def _rows(page, goal_name: str) -> dict[str, list[str]]:
    section = page.locator("section", has=page.locator("h2", has_text=goal_name))
    rows = {}
    for row in section.locator("tbody tr").all():
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        rows[cells[0]] = cells[1:]
    return rows


def test_overview_rows_in_english(live_overview, page, tmp_path):
    page.goto(live_overview + "&lang=en")

    closed = _rows(page, "tickets_closed")
    response = _rows(page, "avg_first_response_time")
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    assert page.locator("html").get_attribute("lang") == "en"
    assert closed["Ann"][:4] == ["1", "1", "100%", "achieved"]
    assert closed["Bob"][:2] == ["0", "1"]
    assert closed["Bob"][3] == "missed"
    assert closed["Desk"][:2] == ["1", "2"]
    assert response["Ann"][:4] == ["1.5 h", "1.0 h", "67%", "missed"]
    assert response["Bob"][0] == "no tickets"
    assert response["Bob"][3] == "no data"


def test_overview_rows_in_italian(live_overview, page):
    page.goto(live_overview + "&lang=it")

    response = _rows(page, "avg_first_response_time")

    assert page.locator("html").get_attribute("lang") == "it"
    assert response["Ann"][0] == "1,5 h"
    assert response["Bob"][0] != "no tickets"
