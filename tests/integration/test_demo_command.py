"""``helpdesk-goals demo --exit`` on a fresh instance folder, as a new user runs it.

Runs the real command in a subprocess with no configuration (embedded SQLite and
Redis), then checks the printed tables against the independent computation from
the CSV rows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import DEMO_LOG
from tests.reference.incident_log_reference import expected_figures

ZONE = "Europe/Rome"


def _run_demo(tmp_path, *extra: str) -> str:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("HELPDESK_GOALS_") and name not in ("DATABASE_URL", "REDIS_URL")}
    env["HELPDESK_GOALS_INSTANCE_PATH"] = str(tmp_path / "instance")
    completed = subprocess.run([sys.executable, "-m", "plugin.cli", "demo", "--exit", "--port", "0", "--quiet", *extra],
                               env=env, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def _table(output: str, title: str) -> dict[str, list[str]]:
    """Return the rows of the table headed ``title``: name -> cells."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(title + " "))
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells[1:]
    return rows


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "no tickets"
    hours = Decimal(repr(seconds / 3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{hours:,} h"


@pytest.fixture(scope="module")
def reference():
    return expected_figures(DEMO_LOG, date(2016, 2, 1), date(2017, 3, 1), ZONE)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The output of a first demo run on a fresh instance folder, then of a second run on the same folder."""
    folder = tmp_path_factory.mktemp("demo")
    return _run_demo(folder, "--locale", "en"), _run_demo(folder, "--locale", "en")


def test_demo_prints_reference_numbers(two_runs, reference):
    output = two_runs[0]
    teams = _table(output, "Teams")
    agents = _table(output, "Agents")

    assert "Milestone 2016-02-01..2017-02-28" in output
    assert "https://doi.org/10.24432/C57S4H" in output
    assert "/overview?token=" in output
    assert len(agents) == 122
    for name, cells in list(teams.items()) + list(agents.items()):
        figures = (reference.teams if name.startswith("Group") else reference.agents).get(name)
        closed = figures.tickets_closed if figures else 0
        assert cells[0].startswith(f"{closed:,} / "), (name, cells[0])
        response = figures.avg_first_response_seconds if figures else None
        assert cells[1].startswith(_hours(response) + " / "), (name, cells[1])
        resolution = figures.avg_resolution_seconds if figures else None
        assert cells[2].startswith(_hours(resolution) + " / "), (name, cells[2])


def test_demo_twice_stores_nothing_new(two_runs):
    first, second = two_runs

    assert "0 new events" in second
    assert _table(second, "Teams") == _table(first, "Teams")
    assert _table(second, "Agents") == _table(first, "Agents")
