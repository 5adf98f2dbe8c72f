"""Localized text shared by pages and the command line: values, statuses, template names."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .goals.metrics import COUNT_TEMPLATES

STATUS_LABELS = {
    # Translators: status of a contributor's milestone that has not started yet.
    "pending": _l("pending"),
    "in_progress": _l("in progress"),
    "achieved": _l("achieved"),
    "exceeded": _l("exceeded"),
    "missed": _l("missed"),
    "no_data": _l("no data"),
}
TEMPLATE_LABELS = {
    "tickets_closed": _l("Tickets closed"),
    "avg_first_response_time": _l("Average ticket response time"),
    "avg_resolution_time": _l("Average ticket resolution time"),
}


def _locale_name(locale: str | None) -> str:
    if locale:
        return locale
    current = get_locale()
    return str(current) if current else "en"


def format_value(template: str, value: float | None, locale: str | None = None) -> str:
    """Format a value of a built-in template; see ``format_measure``."""
    return format_measure("tickets" if template in COUNT_TEMPLATES else "seconds", value, locale)


def format_measure(unit: str, value: float | None, locale: str | None = None) -> str:
    """Format a value by its unit: tickets as a whole number, seconds as hours with one
    decimal (``12,5 h`` in Italian), percent with one decimal (``87,5 %``).

    A value without samples reads "no tickets", never 0; a count without tickets is 0.
    """
    if value is None:
        return "0" if unit == "tickets" else str(_l("no tickets"))
    if unit == "tickets":
        return format_decimal(value, format="#,##0", locale=_locale_name(locale))
    if unit == "percent":
        share = Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{format_decimal(share, format='#,##0.0', locale=_locale_name(locale))} %"
    # Round half up, as people do by hand; Babel alone would round half to even.
    hours = Decimal(repr(value / 3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{format_decimal(hours, format='#,##0.0', locale=_locale_name(locale))} h"


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
