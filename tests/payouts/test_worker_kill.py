"""A reconciliation worker killed whole in the middle of a run (SIGKILL to its process group,
pool included) is noticed through the run's heartbeat and resumed, and the resumed run ends
exactly where an uninterrupted run ends.

A real `celery -A config worker` (prefork pool of one), on Redis and this test's PostgreSQL
database, runs a reconciliation of one agency with a heartbeat window of a few seconds; once
progress shows committed batches the whole worker gets SIGKILL, with no chance to clean up.
Its message stays unacknowledged on the broker (redelivered only after the visibility
timeout, an hour). Once the heartbeat is older than the window, the periodic jobs queue the
same run again; a second worker takes it up and is killed too, in one of the last passes;
after the next resume a third completes it. Its final matches must equal those of an
uninterrupted run over an identical second agency, which the third worker runs as well.

It needs PostgreSQL (a worker process cannot see the in-memory SQLite test database) and
Redis (TEST_CELERY_BROKER_URL, default database 5): locally without them it is skipped,
under CI (env CI set) it must run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import current_app
from celery.app.routes import Router
from django.conf import settings
from django.db import connection
from django.utils import timezone

from agencies.models import Agency, AuditLog
from bench.child import database_url
from bench.generators.reconcile import automatic_pairs, load, scenario, truth_pairs
from payouts import tasks
from payouts.models import Match, ReconciliationRun, RunStatus
from payouts.reconciliation import run_start

BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
SIZE = 15_000  # enough for a run of several seconds in batches of 2,000 credits
HEARTBEAT = 3  # seconds: RECONCILIATION_HEARTBEAT_TIMEOUT of the workers and of this test
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
    # this process would publish to the project's broker (CI sets it) and the
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
    # This process queues runs the way the app does (run_start, the periodic jobs): on the
    # broker, to this queue, not eagerly as the test settings would.
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setitem(current_app.conf, "task_default_queue", name)
    # ... whatever CELERY_TASK_ROUTES says (reconciliation has a queue of its own): a router
    # without routes for this test (the app builds its router once and keeps it).
    monkeypatch.setattr(
        current_app.amqp,
        "router",
        Router([], current_app.amqp.queues, create_missing=True, app=current_app),
    )
    # An earlier test of the session may have opened the app's connection pool on the
    # project's broker: publish through fresh pools on BROKER (restored afterwards).
    monkeypatch.setitem(current_app.conf, "broker_url", BROKER)
    monkeypatch.setitem(current_app.conf, "broker_write_url", BROKER)
    monkeypatch.setattr(current_app, "_pool", None)
    monkeypatch.setattr(current_app.amqp, "_producer_pool", None)
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
            "RECONCILIATION_HEARTBEAT_TIMEOUT": str(HEARTBEAT),
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
                # A pool process under a parent, as in production: both die in the kill.
                "--pool=prefork",
                "--concurrency=1",
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
        """SIGKILL to the process group: the worker and its pool die at once, in the middle
        of whatever they were doing."""
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


def _wait_until_silent(run: ReconciliationRun) -> None:
    """Wait until the dead worker's last heartbeat is older than the window."""
    window = timedelta(seconds=HEARTBEAT)
    deadline = time.monotonic() + 60
    while timezone.now() - _run_state(run).heartbeat_at <= window:
        if time.monotonic() > deadline:
            pytest.fail("the run's heartbeat kept moving after its worker was killed")
        time.sleep(0.1)


def _both_completed(*runs: ReconciliationRun) -> tuple | None:
    states = tuple(_run_state(run) for run in runs)
    return states if all(s.status == RunStatus.COMPLETED for s in states) else None


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


def test_a_whole_worker_killed_mid_run_is_resumed_through_its_heartbeat_and_ends_like_a_whole_run(
    queue, tmp_path, settings
):
    # given two agencies with identical data, and a heartbeat window of a few seconds
    settings.RECONCILIATION_HEARTBEAT_TIMEOUT = HEARTBEAT
    plan = scenario(SIZE, seed=11)
    killed = Agency.objects.create(name="Killed", slug="killed")
    whole = Agency.objects.create(name="Whole", slug="whole")
    load(killed, plan)
    load(whole, plan)
    log = tmp_path / "worker.log"

    # when a run is started and its whole worker is killed once some batches are committed
    run = run_start(agency=killed, actor=None)
    first = Worker(queue, log)
    try:
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
    assert (interrupted.current_pass, interrupted.attempts) == ("reference", 1)
    assert 0 < interrupted.processed < interrupted.total
    assert matches_at_kill > 0

    # when its heartbeat is older than the window, the minutely job queues the same run again
    _wait_until_silent(run)
    assert tasks.resume_stalled_runs() == {"resumed": [run.pk], "given_up": []}
    assert _run_state(run).status == RunStatus.QUEUED

    # and a second worker takes it up, and is killed whole too, in one of the last passes
    second = Worker(queue, log)
    try:
        _wait_for(
            lambda: (
                (state := _run_state(run)).attempts == 2 and state.current_pass in ("batch", "fx")
            ),
            timeout=300,
            worker=second,
            what="the batch or FX pass of the resumed run",
        )
    finally:
        second.kill()
    assert _run_state(run).status == RunStatus.RUNNING, "the resumed run finished before the kill"

    # when the hourly job runs after the window: it resumes the run (and starts the other
    # agency's first run), and a third worker runs both to the end
    _wait_until_silent(run)
    started = tasks.reconcile_agencies()["started"]
    [reference] = ReconciliationRun.objects.filter(agency=whole)
    assert started == [run.pk, reference.pk]
    third = Worker(queue, log)
    try:
        completed, reference = _wait_for(
            lambda: _both_completed(run, reference),
            timeout=300,
            worker=third,
            what="the resumed run and the uninterrupted one to complete",
        )
    finally:
        third.stop()

    # then both end in the same place, which is a good place
    assert completed.attempts == 3 and reference.attempts == 1
    assert AuditLog.objects.filter(action="reconciliation.resume", agency=killed).count() == 2
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
