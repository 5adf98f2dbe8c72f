"""Run the embedded deployment: web server, RQ worker and RQ cron from one command.

Without ``REDIS_URL`` this process starts the embedded Redis server and the
worker and scheduler processes connect to its socket in the instance folder.
Child processes get the same settings through the environment and stop with
this process.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server

from ..app import create_app
from ..config import PREFIX, Settings
from ..db import upgrade
from ..runtime import QUEUE_NAMES, build_runtime

log = logging.getLogger(__name__)


@dataclass
class Stack:
    """The running parts of the embedded deployment."""

    settings: Settings
    redis_url: str
    server: BaseWSGIServer
    thread: threading.Thread
    app: object
    children: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop the web server and the child processes; wait up to 10 s for each child."""
        self.server.shutdown()
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        log.info("stack.stopped")


def _child_environment(settings: Settings, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env[PREFIX + "INSTANCE_PATH"] = str(settings.instance_path)
    env[PREFIX + "REDIS_URL"] = redis_url
    env[PREFIX + "DATABASE_URL"] = settings.effective_database_url
    env[PREFIX + "LOG_LEVEL"] = settings.log_level
    if settings.secret_key:
        env[PREFIX + "SECRET_KEY"] = settings.secret_key
    return env


def start_stack(settings: Settings, host: str, port: int, workers: int = 1) -> Stack:
    """Migrate the database, start Redis if needed, the workers, the scheduler and the web server.

    Raises ``OSError`` when the port is taken, after stopping what it started.
    """
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    runtime = build_runtime(settings)
    redis_url = settings.redis_url or f"unix://{settings.redis_socket_path}"
    app = create_app(runtime=runtime)

    env = _child_environment(settings, redis_url)
    children = []
    for number in range(workers):
        children.append(subprocess.Popen(
            [sys.executable, "-m", "rq.cli", "worker", *QUEUE_NAMES, "--url", redis_url, "--with-scheduler",
             "--worker-class", "rq.worker.SimpleWorker", "--name", f"helpdesk-goals-{os.getpid()}-{number}",
             "--logging_level", settings.log_level], env=env))
    children.append(subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "cron", "jobs.cron", "--url", redis_url,
         "--logging-level", settings.log_level], env=env))

    try:
        server = make_server(host, port, app, threaded=True)
    except OSError:
        for child in children:
            child.terminate()
        raise
    thread = threading.Thread(target=server.serve_forever, name="web", daemon=True)
    thread.start()
    log.info("stack.started url=http://%s:%s workers=%s redis=%s", host, server.server_port, workers, redis_url)
    return Stack(settings=settings, redis_url=redis_url, server=server, thread=thread, app=app, children=children)


def wait_forever(stack: Stack) -> int:
    """Serve until Ctrl-C, SIGTERM or the exit of a worker or scheduler, then stop the stack.

    Returns the exit code for the command: 0 after Ctrl-C or SIGTERM, 1 when a
    child process exited on its own, because then events would be accepted but
    never processed and a process supervisor should restart the whole stack.
    """

    def stop_on_sigterm(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    code = 0
    try:
        while True:
            exited = [child for child in stack.children if child.poll() is not None]
            if exited:
                for child in exited:
                    log.error("stack.child_exited pid=%s code=%s; stopping", child.pid, child.returncode)
                code = 1
                break
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stack.stop()
    return code
