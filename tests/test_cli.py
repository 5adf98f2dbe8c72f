"""The ``helpdesk-goals`` command line: install and its error messages."""

from __future__ import annotations

import json

import pytest

from plugin.cli import main


@pytest.fixture
def fresh_instance(tmp_path, monkeypatch):
    for name in ("HELPDESK_GOALS_DATABASE_URL", "DATABASE_URL", "HELPDESK_GOALS_REDIS_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HELPDESK_GOALS_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_install_prints_token_and_secret(fresh_instance, capsys):
    code = main(["install", "--name", "Desk", "--time-zone", "Europe/Rome", "--locale", "it"])
    printed = json.loads(capsys.readouterr().out)

    assert code == 0
    assert printed["installation"] == 1
    assert printed["api_token"]
    assert printed["webhook_secret"]
    assert printed["webhook_path"] == "/webhooks/generic/1"
    assert (fresh_instance / "helpdesk-goals.sqlite3").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--host", "nosuchdesk"], "connector 'nosuchdesk' is unknown"),
    (["--time-zone", "Mars/Base"], "time zone 'Mars/Base' is unknown"),
    (["--fiscal-year-start", "13"], "use a month number from 1 to 12"),
])
def test_install_rejects_bad_setting(fresh_instance, capsys, arguments, message):
    code = main(["install", *arguments])

    assert code == 2
    assert message in capsys.readouterr().err


def test_bad_database_url_named(fresh_instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/goals")

    with pytest.raises(SystemExit, match="DATABASE_URL='mysql://root@localhost/goals' is not supported"):
        main(["migrate"])
