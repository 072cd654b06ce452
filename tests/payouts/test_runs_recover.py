"""Runs that recover: a run whose worker died is noticed through its heartbeat and resumed by
the periodic job (the same run, audited), given up after too many starts, and never executed
twice at once.

A worker killed in the middle of a run is played here by an exception no handler catches
(`WorkerDied`, a BaseException) raised right after a batch commits: nothing cleans up, the
run stays "running", exactly what SIGKILL leaves behind. The real kill of a whole Celery
worker on PostgreSQL and Redis is in test_worker_kill.py.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditLog
from payouts import tasks
from payouts.models import Match, ReconciliationRun, RunStatus
from payouts.reconciliation import run_execute, run_start, runs

from .builders import credit, statement

pytestmark = pytest.mark.django_db

WINDOW = timedelta(seconds=django_settings.RECONCILIATION_HEARTBEAT_TIMEOUT)


class WorkerDied(BaseException):
    """What a SIGKILL looks like from inside the run: it stops, and nothing cleans up."""


@pytest.fixture
def queued(monkeypatch):
    """The (agency, run) of every reconciliation task queued, instead of running it eagerly."""
    sent = []
    monkeypatch.setattr(tasks.reconciliation_run, "delay", lambda *args: sent.append(args))
    return sent


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 2)


def dying_after(monkeypatch, batches: int) -> None:
    """The worker dies while writing its `batches`-th batch (after writing it, inside the
    batch's transaction): the batches before it are committed, that one is not."""
    real = runs.write_batch
    written = 0

    def write_batch(agency, run, batch):
        nonlocal written
        result = real(agency, run, batch)
        written += 1
        if written == batches:
            raise WorkerDied
        return result

    monkeypatch.setattr(runs, "write_batch", write_batch)


def books(agency, *, seed_refs=8):
    """Statements paid by referenced deposits, two sharing an amount that one deposit fits."""
    for n in range(seed_refs):
        statement(agency, f"TT-{n:03d}", f"{100 + n}.00")
        credit(agency, f"{100 + n}.00", remittance=f"TT-{n:03d}")
    statement(agency, "TT-A", "55.00", settled_date=dt.date(2025, 1, 30))
    statement(agency, "TT-B", "55.00", settled_date=dt.date(2025, 1, 30))
    credit(agency, "55.00", remittance="payout")


def outcome(agency) -> list[tuple]:
    return sorted(
        Match.objects.filter(agency=agency).values_list(
            "statement__platform_reference",
            "transaction__remittance_info",
            "amount",
            "rule",
            "status",
        )
    )


def run_of(run) -> ReconciliationRun:
    return ReconciliationRun.objects.get(pk=run.pk)


def test_a_run_writes_its_heartbeat_with_every_batch(agency, small_batches, monkeypatch):
    books(agency)
    beats = []
    write = runs._write

    def batch_then_look(agency, run, batch, **kwargs):
        ReconciliationRun.objects.filter(pk=run.pk).update(heartbeat_at=None)
        write(agency, run, batch, **kwargs)
        beats.append(ReconciliationRun.objects.get(pk=run.pk).heartbeat_at)

    monkeypatch.setattr(runs, "_write", batch_then_look)
    run = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))

    # 9 credits in batches of 2: 5 batches in the reference pass alone, each with its beat
    assert len(beats) >= 5 and None not in beats
    assert beats == sorted(beats)
    assert run.status == RunStatus.COMPLETED and run.attempts == 1
    assert run.heartbeat_at is not None and run.started_at <= run.heartbeat_at


def test_a_run_whose_worker_died_is_resumed_by_the_periodic_job_and_ends_like_a_whole_run(
    agency, other_agency, queued, small_batches, monkeypatch, django_capture_on_commit_callbacks
):
    # given two agencies with the same books, and a run whose worker dies after two batches
    books(agency)
    books(other_agency)
    run = run_start(agency=agency, actor=None)
    with monkeypatch.context() as patch:
        dying_after(patch, 2)
        with pytest.raises(WorkerDied):
            tasks.reconciliation_run(agency.pk, run.pk)
    died = run_of(run)
    assert (died.status, died.attempts) == (RunStatus.RUNNING, 1)
    at_death = Match.objects.filter(agency=agency).count()
    assert at_death > 0

    # when the periodic jobs run within the heartbeat window
    with time_machine.travel(died.heartbeat_at + WINDOW - timedelta(seconds=1), tick=False):
        assert tasks.resume_stalled_runs() == {"resumed": [], "given_up": []}
        [other_run] = tasks.reconcile_agencies()["started"]

    # then the run is left to its worker, and no second run starts beside it
    assert ReconciliationRun.objects.get(pk=other_run).agency == other_agency
    assert ReconciliationRun.objects.filter(agency=agency).count() == 1

    # when they run once its heartbeat is older than the window
    with (
        time_machine.travel(died.heartbeat_at + WINDOW + timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = tasks.reconcile_agencies()

    # then the same run is queued again
    assert result == {"started": [run.pk]}
    assert queued == [(agency.pk, run.pk)]
    assert ReconciliationRun.objects.filter(agency=agency).count() == 1
    resumed = run_of(run)
    assert (resumed.status, resumed.attempts) == (RunStatus.QUEUED, 1)
    entry = AuditLog.objects.get(action="reconciliation.resume")
    assert (entry.object_id, entry.actor_label) == (str(run.pk), "system")
    assert entry.before["status"] == "running" and entry.after["status"] == "queued"

    # when a worker takes it up, it completes where an uninterrupted run ends
    finished = tasks.reconciliation_run(agency.pk, run.pk)
    whole = run_execute(agency=other_agency, run=ReconciliationRun.objects.get(pk=other_run))
    done = run_of(run)
    assert finished == {"run": run.pk, "status": "completed"}
    assert (done.status, done.attempts) == (RunStatus.COMPLETED, 2)
    assert outcome(agency) == outcome(other_agency)
    assert len(outcome(agency)) > at_death
    assert (done.matched_count, done.ambiguous_count, done.unmatched_count) == (
        whole.matched_count,
        whole.ambiguous_count,
        whole.unmatched_count,
    )


def test_a_redelivered_task_leaves_a_run_alive_on_another_worker_alone(agency, queued):
    # given a run another worker is executing (its heartbeat is fresh)
    books(agency)
    run = run_start(agency=agency, actor=None)
    ReconciliationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )

    # when the broker delivers its message again
    result = tasks.reconciliation_run(agency.pk, run.pk)

    # then this worker does not start a second copy
    assert result == {"run": run.pk, "status": "running"}
    assert run_of(run).attempts == 1
    assert not Match.objects.exists()


def test_a_finished_run_is_not_executed_again(agency):
    books(agency)
    run = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    before = outcome(agency)
    assert tasks.reconciliation_run(agency.pk, run.pk) == {"run": run.pk, "status": "completed"}
    assert (run_of(run).attempts, outcome(agency)) == (1, before)


def test_a_queued_run_no_worker_took_is_queued_again_without_using_an_attempt(
    agency, queued, django_capture_on_commit_callbacks
):
    books(agency)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(agency=agency, actor=None)
    assert queued == [(agency.pk, run.pk)]
    later = run.created_at + WINDOW + timedelta(seconds=1)

    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stalled_runs() == {"resumed": [run.pk], "given_up": []}
        # the window starts again from the new message: not re-queued every minute
        assert tasks.resume_stalled_runs() == {"resumed": [], "given_up": []}
    assert queued == [(agency.pk, run.pk)] * 2
    assert (run_of(run).status, run_of(run).attempts) == (RunStatus.QUEUED, 0)

    # both messages arrive: the first runs it, the second finds it finished
    assert tasks.reconciliation_run(agency.pk, run.pk)["status"] == "completed"
    assert tasks.reconciliation_run(agency.pk, run.pk)["status"] == "completed"
    assert run_of(run).attempts == 1


def test_a_run_whose_worker_keeps_dying_is_given_up_after_the_last_attempt(
    agency, queued, small_batches, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.RECONCILIATION_MAX_ATTEMPTS = 2
    books(agency)
    run = run_start(agency=agency, actor=None)
    now = timezone.now()
    for attempt in (1, 2):
        with monkeypatch.context() as patch:
            dying_after(patch, 2)
            with time_machine.travel(now, tick=False), pytest.raises(WorkerDied):
                tasks.reconciliation_run(agency.pk, run.pk)
        assert run_of(run).attempts == attempt
        now += WINDOW + timedelta(seconds=1)
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            result = tasks.resume_stalled_runs()
        assert result == (
            {"resumed": [run.pk], "given_up": []}
            if attempt == 1
            else {"resumed": [], "given_up": [run.pk]}
        )

    given_up = run_of(run)
    assert given_up.status == RunStatus.FAILED and given_up.finished_at is not None
    assert "stopped 2 times without finishing" in given_up.error
    assert AuditLog.objects.filter(action="reconciliation.give_up").count() == 1
    # what it matched is kept; a message still on the broker starts nothing
    kept = outcome(agency)
    assert len(kept) >= 2
    assert tasks.reconciliation_run(agency.pk, run.pk)["status"] == "failed"
    assert outcome(agency) == kept
    # and the agency is no longer held up: the periodic job starts a new run
    with time_machine.travel(now, tick=False):
        started = tasks.reconcile_agencies()["started"]
    assert len(started) == 1 and started[0] != run.pk


def test_the_run_page_says_a_run_was_resumed(agency, finance_client):
    run = ReconciliationRun.objects.create(
        agency=agency, status=RunStatus.RUNNING, attempts=2, heartbeat_at=timezone.now()
    )
    page = finance_client.get(reverse("payouts:run", args=[agency.slug, run.pk]))
    assert "Resumed after its worker stopped: attempt 2." in page.content.decode()
    assert "Last sign of life" in page.content.decode()
    listing = finance_client.get(reverse("payouts:runs", args=[agency.slug]))
    assert "Running (resumed)" in listing.content.decode()


def test_the_broker_and_the_beat_are_set_for_recovery():
    # a lost message comes back only after the longest task could have ended ...
    options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > django_settings.CELERY_TASK_TIME_LIMIT
    assert tasks.reconciliation_run.acks_late and tasks.reconciliation_run.reject_on_worker_lost
    # ... while a dead worker's run is found within minutes
    beat = django_settings.CELERY_BEAT_SCHEDULE["payouts-resume-stalled-runs"]
    assert beat["task"] == "payouts.resume_stalled_runs" and beat["schedule"] <= 60
    assert django_settings.RECONCILIATION_HEARTBEAT_TIMEOUT <= 5 * 60


@pytest.mark.django_db(transaction=True)
def test_a_worker_beats_while_a_long_step_runs_between_batches(agency, monkeypatch, settings):
    # A separate connection writes the heartbeat: it needs a real database server.
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("needs PostgreSQL; under CI this test must run")
        pytest.skip("needs PostgreSQL (the heartbeat thread has its own connection)")
    settings.RECONCILIATION_HEARTBEAT_TIMEOUT = 1  # a beat every 1/6 s
    books(agency)
    run = ReconciliationRun.objects.create(agency=agency)
    seen = []

    def long_step(agency, *, actor=None, run=None, references=None):
        # A step much longer than the beat interval: wait until the thread has beaten.
        first = run_of(run).heartbeat_at
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = run_of(run).heartbeat_at
            if now != first:
                seen.append((first, now))
                return 0
            time.sleep(0.02)
        return 0

    monkeypatch.setattr(runs, "reverse_pass", long_step)
    threads_before = threading.active_count()
    done = run_execute(agency=agency, run=run)

    assert seen, "no heartbeat was written during the long step"
    assert seen[0][1] > seen[0][0]
    assert done.status == RunStatus.COMPLETED
    assert threading.active_count() == threads_before  # the beating thread has stopped
