"""A small client for Request Tracker 5's REST2 API (``/REST/2.0``).

Authenticates with an RT auth token (``Authorization: token <token>``). The
User-Agent never contains "Mozilla", because RT 5.0.3 redirects such requests
to its login page instead of returning 401. Collections are read page by
page with ``per_page=100``, the maximum REST2 allows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Iterator

import requests

log = logging.getLogger(__name__)

API_PATH = "/REST/2.0"
PER_PAGE = 100
USER_AGENT = "helpdesk-goals-rt-connector/0.1"
DEFAULT_TIMEOUT_SECONDS = 30.0
EPOCH_ZERO = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A guard against a server that keeps sending full pages: 100 000 pages of 100 items.
MAX_PAGES = 100_000


class RTApiError(Exception):
    """A REST2 request failed; ``status`` is the HTTP status, or None when no response arrived."""

    def __init__(self, message: str, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status = status
        self.url = url


def rt_timestamp(value: str | None) -> str | None:
    """Return a REST2 date as RFC 3339 UTC, or None for RT's unset date (epoch 0) and empty values.

    REST2 5.0.3 formats unset dates as ``1970-01-01T00:00:00Z`` (``lib/RT/REST2/Util.pm``).
    """
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if parsed == EPOCH_ZERO:
        return None
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RTClient:
    """REST2 calls of one RT instance; ``base_url`` is RT's web root (``https://rt.example.org``)."""

    def __init__(self, base_url: str, token: str, session: requests.Session | None = None,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS):
        if not base_url or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"RT URL {base_url!r} is invalid: use http://host or https://host")
        if not token:
            raise ValueError("the RT auth token is missing: create one in RT under Logged in as > Settings > "
                             "Auth Tokens for the helpdesk-goals user")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({
            "Authorization": f"token {token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        })

    def request(self, method: str, path: str, params: dict | None = None, json: Any = None) -> Any:
        """Send one request to ``/REST/2.0<path>`` and return the parsed JSON body.

        Raises ``RTApiError`` for a connection failure, a timeout, a redirect
        (RT sends one to its login page when authentication fails for a
        browser-like client) or any status outside 2xx.
        """
        url = self.base_url + API_PATH + path
        try:
            response = self.session.request(method, url, params=params, json=json, timeout=self.timeout,
                                            allow_redirects=False)
        except requests.RequestException as error:
            raise RTApiError(f"{method} {url} failed: {error}", url=url) from None
        if response.status_code in (401, 403):
            raise RTApiError(f"{method} {url} was rejected with {response.status_code}: check the RT auth token "
                             "and the rights of its user", response.status_code, url)
        if 300 <= response.status_code < 400:
            raise RTApiError(f"{method} {url} was redirected to {response.headers.get('Location')!r}: "
                             "check the RT URL and the auth token", response.status_code, url)
        if not 200 <= response.status_code < 300:
            raise RTApiError(f"{method} {url} failed with {response.status_code}: {response.text[:300]}",
                             response.status_code, url)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise RTApiError(f"{method} {url} returned non-JSON content: {response.text[:200]!r}",
                             response.status_code, url) from None

    def get(self, path: str, params: dict | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None, params: dict | None = None) -> Any:
        return self.request("POST", path, params=params, json=json)

    def put(self, path: str, json: Any = None) -> Any:
        return self.request("PUT", path, json=json)

    def collection(self, method: str, path: str, params: dict | None = None, json: Any = None,
                   ) -> Iterator[dict]:
        """Yield every item of a REST2 collection, reading pages from 1 with ``per_page=100``.

        Some collections (ticket history, transaction searches) return null
        ``pages`` and ``total``, so paging stops at the first page with fewer
        items than requested, or at ``pages`` when RT sends it.
        """
        page = 1
        while page <= MAX_PAGES:
            body = self.request(method, path, params={**(params or {}), "page": page, "per_page": PER_PAGE},
                                json=json)
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise RTApiError(f"{method} {path} returned no items list: {str(body)[:200]}")
            items = body["items"]
            yield from items
            pages = body.get("pages")
            if isinstance(pages, int):
                if page >= pages:
                    return
            elif len(items) < PER_PAGE:
                return
            page += 1
        raise RTApiError(f"{method} {path} returned more than {MAX_PAGES} pages")

    # Typed reads used by the sync.

    def user(self, id_or_name: str | int) -> dict:
        return self.get(f"/user/{id_or_name}")

    def queue(self, queue_id: str | int) -> dict:
        return self.get(f"/queue/{queue_id}")

    def group(self, group_id: str | int) -> dict:
        return self.get(f"/group/{group_id}")

    def ticket(self, ticket_id: str | int) -> dict:
        return self.get(f"/ticket/{ticket_id}")

    def queues(self) -> Iterator[dict]:
        return self.collection("GET", "/queues/all")

    def groups(self) -> Iterator[dict]:
        return self.collection("GET", "/groups", params={"fields": "Name,Description"})

    def group_member_ids(self, group_id: str | int) -> Iterator[dict]:
        # Needs AdminGroupMembership (or SuperUser) in RT 5.0.3; items name users by numeric id.
        return self.collection("GET", f"/group/{group_id}/members", params={"groups": 0, "recursively": 1})

    def tickets(self, query: str) -> Iterator[dict]:
        return self.collection("GET", "/tickets", params={"query": query, "orderby": "id", "order": "ASC",
                                                          "fields": "Queue,Owner,Status"})

    def ticket_history(self, ticket_id: str | int) -> Iterator[dict]:
        return self.collection("GET", f"/ticket/{ticket_id}/history",
                               params={"fields": "Type,Field,OldValue,NewValue,Creator,Created"})

    def ticket_transactions_after(self, transaction_id: int) -> list[dict]:
        """Return the first page (up to 100) of ticket transactions with an id above ``transaction_id``."""
        body = self.request("POST", "/transactions", params={
            "orderby": "id", "order": "ASC", "per_page": PER_PAGE, "page": 1,
            "fields": "Type,Field,OldValue,NewValue,Creator,Created,ObjectType,ObjectId",
        }, json=[{"field": "ObjectType", "value": "RT::Ticket"},
                 {"field": "id", "operator": ">", "value": str(transaction_id)}])
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise RTApiError(f"POST /transactions returned no items list: {str(body)[:200]}")
        return body["items"]
