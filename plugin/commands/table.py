"""Print goal progress as a plain-text table, per team and per agent, in English or Italian."""

from __future__ import annotations

import re
from typing import TextIO

from flask_babel import gettext as _

from ..text import TEMPLATE_LABELS, format_value, status_label

TEMPLATE_ORDER = ("tickets_closed", "avg_first_response_time", "avg_resolution_time")


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _cell(template: str, cell: dict | None) -> str:
    if cell is None:
        return "-"
    value = format_value(template, cell["value"])
    # A team whose target is the sum of its members' targets has none when it has no members.
    target = "-" if cell["target"] is None else format_value(template, cell["target"])
    text = f"{value} / {target} {status_label(cell['status'])}"
    if template != "tickets_closed":
        text += f" ({cell['sample_count']})"
    return text


def progress_rows(documents: dict[str, dict], kind: str) -> list[tuple[str, dict[str, dict | None]]]:
    """Join the goals' progress by contributor: one row per team or agent, one cell per template.

    Uses the first milestone of each goal; the demo goals have exactly one.
    """
    rows: dict[tuple, dict] = {}
    names: dict[tuple, str] = {}
    for template, document in documents.items():
        for contributor in document["contributors"]:
            if contributor["kind"] != kind:
                continue
            key = (contributor["user_id"], contributor["team_id"])
            names[key] = contributor["name"]
            rows.setdefault(key, {})[template] = contributor["milestones"][0]
    ordered = sorted(rows, key=lambda key: _natural_key(names[key]))
    return [(names[key], {template: rows[key].get(template) for template in TEMPLATE_ORDER}) for key in ordered]


def print_tables(documents: dict[str, dict], milestone_label: str, time_zone: str, out: TextIO) -> None:
    """Write the team table, then the agent table, with localized headings and values."""
    headers = [str(TEMPLATE_LABELS[template]) for template in TEMPLATE_ORDER]
    out.write(_("Milestone %(label)s, time zone %(zone)s", label=milestone_label, zone=time_zone) + "\n")
    out.write(_("Each cell: value / target, status; (n) = tickets in the average.") + "\n\n")

    for kind, title in (("team", _("Teams")), ("user", _("Agents"))):
        rows = progress_rows(documents, kind)
        table = [[title, *headers]] + [[name, *(_cell(t, cells[t]) for t in TEMPLATE_ORDER)] for name, cells in rows]
        widths = [max(len(row[index]) for row in table) for index in range(len(table[0]))]
        for number, row in enumerate(table):
            out.write("  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip() + "\n")
            if number == 0:
                out.write("  ".join("-" * width for width in widths) + "\n")
        out.write("\n")
