"""A REST2 double for ``responses``, serving the responses recorded from RT 5.0.3.

Recorded files serve the calls they were recorded for. Calls the recorder did
not make (``GET /user/bob``, ``/queue/3``, ``/ticket/1``, other tickets'
history) get records built from recorded ones, with the ids and
names of the recorded story, so every value traces back to a recording.
"""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import parse_qs, urlparse

import responses

from .conftest import RT_URL, load_rest2

API = RT_URL + "/REST/2.0"
USER_IDS = {"RT_System": 1, "Nobody": 6, "root": 14, "ann": 28, "bob": 30, "helpdesk-goals": 32,
            "carol@customer.example": 34}
QUEUES = {"1": "General", "3": "Support"}
CUSTOMER = "carol@customer.example"


def _user_record(name: str) -> dict:
    """Return ``GET /user/<name>`` for a user of the story, from the recorded ann and customer records."""
    template = load_rest2("user_ann")["body"] if name in ("ann", "bob", "helpdesk-goals", "root") \
        else load_rest2("user_customer")["body"]
    record = copy.deepcopy(template)
    listed = {item["Name"]: item for item in load_rest2("users")["body"]["items"]}[name]
    record.update(id=USER_IDS[name], Name=name, RealName=listed["RealName"], EmailAddress=listed["EmailAddress"])
    if name in ("RT_System", "Nobody"):
        record["Privileged"] = 0
    return record


def all_transactions() -> list[dict]:
    """Return every recorded ticket transaction in id order, each with ``ObjectId``."""
    history = load_rest2("ticket_1_history")["body"]["items"]
    items = {int(item["id"]): {**item, "ObjectType": "RT::Ticket", "ObjectId": "1"} for item in history}
    for item in load_rest2("transactions_after")["body"]["items"]:
        items[int(item["id"])] = item
    return [items[key] for key in sorted(items)]


class FakeRT:
    """Register REST2 routes on a ``responses.RequestsMock``; tests may change ``group_members`` and ``transactions``."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self.transactions = all_transactions()
        self.group_members = [28, 30]
        self.requests: list[tuple[str, str]] = []
        self.tickets = {str(item["id"]): item for item in load_rest2("tickets_updated_since")["body"]["items"]}
        self.tickets["4"] = {**copy.deepcopy(self.tickets["3"]), "id": "4", "Status": "deleted"}
        self._register()

    def _register(self) -> None:
        self.mock.add_callback(responses.GET, re.compile(re.escape(API) + r"/.*"), callback=self._get)
        self.mock.add_callback(responses.POST, API + "/transactions", callback=self._search_transactions)

    @staticmethod
    def _json(body: dict, status: int = 200):
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def _get(self, request):
        url = urlparse(request.url)
        path = url.path[len("/REST/2.0"):]
        self.requests.append(("GET", path))
        if path == "/queues/all":
            return self._json(load_rest2("queues_all")["body"])
        if path == "/groups":
            return self._json(load_rest2("groups")["body"])
        if path == "/group/27":
            return self._json(load_rest2("group")["body"])
        if path == "/group/27/members":
            body = copy.deepcopy(load_rest2("group_members")["body"])
            template = body["items"][0]
            body["items"] = [{**template, "id": user_id, "_url": f"{API}/user/{user_id}"}
                             for user_id in self.group_members]
            body["count"] = body["total"] = len(body["items"])
            return self._json(body)
        if path == "/tickets":
            body = copy.deepcopy(load_rest2("tickets_updated_since")["body"])
            body["items"] = sorted(self.tickets.values(), key=lambda item: int(item["id"]))
            body["count"] = body["total"] = len(body["items"])
            return self._json(body)
        match = re.fullmatch(r"/user/(.+)", path)
        if match:
            key = match.group(1)
            names = {str(user_id): name for name, user_id in USER_IDS.items()}
            name = names.get(key, key)
            if name not in USER_IDS:
                return self._json({"message": "No user found"}, 404)
            return self._json(_user_record(name))
        match = re.fullmatch(r"/queue/(\d+)", path)
        if match:
            queue_id = match.group(1)
            return self._json({"id": int(queue_id), "Name": QUEUES[queue_id], "Disabled": "0",
                               "Created": "2026-12-04T20:05:43Z", "LastUpdated": "2026-12-04T20:05:44Z"})
        match = re.fullmatch(r"/ticket/(\d+)/history", path)
        if match:
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            per_page, page = int(query.get("per_page", 20)), int(query.get("page", 1))
            items = [item for item in self.transactions if item["ObjectId"] == match.group(1)]
            chosen = items[(page - 1) * per_page:page * per_page]
            return self._json({"count": len(chosen), "page": page, "pages": None, "per_page": per_page,
                               "total": None, "items": chosen})
        match = re.fullmatch(r"/ticket/(\d+)", path)
        if match:
            ticket = copy.deepcopy(self.tickets[match.group(1)])
            ticket["Requestor"] = [{"type": "user", "id": CUSTOMER, "_url": f"{API}/user/{CUSTOMER}"}]
            ticket["Priority"] = "0"
            return self._json(ticket)
        return self._json({"message": "Not found"}, 404)

    def _search_transactions(self, request):
        """Serve ``POST /transactions`` for ``ObjectType = RT::Ticket`` and an optional ``id >`` condition."""
        self.requests.append(("POST", "/transactions"))
        query = {key: values[0] for key, values in parse_qs(urlparse(request.url).query).items()}
        conditions = json.loads(request.body)
        after = 0
        for condition in conditions:
            if condition["field"] == "id" and condition.get("operator") == ">":
                after = int(condition["value"])
        items = [item for item in self.transactions if int(item["id"]) > after]
        if query.get("order") == "DESC":
            items.reverse()
        per_page = int(query.get("per_page", 20))
        page = int(query.get("page", 1))
        chosen = items[(page - 1) * per_page:page * per_page]
        return self._json({"count": len(chosen), "page": page, "pages": None, "per_page": per_page,
                           "total": None, "items": chosen})
