"""A reconciliation worker killed in the middle of a run leaves a state the rerun completes,
and the rerun ends exactly where an uninterrupted run ends.

A real `celery -A config worker` process, on Redis (database 5) and this test's PostgreSQL
database, runs a reconciliation of one agency; once progress shows committed batches it gets
SIGKILL, with no chance to clean up. A second worker runs the same task again (what the
broker does when it redelivers the unacknowledged message; with Redis that happens only after
the visibility timeout, so the test sends it again itself) and is killed too, in one of the
last passes; a third completes the run. Its final matches must equal those of an
uninterrupted run over an identical second agency.

It needs PostgreSQL (a worker process cannot see the in-memory SQLite test database) and
Redis: locally without them it is skipped, under CI (env CI set) it must run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from agencies.models import Agency
from bench.child import database_url
from bench.generators.reconcile import automatic_pairs, load, scenario, truth_pairs
from payouts.models import Match, ReconciliationRun, RunStatus
from payouts.reconciliation import run_execute

BROKER = "redis://127.0.0.1:6379/5"
TASK = "payouts.tasks.reconciliation_run"
SIZE = 15_000  # enough for a run of several seconds in batches of 2,000 credits
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = pytest.mark.django_db(transaction=True)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI this test must run")
    pytest.skip(reason)


@pytest.fixture
def queue(monkeypatch):
    """A queue of this run's own on the broker. Nothing else is touched: two runs of this
    test at once (a developer's and CI's) must not take or delete each other's messages."""
    import redis

    # Celery reads CELERY_BROKER_URL from the environment before any configured broker, so
    # the test's own client would publish to the project's broker (CI sets it) and the
    # worker on BROKER would never see the task.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)

    if connection.vendor != "postgresql":
        _unavailable(
            "needs PostgreSQL: a separate worker process cannot see the in-memory SQLite test "
            "database (run with DATABASE_URL=postgres://…)"
        )
    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"needs Redis at {BROKER} for a real Celery worker ({exc})")
    name = f"reconcile-kill-{uuid.uuid4().hex[:12]}"
    yield name
    _forget(client, name)


def _forget(client, queue: str) -> None:
    """Remove this run's queue, bindings and unacknowledged messages from the broker."""
    keys = [*client.scan_iter(match=f"{queue}*"), *client.scan_iter(match=f"*{queue}")]
    if keys:
        client.delete(*keys)
    for tag, payload in client.hgetall("unacked").items():
        if queue.encode() in payload:  # [message, exchange, routing key]
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


class Worker:
    """`celery -A config worker` in its own process group, logging to a file."""

    def __init__(self, queue: str, log: Path):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),  # the test database, not the development one
            "CELERY_BROKER_URL": BROKER,
            "TESTING": "true",
            # A real worker: TESTING alone would make it run tasks eagerly.
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
        for name in ("CELERY_RESULT_BACKEND", "REDIS_URL", "DEBUG"):
            env.pop(name, None)
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--queues",
                queue,
                "--hostname",
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: the process dies at once, in the middle of whatever it was doing."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _wait_for(predicate, *, timeout: float, worker: Worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{worker.tail()}")
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}:\n{worker.tail()}")


def _send(agency: Agency, run: ReconciliationRun, queue: str) -> None:
    from celery import Celery

    # A client of its own: the test settings may run Celery tasks eagerly.
    with Celery("worker-kill-test", broker=BROKER) as client:
        client.send_task(TASK, args=[agency.pk, run.pk], queue=queue)


def _outcome(agency: Agency) -> list[tuple]:
    """Every match as (statement, credit, amounts, rule, confidence, status), comparable
    across the two agencies (the generator's references and bank references are the same)."""
    return sorted(
        Match.objects.filter(agency=agency).values_list(
            "statement__platform_reference",
            "transaction__bank_reference",
            "amount",
            "statement_amount",
            "fx_rate",
            "difference",
            "rule",
            "confidence",
            "status",
        )
    )


def _run_state(run: ReconciliationRun) -> ReconciliationRun:
    return ReconciliationRun.objects.get(pk=run.pk)


def test_a_worker_killed_mid_run_leaves_a_state_the_rerun_completes_like_an_uninterrupted_run(
    queue, tmp_path
):
    # given two agencies with identical data
    plan = scenario(SIZE, seed=11)
    killed = Agency.objects.create(name="Killed", slug="killed")
    whole = Agency.objects.create(name="Whole", slug="whole")
    load(killed, plan)
    load(whole, plan)
    run = ReconciliationRun.objects.create(agency=killed)
    log = tmp_path / "worker.log"

    # when a worker is killed once some batches are committed
    first = Worker(queue, log)
    try:
        _send(killed, run, queue)
        _wait_for(
            lambda: _run_state(run).matched_count > 0,
            timeout=180,
            worker=first,
            what="the first committed batch",
        )
    finally:
        first.kill()
    interrupted = _run_state(run)
    matches_at_kill = Match.objects.filter(agency=killed).count()

    # then it really stopped half way through its first pass
    assert interrupted.status == RunStatus.RUNNING, "the run finished before the kill"
    assert interrupted.current_pass == "reference"
    assert 0 < interrupted.processed < interrupted.total
    assert matches_at_kill > 0

    # when the task runs again and that worker is killed too, in one of the last passes
    second = Worker(queue, log)
    try:
        _send(killed, run, queue)
        _wait_for(
            lambda: _run_state(run).current_pass in ("batch", "fx"),
            timeout=300,
            worker=second,
            what="the batch or FX pass of the rerun",
        )
    finally:
        second.kill()
    assert _run_state(run).status == RunStatus.RUNNING, "the rerun finished before the kill"

    # when a third worker runs it to the end, and the other agency runs uninterrupted
    third = Worker(queue, log)
    try:
        _send(killed, run, queue)
        completed = _wait_for(
            lambda: (state := _run_state(run)).status == RunStatus.COMPLETED and state,
            timeout=300,
            worker=third,
            what="the rerun to complete",
        )
    finally:
        third.stop()
    reference = run_execute(agency=whole, run=ReconciliationRun.objects.create(agency=whole))

    # then both end in the same place, which is a good place
    assert _outcome(killed) == _outcome(whole)
    assert Match.objects.filter(agency=killed).count() > matches_at_kill
    assert (completed.unmatched_count, completed.matched_count) == (
        reference.unmatched_count,
        reference.matched_count,
    )
    truth = truth_pairs(plan)
    auto = automatic_pairs(killed)
    assert len(auto & truth) / len(auto) >= 0.995
    assert len(auto & truth) / len(truth) >= 0.95
