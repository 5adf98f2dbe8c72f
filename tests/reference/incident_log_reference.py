"""Expected goal figures for one milestone, computed straight from incident log rows.

This is a test oracle for the incident log replay and for the goal engine. It reads
the CSV itself and does not import ``connectors.generic.incident_log``, so a mistake
in the replay cannot hide in both. It follows the metric definitions of the product
(close events, tickets closed, resolution time, first response time) and the mapping
rules in ``docs/incident-log.md``:

- rows of an incident are sorted by ``sys_updated_at``, then ``sys_mod_count``, then
  file position. Their local times are read in the milestone's zone with ``fold=0``.
  A row never comes before ``opened_at`` or before the previous row of its incident.
- a close is an entry into ``Resolved`` or ``Closed`` from a state outside them, and a
  ticket created in ``Resolved`` is closed at creation. A row leaves that class only
  when ``reopen_count`` rises on it; otherwise its state is ignored.
- the first response is the first row after a ``New`` row that a person (not
  ``Updated by 908``) saved in another state. A ticket that starts past ``New`` takes
  the first row that a person saved. Otherwise there is no sample.
- agents are the ``assigned_to`` value and teams the ``assignment_group`` value on the
  row of the event. ``?`` gets no credit.

Derived from: Amaral, C., Fantinato, M., & Peres, S. (2018). Incident management
process enriched event log [Dataset]. UCI Machine Learning Repository.
https://doi.org/10.24432/C57S4H, licensed under CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

AUTOMATION_SAVER = "Updated by 908"
CLOSED_STATES = ("Resolved", "Closed")
UNSET = "?"


@dataclass
class ContributorFigures:
    """Expected values of one agent, one team or the whole desk in a milestone.

    Durations are whole seconds, because the log has minute precision.
    """

    tickets_closed: int = 0
    resolution_seconds_total: int = 0
    resolution_samples: int = 0
    first_response_seconds_total: int = 0
    first_response_samples: int = 0

    @property
    def avg_resolution_seconds(self) -> float | None:
        if self.resolution_samples == 0:
            return None
        return self.resolution_seconds_total / self.resolution_samples

    @property
    def avg_first_response_seconds(self) -> float | None:
        if self.first_response_samples == 0:
            return None
        return self.first_response_seconds_total / self.first_response_samples


@dataclass
class MilestoneFigures:
    """Expected figures per agent, per team and in total for one milestone."""

    agents: dict[str, ContributorFigures] = field(default_factory=dict)
    teams: dict[str, ContributorFigures] = field(default_factory=dict)
    total: ContributorFigures = field(default_factory=ContributorFigures)

    def agent(self, name: str) -> ContributorFigures:
        return self.agents.setdefault(name, ContributorFigures())

    def team(self, name: str) -> ContributorFigures:
        return self.teams.setdefault(name, ContributorFigures())


@dataclass(frozen=True)
class _Step:
    at: datetime
    state: str
    reopen_count: int
    saver: str
    owner: str
    group: str


def milestone_bounds(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """Return the UTC instants of local midnight on ``start`` and on ``end``."""
    zone = ZoneInfo(zone_name)
    lower = datetime.combine(start, time(0), tzinfo=zone).astimezone(timezone.utc)
    upper = datetime.combine(end, time(0), tzinfo=zone).astimezone(timezone.utc)
    return lower, upper


def expected_figures(log: Path | str | TextIO, start: date, end: date, zone_name: str) -> MilestoneFigures:
    """Compute the expected figures of the milestone ``[start, end)`` in ``zone_name``."""
    lower, upper = milestone_bounds(start, end, zone_name)
    figures = MilestoneFigures()
    for opened, steps in _incidents(log, ZoneInfo(zone_name)):
        _add_closes(figures, opened, steps, lower, upper)
        _add_first_response(figures, opened, steps, lower, upper)
    return figures


def _incidents(log, zone):
    if isinstance(log, (str, Path)):
        with open(log, newline="", encoding="ascii") as stream:
            rows = list(csv.reader(stream))
    else:
        rows = list(csv.reader(log))
    header = rows[0]
    column = {name: header.index(name) for name in header}

    def local(text: str) -> datetime:
        day, month, rest = text.split("-")
        year, clock = rest.split(" ")
        hour, minute = clock.split(":")
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute))
        return naive.replace(tzinfo=zone).astimezone(timezone.utc)

    by_number: dict[str, list[tuple[str, int, int, list[str]]]] = {}
    for position, values in enumerate(rows[1:]):
        updated = values[column["sys_updated_at"]]
        sort_key = (updated[6:10], updated[3:5], updated[0:2], updated[11:])
        by_number.setdefault(values[column["number"]], []).append(
            (sort_key, int(values[column["sys_mod_count"]]), position, values)
        )

    for entries in by_number.values():
        entries.sort(key=lambda entry: entry[:3])
        opened = local(entries[0][3][column["opened_at"]])
        steps = []
        floor = opened
        for _key, _count, _position, values in entries:
            floor = max(floor, local(values[column["sys_updated_at"]]))
            steps.append(
                _Step(
                    at=floor,
                    state=values[column["incident_state"]],
                    reopen_count=int(values[column["reopen_count"]]),
                    saver=values[column["sys_updated_by"]],
                    owner=values[column["assigned_to"]],
                    group=values[column["assignment_group"]],
                )
            )
        yield opened, steps


def _add_closes(figures, opened, steps, lower, upper):
    closes = []  # (time, owner, group) of every close event of the ticket
    closed = steps[0].state in CLOSED_STATES
    if closed:
        closes.append((opened, steps[0].owner, steps[0].group))
    for before, step in zip(steps, steps[1:]):
        if step.state in CLOSED_STATES:
            if not closed:
                closes.append((step.at, step.owner, step.group))
            closed = True
        elif closed and step.reopen_count > before.reopen_count:
            closed = False

    inside = [close for close in closes if lower <= close[0] < upper]
    if not inside:
        return

    figures.total.tickets_closed += 1
    for owner in {owner for _at, owner, _group in inside if owner != UNSET}:
        figures.agent(owner).tickets_closed += 1
    for group in {group for _at, _owner, group in inside if group != UNSET}:
        figures.team(group).tickets_closed += 1

    latest_at, latest_owner, latest_group = inside[-1]
    seconds = int((latest_at - opened).total_seconds())
    credited = [figures.total]
    if latest_owner != UNSET:
        credited.append(figures.agent(latest_owner))
    if latest_group != UNSET:
        credited.append(figures.team(latest_group))
    for contributor in credited:
        contributor.resolution_seconds_total += seconds
        contributor.resolution_samples += 1


def _add_first_response(figures, opened, steps, lower, upper):
    response = None
    if steps[0].state == "New":
        after_new = False
        for step in steps:
            if step.state == "New":
                after_new = True
                continue
            if after_new and step.saver != AUTOMATION_SAVER:
                response = step
                break
    else:
        response = next((step for step in steps if step.saver != AUTOMATION_SAVER), None)

    if response is None or not lower <= response.at < upper:
        return
    seconds = int((response.at - opened) / timedelta(seconds=1))
    credited = [figures.total]
    if response.owner != UNSET:
        credited.append(figures.agent(response.owner))
    if response.group != UNSET:
        credited.append(figures.team(response.group))
    for contributor in credited:
        contributor.first_response_seconds_total += seconds
        contributor.first_response_samples += 1
