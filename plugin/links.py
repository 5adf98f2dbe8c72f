"""Signed page links: who may open a page, for how long, without a password.

A link carries the installation id, the host user's reference and their role,
signed with the deployment's secret key (itsdangerous). Pages check the
signature and the age on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "helpdesk-goals.page-link"
DEFAULT_MAX_AGE_SECONDS = 12 * 3600
ROLES = ("admin", "manager", "agent")


class LinkError(ValueError):
    """An invalid or expired page link. The message names which, in the current locale."""


@dataclass(frozen=True)
class PageGrant:
    """The access a valid link grants: one installation, as one host user with one role."""

    installation_id: int
    user_ref: str | None
    role: str


def sign_link(secret_key: str, installation_id: int, role: str, user_ref: str | None = None) -> str:
    """Return a token for ``?token=`` in a page URL."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is invalid: use one of {', '.join(ROLES)}")
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(
        {"installation": installation_id, "user": user_ref, "role": role})


def read_link(secret_key: str, token: str, max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS) -> PageGrant:
    """Return the grant in ``token``; raise ``LinkError`` when it is forged or older than ``max_age_seconds``."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise LinkError(_("This link has expired: open the page again from the helpdesk.")) from None
    except BadSignature:
        raise LinkError(_("This link is not valid: open the page again from the helpdesk.")) from None
    return PageGrant(installation_id=int(data["installation"]), user_ref=data.get("user"), role=data["role"])
