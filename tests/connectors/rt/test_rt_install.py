"""``helpdesk-goals install --host rt``: datafile, printed RT steps and backfill, against recorded REST2 responses."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess

import pytest
import responses
from sqlalchemy import func, select

from connectors.rt.install import initialdata, scrip_code
from plugin.cli import main
from plugin.models import InboxEvent, Installation
from tests.conftest import REDIS_URL

from .conftest import RT_TOKEN, RT_URL
from .fake_rest2 import FakeRT

PLUGIN_URL = "https://goals.example.org"


@pytest.fixture
def cli_environment(monkeypatch, tmp_path, database_url, clean_database, redis_connection):
    monkeypatch.setenv("HELPDESK_GOALS_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("HELPDESK_GOALS_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPDESK_GOALS_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("LANG", "C")
    return tmp_path


@pytest.fixture
def fake_rt():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, RT_URL + "/REST/2.0/rt", json={"Version": "5.0.3+dfsg-3~deb12u7"})
        yield FakeRT(mock)


def install(tmp_path, *extra: str) -> int:
    return main(["install", "--host", "rt", "--url", RT_URL, "--token", RT_TOKEN, "--plugin-url", PLUGIN_URL,
                 "--datafile", str(tmp_path / "rt-goals.pl"), *extra])


def installation_rows(engine) -> list[Installation]:
    with engine.connect() as connection:
        return connection.execute(select(Installation.id, Installation.connector, Installation.base_url,
                                         Installation.host_api_token)).all()


def test_install_prints_rt_steps(cli_environment, fake_rt, capsys):
    assert install(cli_environment) == 0
    out = capsys.readouterr().out
    created = json.loads(out[:out.index("}") + 1])
    webhook_url = f"{PLUGIN_URL}/webhooks/rt/{created['installation']}"
    assert f"Set($GoalsWebhookURL, '{webhook_url}');" in out
    assert f"Set($GoalsWebhookSecret, '{created['webhook_secret']}');" in out
    assert f"rt-setup-database-5 --action insert --datafile {cli_environment / 'rt-goals.pl'}" in out


def test_install_stores_rt_settings(cli_environment, fake_rt, clean_database):
    assert install(cli_environment) == 0
    rows = installation_rows(clean_database)
    assert len(rows) == 1
    assert rows[0].connector == "rt"
    assert rows[0].base_url == RT_URL
    assert rows[0].host_api_token == RT_TOKEN


def test_install_writes_private_datafile(cli_environment, fake_rt, capsys):
    assert install(cli_environment) == 0
    created = json.loads(capsys.readouterr().out.split("\n}")[0] + "\n}")
    datafile = cli_environment / "rt-goals.pl"
    text = datafile.read_text()
    assert stat.S_IMODE(datafile.stat().st_mode) == 0o600
    assert f"// '{PLUGIN_URL}/webhooks/rt/{created['installation']}';" in text
    assert f"// '{created['webhook_secret']}';" in text
    assert "return 0 if $self->TransactionObj->CreatorObj->Name eq 'helpdesk-goals';" in text
    assert "QueueObj->Name ne 'Goals'" in text
    assert "ScripCondition => 'User Defined'" in text


@pytest.mark.skipif(shutil.which("perl") is None, reason="perl is not installed")
def test_datafile_is_valid_perl(tmp_path):
    datafile = tmp_path / "rt-goals.pl"
    datafile.write_text(initialdata("http://127.0.0.1:8000/webhooks/rt/1", "it's-a-secret\\", "Goals"))
    checked = subprocess.run(["perl", "-c", str(datafile)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_scrip_code_escapes_secret():
    code = scrip_code("http://127.0.0.1:8000/webhooks/rt/1", "it's")
    assert "RT->Config->Get('GoalsWebhookSecret') // 'it\\'s';" in code


def test_install_backfills_with_progress(cli_environment, fake_rt, capsys, clean_database):
    assert install(cli_environment) == 0
    captured = capsys.readouterr()
    assert "4/4 tickets" in captured.err
    assert re.search(r"stored \d+ events from 4 tickets", captured.out)
    with clean_database.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(InboxEvent)
                                    .where(InboxEvent.connector == "rt")).scalar()
    assert stored > 0


def test_install_without_backfill_reads_no_tickets(cli_environment, fake_rt, clean_database):
    assert install(cli_environment, "--no-backfill") == 0
    assert ("GET", "/tickets") not in fake_rt.requests
    with clean_database.connect() as connection:
        assert connection.execute(select(func.count()).select_from(InboxEvent)).scalar() == 0


def test_install_without_token_fails(cli_environment, clean_database, capsys):
    assert main(["install", "--host", "rt", "--url", RT_URL]) == 2
    assert "--token" in capsys.readouterr().err
    assert installation_rows(clean_database) == []


@responses.activate
def test_install_with_rejected_token_fails(cli_environment, clean_database, capsys):
    responses.add(responses.GET, RT_URL + "/REST/2.0/rt", status=401, json={"message": "Unauthorized"})
    assert install(cli_environment) == 2
    assert "cannot read RT" in capsys.readouterr().err
    assert installation_rows(clean_database) == []
