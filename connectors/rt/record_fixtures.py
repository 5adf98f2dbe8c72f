"""Record the RT connector's fixtures from a real Request Tracker 5.

Drives one support story on a fresh CI database and saves what RT sends and
answers: each scrip delivery as ``fixtures/<condition>.json`` holding
``{"headers": {...}, "body": "<raw body>"}``, and the REST2 responses a
catch-up needs under ``fixtures/rest2/``. Run from the repository root::

    .ci/install-rt install
    .ci/install-rt init .ci/work/rt/rt.db
    export RT_CI_DB=$PWD/.ci/work/rt/rt.db GOALS_WEBHOOK_SECRET=fixture-secret
    .ci/install-rt start
    python3 connectors/rt/record_fixtures.py
    .ci/install-rt stop

The receiver listens on 127.0.0.1:9097 (the site config's default webhook URL)
and must be the only one there. RT must be started with the same secret as
``FIXTURE_SECRET`` below, or the recorded signatures will not verify in tests.
The script exits non-zero when a step does not produce the deliveries it
expects, naming the step.
"""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

FIXTURE_SECRET = "fixture-secret"
RT_URL = "http://127.0.0.1:8090"
REST2_URL = RT_URL + "/REST/2.0"
RECEIVER_ADDRESS = ("127.0.0.1", 9097)
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

AGENT_ANN = ("ann", "ann-password")
AGENT_BOB = ("bob", "bob-password")
ROOT = ("root", "password")
SERVICE = ("helpdesk-goals", "goals-password")
CUSTOMER_EMAIL = "carol@customer.example"


class Receiver(http.server.ThreadingHTTPServer):
    """Webhook receiver that keeps every POST in arrival order."""

    def __init__(self) -> None:
        super().__init__(RECEIVER_ADDRESS, ReceiverHandler)
        self.deliveries: list[dict] = []
        self.lock = threading.Lock()


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.deliveries.append(
                {"headers": dict(self.headers.items()), "body": raw.decode("utf-8")}
            )
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def rest2(method: str, path: str, credentials: tuple[str, str], payload: object = None) -> tuple[int, object]:
    """Send one REST2 request and return (status, parsed JSON body or text)."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(REST2_URL + path, data=data, method=method)
    token = base64.b64encode(":".join(credentials).encode()).decode()
    request.add_header("Authorization", "Basic " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def mailgate(message: str) -> None:
    """Deliver one customer e-mail through rt-mailgate, as a mail server would."""
    subprocess.run(
        ["rt-mailgate", "--queue", "Support", "--action", "correspond", "--url", RT_URL],
        input=message.encode(),
        check=True,
    )


def customer_mail(message_id: str, subject: str, text: str, in_reply_to: str | None = None) -> str:
    headers = [
        f"From: Carol Customer <{CUSTOMER_EMAIL}>",
        "To: support@helpdesk.example",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}@customer.example>",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if in_reply_to:
        headers.append(f"In-Reply-To: <{in_reply_to}@customer.example>")
    return "\n".join(headers) + "\n\n" + text + "\n"


def transaction_of(delivery: dict) -> dict:
    return json.loads(delivery["body"])["transaction"]


class Story:
    """Run steps and name the deliveries each step produces."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.seen = 0
        self.named: dict[str, dict] = {}
        self.arrival_log: list[str] = []

    def step(self, title: str, action, expected: list[tuple[str, str, str | None]]) -> None:
        """Run ``action`` and save the deliveries matching ``expected``.

        ``expected`` lists (fixture name, transaction type, field), and each
        entry must match exactly one new delivery. The scrip posts synchronously, so
        the deliveries are in before the REST2 or mail gateway call returns.
        """
        time.sleep(1.1)  # separate the steps' timestamps by at least a second
        action()
        time.sleep(0.3)
        with self.receiver.lock:
            new = self.receiver.deliveries[self.seen:]
            self.seen = len(self.receiver.deliveries)
        summary = ", ".join(
            f"{d['headers']['X-Goals-Delivery']} {transaction_of(d)['type']}/{transaction_of(d)['field']}"
            for d in new
        )
        self.arrival_log.append(f"{title}: {summary or 'no delivery'}")
        for name, tx_type, field in expected:
            matches = [
                d for d in new
                if transaction_of(d)["type"] == tx_type and transaction_of(d)["field"] == field
            ]
            if len(matches) != 1:
                sys.exit(f"step '{title}': expected one {tx_type}/{field} delivery, got: {summary or 'none'}")
            self.named[name] = matches[0]


def run_story(story: Story) -> None:
    def put_ticket(ticket: int, credentials: tuple[str, str], fields: dict):
        return lambda: check(rest2("PUT", f"/ticket/{ticket}", credentials, fields))

    def post_message(ticket: int, kind: str, credentials: tuple[str, str], text: str):
        payload = {"Content": text, "ContentType": "text/plain"}
        return lambda: check(rest2("POST", f"/ticket/{ticket}/{kind}", credentials, payload))

    story.step(
        "customer opens ticket 1 by e-mail",
        lambda: mailgate(customer_mail("story-1", "Printer on floor 3 prints blank pages",
                                       "Since this morning the printer on floor 3 prints only blank pages.")),
        [("create_by_customer", "Create", None)],
    )
    story.step(
        "ann takes ticket 1",
        put_ticket(1, AGENT_ANN, {"Owner": "ann"}),
        [("set_owner_take", "Set", "Owner"), ("set_watcher_owner", "SetWatcher", "Owner")],
    )
    story.step(
        "ann replies to the customer",
        post_message(1, "correspond", AGENT_ANN, "Please replace the toner cartridge and tell me if it helps."),
        [("correspond_by_agent", "Correspond", None), ("status_open_by_rt_system", "Status", "Status")],
    )
    story.step(
        "ann adds an internal comment",
        post_message(1, "comment", AGENT_ANN, "Probably the fuser again, same as last month."),
        [("comment_by_agent", "Comment", None)],
    )
    story.step(
        "ann resolves ticket 1",
        put_ticket(1, AGENT_ANN, {"Status": "resolved"}),
        [("status_resolved", "Status", "Status")],
    )
    story.step(
        "customer replies to the resolved ticket",
        lambda: mailgate(customer_mail("story-2", "Re: [rt.vm #1] Printer on floor 3 prints blank pages",
                                       "A new toner did not help, the pages are still blank.", "story-1")),
        [("correspond_by_customer", "Correspond", None),
         ("status_reopen_by_requestor_reply", "Status", "Status")],
    )
    story.step(
        "ann resolves ticket 1 again",
        put_ticket(1, AGENT_ANN, {"Status": "resolved"}),
        [("status_resolved_again", "Status", "Status")],
    )
    story.step(
        "ann gives ticket 1 to bob",
        put_ticket(1, AGENT_ANN, {"Owner": "bob"}),
        [("set_owner", "Set", "Owner")],
    )
    story.step(
        "bob opens ticket 2 to contact the customer",
        lambda: check(rest2("POST", "/ticket", AGENT_BOB, {
            "Queue": "Support", "Subject": "Your laptop is ready for pickup",
            "Requestor": CUSTOMER_EMAIL, "Owner": "bob",
            "Content": "Your repaired laptop is ready at the front desk.", "ContentType": "text/plain",
        })),
        [("create_by_agent", "Create", None)],
    )
    story.step(
        "bob stalls ticket 2",
        put_ticket(2, AGENT_BOB, {"Status": "stalled"}),
        [("status_stalled", "Status", "Status")],
    )
    story.step(
        "root moves ticket 2 to General, where bob cannot own it",
        put_ticket(2, ROOT, {"Queue": "General"}),
        [("set_queue", "Set", "Queue"), ("set_owner_nobody_by_rt_system", "Set", "Owner")],
    )
    story.step(
        "customer sends spam as ticket 3",
        lambda: mailgate(customer_mail("story-3", "Cheap toner offer", "Buy cheap toner now.")),
        [],
    )
    story.step(
        "ann rejects ticket 3",
        put_ticket(3, AGENT_ANN, {"Status": "rejected"}),
        [("status_rejected", "Status", "Status")],
    )
    story.step(
        "customer sends a duplicate as ticket 4",
        lambda: mailgate(customer_mail("story-4", "Printer still broken", "Same as ticket 1.")),
        [],
    )
    story.step(
        "root deletes ticket 4",
        put_ticket(4, ROOT, {"Status": "deleted"}),
        [("status_deleted", "Status", "Status")],
    )
    story.step(
        "helpdesk-goals comments on ticket 1 (loop guard: no delivery)",
        post_message(1, "comment", SERVICE, "Goal status: first response within target."),
        [],
    )
    if not story.arrival_log[-1].endswith(": no delivery"):
        sys.exit(f"loop guard failed: {story.arrival_log[-1]}")


def check(answer: tuple[int, object]) -> None:
    status, body = answer
    if not 200 <= status < 300:
        sys.exit(f"REST2 call failed with {status}: {body}")


def record_receiver_down() -> str:
    """Change a ticket while nothing listens and return how long RT took."""
    started = time.monotonic()
    status, body = rest2("POST", "/ticket/1/comment", AGENT_ANN,
                         {"Content": "Customer called, will pick up tomorrow.", "ContentType": "text/plain"})
    elapsed = time.monotonic() - started
    return f"receiver down: REST2 comment answered {status} {body!r} after {elapsed:.2f} s"


REST2_CALLS = [
    ("users", "GET", "/users?fields=Name,RealName,EmailAddress&find_disabled_rows=1&per_page=100", None),
    ("user_ann", "GET", "/user/ann", None),
    ("user_customer", "GET", f"/user/{CUSTOMER_EMAIL}", None),
    ("groups", "GET", "/groups?fields=Name,Description&per_page=100", None),
    ("groups_search_tier2", "POST", "/groups", [{"field": "Name", "value": "Tier 2"}]),
    ("queues_all", "GET", "/queues/all", None),
    ("tickets_updated_since", "GET",
     "/tickets?query=" + urllib.request.quote("LastUpdated > '2000-01-01 00:00:00'")
     + "&fields=Queue,Owner,Status,Created,Started,Resolved,Told,LastUpdated&orderby=LastUpdated&order=ASC",
     None),
    ("ticket_1_history", "GET", "/ticket/1/history?fields=Type,Field,OldValue,NewValue,Creator,Created&per_page=100",
     None),
    ("transactions_after", "POST", "/transactions?orderby=id&per_page=100&fields=Type,Field,OldValue,NewValue,"
     "Creator,Created,ObjectType,ObjectId",
     [{"field": "ObjectType", "value": "RT::Ticket"}, {"field": "id", "operator": ">", "value": "50"}]),
]


def record_rest2(out_dir: Path) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    notes = []
    _, groups = rest2("POST", "/groups", SERVICE, [{"field": "Name", "value": "Tier 2"}])
    team_id = groups["items"][0]["id"] if isinstance(groups, dict) and groups.get("items") else None
    calls = list(REST2_CALLS)
    if team_id is not None:
        calls.append(("group_members", "GET", f"/group/{team_id}/members?groups=0&recursively=1", None))
        calls.append(("group", "GET", f"/group/{team_id}", None))
    for name, method, path, payload in calls:
        status, body = rest2(method, path, SERVICE, payload)
        record = {"request": {"method": method, "path": "/REST/2.0" + path, "json": payload,
                              "user": SERVICE[0]},
                  "status": status, "body": body}
        (out_dir / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        notes.append(f"{name}: {method} {path} -> {status}")
    return notes


def main() -> None:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    story = Story(receiver)
    run_story(story)

    receiver.shutdown()
    receiver.server_close()
    down_note = record_receiver_down()

    FIXTURES_DIR.mkdir(parents=True, exist_ok=True)
    for name, delivery in story.named.items():
        (FIXTURES_DIR / f"{name}.json").write_text(json.dumps(delivery, indent=2) + "\n")
    rest2_notes = record_rest2(FIXTURES_DIR / "rest2")

    print("\n".join(story.arrival_log))
    print(down_note)
    print("\n".join(rest2_notes))


if __name__ == "__main__":
    main()
