"""Demo table, CLI lines and page errors render in Italian with Italian number formats."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from markupsafe import escape

from plugin.cli import data_attribution, main
from plugin.commands.table import print_tables


def _cell(value, target, status, samples):
    return [{"milestone": "2016-03", "value": value, "target": target, "progress": None, "status": status,
             "sample_count": samples, "frozen": True}]


def _contributor(kind, number, name, cell):
    return {"contributor": number, "kind": kind, "user_id": number if kind == "user" else None,
            "team_id": number if kind == "team" else None, "name": name, "team_contributor_id": None,
            "milestones": cell}


PROGRESS = {
    "tickets_closed": {"contributors": [
        _contributor("team", 1, "Group 10", _cell(1234, 1000, "exceeded", 1234)),
        _contributor("user", 2, "Resolver 7", _cell(3, 10, "missed", 3)),
    ]},
    "avg_first_response_time": {"contributors": [
        _contributor("team", 1, "Group 10", _cell(45000, 28800, "missed", 12)),
        _contributor("user", 2, "Resolver 7", _cell(1800, 28800, "exceeded", 2)),
    ]},
    "avg_resolution_time": {"contributors": [
        _contributor("team", 1, "Group 10", _cell(None, 259200, "no_data", 0)),
        _contributor("user", 2, "Resolver 7", _cell(259200, 259200, "achieved", 1)),
    ]},
}


def _render(app, locale: str) -> str:
    out = io.StringIO()
    with app.test_request_context(), force_locale(locale):
        print_tables(PROGRESS, "2016-03", "Europe/Rome", out)
    return out.getvalue()


@pytest.mark.parametrize("text", [
    "Periodo 2016-03, fuso orario Europe/Rome",
    "Team ",
    "Agenti ",
    "Ticket chiusi",
    "Tempo medio di prima risposta",
    "Tempo medio di risoluzione",
    "1.234 / 1.000 superato",
    "12,5 h / 8,0 h non raggiunto (12)",
    "nessun ticket / 72,0 h nessun dato (0)",
    "3 / 10 non raggiunto",
    "0,5 h / 8,0 h superato (2)",
    "72,0 h / 72,0 h raggiunto (1)",
])
def test_demo_table_italian(app, text):
    assert text in _render(app, "it")


@pytest.mark.parametrize("text", ["Milestone 2016-03", "1,234 / 1,000 exceeded", "12.5 h / 8.0 h missed (12)",
                                  "no tickets / 72.0 h no data (0)"])
def test_demo_table_english(app, text):
    assert text in _render(app, "en")


def test_demo_table_italian_has_no_english_heading(app):
    output = _render(app, "it")

    assert "Tickets closed" not in output
    assert "Agents" not in output


def test_data_attribution_italian(app):
    with app.test_request_context(), force_locale("it"):
        line = data_attribution()

    assert line.startswith("Dati: Amaral, C., Fantinato, M., & Peres, S. (2018). Incident management process")
    assert "https://doi.org/10.24432/C57S4H" in line
    assert "https://creativecommons.org/licenses/by/4.0/" in line
    assert "prime 5.998 righe" in line


@pytest.mark.parametrize("language, message", [
    ("it", "Questo link non è valido: apri di nuovo la pagina dall'helpdesk."),
    ("en", "This link is not valid: open the page again from the helpdesk."),
])
def test_overview_invalid_link_localized(client, language, message):
    response = client.get(f"/overview?token=forged&lang={language}")
    page = response.get_data(as_text=True)

    assert response.status_code == 403
    assert escape(message) in page
    assert f'<html lang="{language}">' in page


@pytest.mark.parametrize("language, line", [
    ("it_IT.UTF-8", "Lo schema del database è aggiornato."),
    ("C.UTF-8", "The database schema is up to date."),
])
def test_cli_message_follows_lang(tmp_path, monkeypatch, capsys, language, line):
    for name in ("LC_ALL", "LC_MESSAGES", "DATABASE_URL", "HELPDESK_GOALS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", language)
    monkeypatch.setenv("HELPDESK_GOALS_LOG_LEVEL", "WARNING")  # main() writes it; monkeypatch restores it
    monkeypatch.setenv("HELPDESK_GOALS_INSTANCE_PATH", str(tmp_path))

    status = main(["migrate"])

    assert status == 0
    assert capsys.readouterr().out.strip() == line
