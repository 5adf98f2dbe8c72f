"""``helpdesk-goals serve``: starts the embedded stack and stops all of it on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import redis


def _environment(instance) -> dict:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("HELPDESK_GOALS_") and name not in ("DATABASE_URL", "REDIS_URL")}
    env["HELPDESK_GOALS_INSTANCE_PATH"] = str(instance)
    return env


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(entry))
    return found


def test_sigterm_stops_server_worker_and_redis(tmp_path):
    instance = tmp_path / "instance"
    process = subprocess.Popen([sys.executable, "-m", "plugin.cli", "serve", "--port", "0"],
                               env=_environment(instance), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    try:
        line = process.stdout.readline()
        assert "is serving at http://127.0.0.1:" in line
        deadline = time.monotonic() + 30
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        children = _children(process.pid)
        assert len(children) >= 2

        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert code == 0
    for child in children:
        assert not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z"
    connection = redis.Redis(unix_socket_path=str(instance / "redis.socket"), socket_connect_timeout=1)
    try:
        connection.ping()
        answered = True
    except (redis.ConnectionError, FileNotFoundError):
        answered = False
    assert answered is False
