"""gunicorn with config/gunicorn.conf.py, started as production starts it: the settings come
from the environment, a SIGTERM to the master lets the request in flight finish and exits 0,
and /readyz answers 503 through the server when nothing behind it is reachable."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from .test_health import closed_port

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"]


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TESTING": "true",  # the development secret key and plain static files
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "GUNICORN_BIND": "127.0.0.1:0",  # a free port, read back from the log
        "GUNICORN_WORKERS": "1",
        **extra,
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DEBUG", "PORT"):
        if name not in extra:
            env.pop(name, None)
    return env


class Server:
    def __init__(self, tmp_path: Path, *args: str, **env: str):
        self.log = tmp_path / "gunicorn.log"
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and config
            [*GUNICORN, *args],
            cwd=BASE_DIR,
            env=server_env(tmp_path, **env),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = self._listening()

    def _listening(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", self.tail())
            if found and "Booting worker" in self.tail():
                return found.group(1)
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited at start:\n{self.tail()}")
            time.sleep(0.05)
        pytest.fail(f"gunicorn did not start within 60 s:\n{self.tail()}")

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def servers():
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_the_settings_come_from_the_environment():
    env = {
        **os.environ,
        "GUNICORN_BIND": "0.0.0.0:9000",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_THREADS": "2",
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_TIMEOUT": "45",
        "GUNICORN_GRACEFUL_TIMEOUT": "12",
        "GUNICORN_MAX_REQUESTS": "500",
        "GUNICORN_MAX_REQUESTS_JITTER": "50",
        "GUNICORN_ACCESS_LOG": "-",
    }
    printed = subprocess.run(  # noqa: S603
        [*GUNICORN, "--print-config"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", printed, flags=re.MULTILINE))
    assert config["bind"] == "['0.0.0.0:9000']"
    assert config["workers"] == "3"
    assert config["threads"] == "2"
    assert config["worker_class"] == "sync"
    assert config["timeout"] == "45"
    assert config["graceful_timeout"] == "12"
    assert config["max_requests"] == "500"
    assert config["max_requests_jitter"] == "50"
    assert config["accesslog"] == "-"
    assert config["wsgi_app"] == "config.wsgi:application"


def test_the_defaults_take_the_port_from_port_and_leave_the_access_log_off():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    printed = subprocess.run(  # noqa: S603
        [*GUNICORN, "--print-config"],
        cwd=BASE_DIR,
        env={**env, "PORT": "8123"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", printed, flags=re.MULTILINE))
    assert config["bind"] == "['127.0.0.1:8123']"
    assert config["accesslog"] == "None"
    assert config["worker_class"] == "gthread"


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(tmp_path, servers):
    started = tmp_path / "slow-request-started"
    server = Server(
        tmp_path, "tests.config.slow_wsgi:application", SLOW_REQUEST_STARTED=str(started)
    )
    servers.append(server)
    answer: dict = {}

    def slow_request():
        answer["response"] = server.get("/slow?3")

    client = threading.Thread(target=slow_request)
    client.start()
    deadline = time.monotonic() + 30
    while not started.exists():
        assert time.monotonic() < deadline, f"the slow request never arrived:\n{server.tail()}"
        time.sleep(0.02)

    server.process.send_signal(signal.SIGTERM)  # the master only, as an orchestrator does
    client.join(timeout=60)
    exit_status = server.process.wait(timeout=60)

    assert answer["response"] == (200, b'{"status": "ok"}'), server.tail()
    assert exit_status == 0, server.tail()
    assert "Handling signal: term" in server.tail()


def test_readiness_through_the_server_names_every_service_that_is_down(tmp_path, servers):
    down = closed_port()
    server = Server(
        tmp_path,
        DATABASE_URL=f"postgres://talentdesk@127.0.0.1:{down}/talentdesk",
        REDIS_URL=f"redis://127.0.0.1:{down}/0",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{down}/1",
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    servers.append(server)

    assert server.get("/healthz") == (200, b'{"status": "ok"}')
    status, body = server.get("/readyz")
    assert status == 503
    assert json.loads(body) == {
        "status": "unavailable",
        "checks": {
            "database": "unavailable",
            "migrations": "unknown",
            "cache": "unavailable",
            "broker": "unavailable",
        },
        "background": {"state": "unknown"},  # its heartbeat lives in the cache that is down
    }
