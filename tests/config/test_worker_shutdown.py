"""A Celery worker started as the Procfile starts it (REMAP_SIGTERM=SIGQUIT, the project's
settings) and stopped the way honcho, systemd and most platforms stop it: SIGTERM to its
whole process group, pool processes included.

- a task that ends within CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT finishes, and the worker
  exits 0;
- a longer one is stopped and its message goes back on its queue at once (acks_late), where
  the next worker finishes it; the worker still exits 0.

They need Redis (TEST_CELERY_BROKER_URL, default database 5) and fail without it. Each run
uses queues of its own and removes them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
BASE_DIR = Path(settings.BASE_DIR)
GRACE = 3  # seconds: the workers' CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT


@pytest.fixture
def broker():
    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"needs Redis at {BROKER} for a real Celery worker ({exc})")
    return client


@pytest.fixture
def queue(broker):
    name = f"shutdown-{uuid.uuid4().hex[:12]}"
    yield name
    keys = [*broker.scan_iter(match=f"{name}*"), *broker.scan_iter(match=f"*{name}")]
    if keys:
        broker.delete(*keys)
    for tag, payload in broker.hgetall("unacked").items():
        if name.encode() in payload:
            broker.hdel("unacked", tag)
            broker.zrem("unacked_index", tag)


def send(queue: str, seconds: float) -> None:
    """Queue the task by name, as the app's code does, on this run's queue."""
    publisher = Celery("shutdown-test", broker=BROKER)
    # The URL given here: Celery lets a CELERY_BROKER_URL in the environment (CI sets one)
    # win over the app's broker argument.
    with publisher.connection_for_write(BROKER) as connection:
        publisher.send_task(
            "tests.shutdown.sleep", args=[queue, seconds], queue=queue, connection=connection
        )


class Worker:
    """`celery -A config worker` as the Procfile runs it, on this run's queue."""

    def __init__(self, queue: str, tmp_path: Path):
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        env = {
            **os.environ,
            "REMAP_SIGTERM": "SIGQUIT",  # as in the Procfile
            "CELERY_BROKER_URL": BROKER,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": str(GRACE),
            "SHUTDOWN_TEST_REDIS": BROKER,
            "TESTING": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        }
        for name in ("CELERY_RESULT_BACKEND", "REDIS_URL", "DEBUG"):
            env.pop(name, None)
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--include=tests.config.shutdown_tasks",
                "--pool=prefork",
                "--concurrency=1",
                f"--queues={queue}",
                f"--hostname={queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def sigterm_group(self) -> float:
        """SIGTERM to the worker's process group; the seconds it took to exit."""
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=GRACE + 30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker did not stop after SIGTERM:\n{self.tail()}")
        return time.monotonic() - started

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()


def wait_for(predicate, *, worker: Worker, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{worker.tail()}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}:\n{worker.tail()}")


def test_a_task_that_ends_within_the_grace_finishes_and_the_worker_exits_0(
    broker, queue, workers, tmp_path
):
    worker = Worker(queue, tmp_path)
    workers.append(worker)
    send(queue, seconds=1)
    wait_for(lambda: broker.get(f"{queue}:deliveries"), worker=worker, what="the task to start")

    worker.sigterm_group()

    assert worker.process.returncode == 0, worker.tail()
    assert broker.get(f"{queue}:finished") == b"1", worker.tail()
    assert broker.llen(queue) == 0  # acknowledged: nothing left to redeliver


def test_a_longer_task_goes_back_on_its_queue_for_the_next_worker(broker, queue, workers, tmp_path):
    first = Worker(queue, tmp_path)
    workers.append(first)
    send(queue, seconds=600)
    wait_for(lambda: broker.get(f"{queue}:deliveries"), worker=first, what="the task to start")

    took = first.sigterm_group()

    assert first.process.returncode == 0, first.tail()
    assert took < GRACE + 20, first.tail()
    assert broker.get(f"{queue}:finished") is None
    assert broker.llen(queue) == 1, first.tail()  # back on the queue, not waiting an hour

    second = Worker(queue, tmp_path)
    workers.append(second)
    wait_for(lambda: broker.get(f"{queue}:finished"), worker=second, what="the redelivery")
    assert broker.get(f"{queue}:finished") == b"2"
    second.sigterm_group()
    assert second.process.returncode == 0, second.tail()
