"""Token authentication: each installation has its own API token.

``Authorization: Bearer <token>`` identifies the installation; every query of
the request is then scoped to it. Creating installations needs the deployment's
admin token (``HELPDESK_GOALS_ADMIN_TOKEN``) instead.
"""

from __future__ import annotations

import hmac
from functools import wraps

from flask import current_app, g, request

from ..db import transaction
from ..services.installations import find_by_token
from .errors import Forbidden, Unauthorized


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing API token: send 'Authorization: Bearer <installation API token>'")
    return token.strip()


def require_installation(view):
    """Load the caller's installation into ``g.installation_id`` or answer 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer_token()
        runtime = current_app.extensions["helpdesk_goals"]
        with transaction(runtime.sessions) as session:
            installation = find_by_token(session, token)
            if installation is None:
                raise Unauthorized("the API token is not valid for any installation")
            g.installation_id = installation.id
            g.installation_locale = installation.locale
        return view(*args, **kwargs)

    return wrapper


def require_admin(view):
    """Allow the request only with the deployment's admin token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        configured = current_app.extensions["helpdesk_goals"].settings.admin_token
        if not configured:
            raise Forbidden("creating installations over the API is off: set HELPDESK_GOALS_ADMIN_TOKEN, "
                            "or run 'helpdesk-goals install'")
        if not hmac.compare_digest(_bearer_token().encode(), configured.encode()):
            raise Unauthorized("the admin token does not match HELPDESK_GOALS_ADMIN_TOKEN")
        return view(*args, **kwargs)

    return wrapper
