"""Locale selection: the host user's locale, then the installation's, then English."""

from __future__ import annotations

from flask import g, request

from .config import DEFAULT_LOCALE, SUPPORTED_LOCALES


def select_locale() -> str:
    """Return ``it`` or ``en`` for the current request.

    Order: an explicit ``?lang=`` parameter, the signed-in host user's locale
    (``g.user_locale``), the installation's default (``g.installation_locale``),
    the browser's ``Accept-Language``, then English.
    """
    requested = request.args.get("lang")
    if requested in SUPPORTED_LOCALES:
        return requested
    for name in ("user_locale", "installation_locale"):
        value = getattr(g, name, None)
        if value in SUPPORTED_LOCALES:
            return value
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE
