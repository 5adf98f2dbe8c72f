"""Shared fixtures: a migrated database (SQLite or PostgreSQL), real Redis, the app and helpers.

``HELPDESK_GOALS_TEST_DATABASE`` picks the backend: ``sqlite`` (default) or
``postgresql``. PostgreSQL runs use a fresh database per test session on the
server named by ``HELPDESK_GOALS_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``). Redis is the server at
``HELPDESK_GOALS_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``); jobs
run synchronously unless a test starts a worker.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from plugin.app import create_app
from plugin.config import Settings
from plugin.db import make_engine, make_session_factory, transaction, upgrade
from plugin.models import Base
from plugin.runtime import Runtime
from plugin.services.installations import create_installation

BACKEND = os.environ.get("HELPDESK_GOALS_TEST_DATABASE", "sqlite")
POSTGRES_SERVER_URL = os.environ.get("HELPDESK_GOALS_TEST_POSTGRES_URL",
                                     "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HELPDESK_GOALS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class FixedClock:
    """A clock tests can set and move; starts at 2026-12-04 12:00 UTC."""

    def __init__(self, now: datetime | None = None):
        self.now = now or datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Create one migrated database for the session and drop it at the end (PostgreSQL)."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"HELPDESK_GOALS_TEST_DATABASE={BACKEND!r}: use sqlite or postgresql")

    name = f"helpdesk_goals_test_{uuid.uuid4().hex[:10]}"
    server = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def empty_tables(engine) -> None:
    """Delete every row, so the next user starts from a migrated, empty schema."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def clean_database(engine):
    """Empty every table before the test."""
    empty_tables(engine)
    return engine


@pytest.fixture
def redis_connection():
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except Exception as error:  # the suite needs a real Redis, so the failure tells how to start one
        pytest.fail(f"Redis at {REDIS_URL} does not answer ({error}): start redis-server or set "
                    "HELPDESK_GOALS_TEST_REDIS_URL")
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def clock():
    return FixedClock()


def make_runtime(instance_path: Path, engine, database_url: str, redis: Redis, clock) -> Runtime:
    """Return an active test runtime whose jobs run synchronously in the calling process."""
    settings = Settings(instance_path=instance_path, database_url=database_url, redis_url=REDIS_URL,
                        secret_key="test-secret-key", admin_token="test-admin-token", queue_is_async=False)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    runtime = Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine), redis=redis,
                      clock=clock)
    return runtime.activate()


@pytest.fixture
def runtime(tmp_path, clean_database, redis_connection, clock, database_url):
    return make_runtime(tmp_path / "instance", clean_database, database_url, redis_connection, clock)


@pytest.fixture
def app(runtime):
    app = create_app(runtime=runtime)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def installation(runtime):
    """A generic-connector installation in Europe/Rome; returns its id, API token and webhook secret."""
    with transaction(runtime.sessions) as session:
        created = create_installation(session, name="Test desk", connector="generic", time_zone="Europe/Rome")
        return {"id": created.installation.id, "token": created.api_token, "secret": created.webhook_secret}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def post_events(client, installation):
    """Send events to the generic webhook, signed; returns the response."""

    def send(events, secret: str | None = None, raw: bytes | None = None, headers: dict | None = None):
        if raw is not None:
            body = raw
        elif isinstance(events, list):
            body = json.dumps({"events": events}).encode()
        else:
            body = json.dumps(events).encode()
        all_headers = {"Content-Type": "application/json",
                       "X-Goals-Signature": sign(secret or installation["secret"], body)}
        all_headers.update(headers or {})
        return client.post(f"/webhooks/generic/{installation['id']}", data=body, headers=all_headers)

    return send


@pytest.fixture
def api(client, installation):
    """Call the JSON API with the installation's token."""

    class Api:
        def __getattr__(self, method):
            def call(path, **kwargs):
                headers = {"Authorization": f"Bearer {installation['token']}"}
                headers.update(kwargs.pop("headers", {}))
                return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)
            return call

    return Api()


DEMO_LOG = Path(__file__).resolve().parents[1] / "plugin" / "demo_data" / "incident_event_log.csv"
