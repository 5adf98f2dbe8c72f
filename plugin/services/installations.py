"""Create installations and find them by API token."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.registry import CONNECTORS

from ..config import DEFAULT_GRACE_MINUTES, DEFAULT_LOCALE, DEFAULT_TIME_ZONE, SUPPORTED_LOCALES
from ..models import Installation

log = logging.getLogger(__name__)


class InstallationSettingError(ValueError):
    """An installation setting is invalid; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors))
        super().__init__(f"{first}: {errors[first][0]}")
        self.errors = errors


@dataclass(frozen=True)
class NewInstallation:
    """A created installation with its secrets, which are shown only once."""

    installation: Installation
    api_token: str
    webhook_secret: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def validate_settings(values: dict) -> dict[str, list[str]]:
    """Return every invalid installation setting with a message naming the value and the fix."""
    errors: dict[str, list[str]] = {}
    zone = values.get("time_zone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError):
            errors["time_zone"] = [f"time zone {zone!r} is unknown: use an IANA name such as Europe/Rome"]
    locale = values.get("locale")
    if locale is not None and locale not in SUPPORTED_LOCALES:
        errors["locale"] = [f"locale {locale!r} is not supported: use {' or '.join(SUPPORTED_LOCALES)}"]
    month = values.get("fiscal_year_start_month")
    if month is not None and not (isinstance(month, int) and 1 <= month <= 12):
        errors["fiscal_year_start_month"] = [f"{month!r} is invalid: use a month number from 1 to 12"]
    week_start = values.get("week_start")
    if week_start is not None and week_start not in (0, 6):
        errors["week_start"] = [f"{week_start!r} is invalid: use 0 (Monday, ISO 8601) or 6 (Sunday)"]
    grace = values.get("grace_minutes")
    if grace is not None and not (isinstance(grace, int) and 0 <= grace <= 7 * 24 * 60):
        errors["grace_minutes"] = [f"{grace!r} is invalid: use whole minutes from 0 to 10080 (one week)"]
    return errors


def create_installation(session: Session, name: str, connector: str, time_zone: str = DEFAULT_TIME_ZONE,
                        locale: str = DEFAULT_LOCALE, fiscal_year_start_month: int = 1, week_start: int = 0,
                        grace_minutes: int = DEFAULT_GRACE_MINUTES, base_url: str | None = None,
                        host_api_token: str | None = None, webhook_secret: str | None = None) -> NewInstallation:
    """Create an installation with a fresh API token and webhook secret.

    Raises ``InstallationSettingError`` listing every invalid setting; nothing is written then.
    """
    errors = validate_settings({"time_zone": time_zone, "locale": locale,
                                "fiscal_year_start_month": fiscal_year_start_month,
                                "week_start": week_start, "grace_minutes": grace_minutes})
    if not name or len(name) > 200:
        errors["name"] = ["give a name of 1 to 200 characters"]
    if connector not in CONNECTORS:
        errors["connector"] = [f"connector {connector!r} is unknown: use one of {', '.join(sorted(CONNECTORS))}"]
    if errors:
        raise InstallationSettingError(errors)

    api_token = secrets.token_urlsafe(32)
    secret = webhook_secret or secrets.token_urlsafe(32)
    installation = Installation(
        name=name, connector=connector, base_url=base_url, host_api_token=host_api_token,
        webhook_secret=secret, api_token_hash=hash_token(api_token), time_zone=time_zone, locale=locale,
        fiscal_year_start_month=fiscal_year_start_month, week_start=week_start, grace_minutes=grace_minutes,
    )
    session.add(installation)
    session.flush()
    log.info("installation.created installation=%s connector=%s", installation.id, connector)
    return NewInstallation(installation, api_token, secret)


def find_by_token(session: Session, token: str) -> Installation | None:
    """Return the installation whose API token is ``token``, or None."""
    return session.scalar(select(Installation).where(Installation.api_token_hash == hash_token(token)))
