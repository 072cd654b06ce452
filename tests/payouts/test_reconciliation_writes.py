"""Writing a run's decisions: a pair made meanwhile is never written twice, and a large run
that writes from a thread ends exactly like one writing inline."""

from __future__ import annotations

import multiprocessing
import os
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F

from payouts.models import BankTransaction, Match, PayoutStatement, ReconciliationRun, RunStatus
from payouts.reconciliation import reconcile, run_execute, runs, writes

from .builders import credit, statement

D = Decimal


def outcome(agency):
    return (
        sorted(
            Match.objects.filter(agency=agency).values_list(
                "statement__platform_reference",
                "transaction__remittance_info",
                "amount",
                "statement_amount",
                "rule",
                "status",
            )
        ),
        sorted(
            BankTransaction.objects.filter(agency=agency).values_list(
                "remittance_info", "allocated_amount"
            )
        ),
        sorted(
            PayoutStatement.objects.filter(agency=agency).values_list(
                "platform_reference", "allocated_amount", "status"
            )
        ),
    )


@pytest.mark.django_db
def test_a_pair_made_while_the_run_decided_is_left_alone_and_the_rest_of_the_batch_written(
    agency, monkeypatch
):
    taken = statement(agency, "TT-2025-000123", "120.00")
    free = statement(agency, "TT-2025-000456", "80.00")
    taken_txn = credit(agency, "120.00", remittance="Payout TT-2025-000123")
    free_txn = credit(agency, "80.00", remittance="Payout TT-2025-000456")
    write_batch = runs.write_batch

    def person_first(agency, run, decisions):
        # After the run read the pairs that exist, a person rejects one it is about to make.
        Match.objects.create(
            agency=agency,
            statement=taken,
            transaction=taken_txn,
            amount=D("120.00"),
            statement_amount=D("120.00"),
            rule="manual",
            confidence=D("1"),
            status="rejected",
        )
        return write_batch(agency, run, decisions)

    monkeypatch.setattr(runs, "write_batch", person_first)
    stats = reconcile(agency=agency)

    assert stats.matched == 1
    assert list(Match.objects.filter(transaction=taken_txn).values_list("status", flat=True)) == [
        "rejected"
    ]
    assert Match.objects.get(transaction=free_txn).statement == free
    taken.refresh_from_db()
    free.refresh_from_db()
    taken_txn.refresh_from_db()
    assert (taken.allocated_amount, taken.status) == (D("0.00"), "settled")
    assert taken_txn.allocated_amount == D("0.00")
    assert (free.allocated_amount, free.status) == (D("80.00"), "reconciled")


@pytest.mark.django_db
@pytest.mark.parametrize("moved", ["statement", "transaction", "deleted"])
def test_money_moved_after_the_run_decided_is_not_allocated_twice(agency, monkeypatch, moved):
    target = statement(agency, "TT-2025-000123", "120.00")
    free = statement(agency, "TT-2025-000456", "80.00")
    target_txn = credit(agency, "120.00", remittance="Payout TT-2025-000123")
    free_txn = credit(agency, "80.00", remittance="Payout TT-2025-000456")
    other_txn = credit(agency, "50.00", remittance="cash deposit")
    doubtful = credit(agency, "7.77", remittance="TIKTOK PAYOUT")
    for n in (1, 2):
        statement(agency, f"TT-2026-00077{n}", "7.77")
    elsewhere = statement(agency, "TT-2025-000999", "95.00")
    write_batch = runs.write_batch
    locked = []

    def by_hand(stmt, txn, amount):
        Match.objects.create(
            agency=agency,
            statement=stmt,
            transaction=txn,
            amount=D(amount),
            statement_amount=D(amount),
            rule="manual",
            confidence=D("1"),
            status="confirmed",
        )
        for model, pk in ((PayoutStatement, stmt.pk), (BankTransaction, txn.pk)):
            model.objects.filter(pk=pk).update(allocated_amount=F("allocated_amount") + D(amount))

    def person_between(agency, run, batch):
        # After the engine decided, before the batch is written, a person moves money.
        named = {d.txn for d in batch.decided()}
        if (doubtful if moved == "deleted" else target_txn).pk not in named:
            return write_batch(agency, run, batch)  # a batch the person's change misses
        if moved == "statement":
            # 50.00 of another credit on the statement the run gives 120.00 to.
            by_hand(target, other_txn, "50.00")
        elif moved == "transaction":
            # 80.00 of the credit the run gives to `target` went to another statement.
            by_hand(elsewhere, target_txn, "80.00")
        else:
            # The credit a proposal names is gone (its bank file was withdrawn).
            BankTransaction.objects.filter(pk=doubtful.pk).delete()
        # As a batch arrives from a deciding process: its decisions still pickled.
        return write_batch(agency, run, batch.packed())

    def spy(agency, run, decisions):
        locked.append(len(decisions))
        return write_locked(agency, run, decisions)

    write_locked = writes._write_locked
    monkeypatch.setattr(runs, "write_batch", person_between)
    monkeypatch.setattr(writes, "_write_locked", spy)
    stats = reconcile(agency=agency)

    if connection.vendor == "postgresql":
        # The optimistic write was refused as a whole and that batch planned again under
        # locks (elsewhere every batch is written under locks).
        assert len(locked) == 1
    target.refresh_from_db()
    target_txn.refresh_from_db()
    free.refresh_from_db()
    if moved == "statement":
        assert stats.matched == 1
        assert not Match.objects.filter(transaction=target_txn).exists()
        assert target.allocated_amount == D("50.00")  # the person's, nothing of the run's
        assert target_txn.allocated_amount == D("0.00")
        assert (free.allocated_amount, free.status) == (D("80.00"), "reconciled")
    elif moved == "transaction":
        assert stats.matched == 1
        assert not Match.objects.filter(transaction=target_txn, statement=target).exists()
        assert (target.allocated_amount, target.status) == (D("0.00"), "settled")
        assert target_txn.allocated_amount == D("80.00")  # the person's, nothing of the run's
        assert Match.objects.filter(transaction=free_txn, statement=free).exists()
    else:
        assert stats.matched == 2 and stats.ambiguous == 0
        assert (target.allocated_amount, target.status) == (D("120.00"), "reconciled")
    assert Match.objects.filter(agency=agency, status="proposed").count() == (
        0 if moved == "deleted" else 2
    )


def books(agency, count):
    for i in range(count):
        amount = f"{100 + i}.25"
        statement(agency, f"TT-2025-{i:06d}", amount)
        credit(agency, amount, remittance=f"Payout TT-2025-{i:06d}")
    # Same amounts twice without a reference: proposals for a person.
    for n in (1, 2):
        statement(agency, f"TT-2026-00077{n}", "7.77")
    credit(agency, "7.77", remittance="TIKTOK PAYOUT")


def needs_postgresql():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("needs PostgreSQL; under CI this test must run")
        pytest.skip("needs PostgreSQL (a large run decides apart only there)")


@pytest.fixture
def children(monkeypatch):
    """The deciding processes started, and whether each has ended."""
    started = []
    real_context = runs.fork_context

    def spy():
        context = real_context()

        class Spied:
            Pipe = staticmethod(context.Pipe)

            @staticmethod
            def Process(**kwargs):
                process = context.Process(**kwargs)
                started.append(process)
                return process

        return Spied

    monkeypatch.setattr(runs, "fork_context", spy)
    return started


@pytest.mark.django_db(transaction=True)
def test_a_large_run_deciding_in_a_child_process_ends_like_one_deciding_inline(
    agency, other_agency, monkeypatch, children
):
    needs_postgresql()
    books(agency, 30)
    books(other_agency, 30)
    monkeypatch.setattr(runs, "BATCH_SIZE", 4)

    monkeypatch.setattr(runs, "DECIDE_APART_FROM", 10)
    apart = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    assert len(children) == 1
    monkeypatch.setattr(runs, "DECIDE_APART_FROM", 10**9)
    inline = run_execute(
        agency=other_agency, run=ReconciliationRun.objects.create(agency=other_agency)
    )

    assert len(children) == 1  # the second run decided in this process
    assert not children[0].is_alive() and children[0].exitcode == 0
    assert apart.status == inline.status == RunStatus.COMPLETED
    assert (apart.matched_count, apart.ambiguous_count, apart.processed, apart.total) == (
        inline.matched_count,
        inline.ambiguous_count,
        inline.processed,
        inline.total,
    )
    assert apart.processed == apart.total
    assert apart.matched_count == 30 and apart.ambiguous_count == 1
    assert outcome(agency) == outcome(other_agency)
    # This process's database connection, which the child inherited, still works.
    assert Match.objects.filter(agency=agency).count() == 32


@pytest.mark.django_db(transaction=True)
def test_an_error_while_writing_fails_the_run_and_stops_the_deciding_process(
    agency, monkeypatch, children
):
    needs_postgresql()
    books(agency, 12)
    monkeypatch.setattr(runs, "BATCH_SIZE", 4)
    monkeypatch.setattr(runs, "DECIDE_APART_FROM", 10)
    write_batch = runs.write_batch
    written = []

    def dies_on_the_second(agency, run, batch):
        if written:
            raise RuntimeError("disk full")
        written.append(write_batch(agency, run, batch))
        return written[-1]

    monkeypatch.setattr(runs, "write_batch", dies_on_the_second)
    run = ReconciliationRun.objects.create(agency=agency)
    with pytest.raises(RuntimeError, match="disk full"):
        run_execute(agency=agency, run=run)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "disk full" in run.error
    assert len(children) == 1 and not children[0].is_alive()
    # What the first batch wrote stays, consistent; nothing after it.
    assert Match.objects.filter(agency=agency).count() == written[0][0] == 4
    for s in PayoutStatement.objects.filter(agency=agency, allocated_amount__gt=0):
        assert s.status == "reconciled"
    # A rerun completes what the failed one would have done.
    monkeypatch.setattr(runs, "write_batch", write_batch)
    rerun = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    assert rerun.status == RunStatus.COMPLETED
    assert Match.objects.filter(agency=agency, status="confirmed").count() == 12


@pytest.mark.django_db(transaction=True)
def test_a_failure_in_the_deciding_process_fails_the_run_with_what_went_wrong(
    agency, monkeypatch, children
):
    needs_postgresql()
    books(agency, 12)
    monkeypatch.setattr(runs, "BATCH_SIZE", 4)
    monkeypatch.setattr(runs, "DECIDE_APART_FROM", 10)
    decide = runs.Engine.decide
    seen = []

    def breaks_on_the_sixth(self, rule, credit):
        seen.append(credit.pk)  # in the child: the parent's list stays empty
        if len(seen) == 6:
            raise ValueError("no rate table")
        return decide(self, rule, credit)

    monkeypatch.setattr(runs.Engine, "decide", breaks_on_the_sixth)
    run = ReconciliationRun.objects.create(agency=agency)
    with pytest.raises(RuntimeError, match="the deciding process failed: ValueError: no rate"):
        run_execute(agency=agency, run=run)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "no rate table" in run.error
    assert seen == []
    assert len(children) == 1 and children[0].exitcode == 0
    # The first batch (4 credits) was decided and written before the child failed.
    assert Match.objects.filter(agency=agency).count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_large_run_decides_apart_inside_a_daemonic_celery_worker_too(agency, monkeypatch):
    # Celery's prefork workers are daemonic: the standard library refuses them children
    # ("daemonic processes are not allowed to have children"); billiard's fork does not.
    needs_postgresql()
    books(agency, 12)
    monkeypatch.setattr(runs, "BATCH_SIZE", 4)
    monkeypatch.setattr(runs, "DECIDE_APART_FROM", 10)
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    with pytest.raises(AssertionError, match="daemonic"):
        multiprocessing.get_context("fork").Process(target=print).start()

    run = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))

    assert run.status == RunStatus.COMPLETED
    assert (run.matched_count, run.ambiguous_count) == (12, 1)


def test_the_deciding_process_keeps_deciding_while_the_writer_is_busy(monkeypatch):
    # Each decided batch is bigger than a pipe holds; the reader reads nothing until deciding
    # is over. Up to runs.AHEAD batches are queued instead of waiting for the pipe.
    big = "x" * 300_000
    finished = threading.Event()

    def decided(engine, credits):
        for n in range(runs.AHEAD):
            yield ("batch", writes.Batch([big, n], size=2), n)
        finished.set()

    monkeypatch.setattr(runs, "_decided", decided)
    receiver, sender = multiprocessing.Pipe(duplex=False)
    decider = threading.Thread(target=runs._decide_in_child, args=(None, [], sender))
    decider.start()

    assert finished.wait(timeout=10), "deciding waited for the writer"
    received = [receiver.recv() for _ in range(runs.AHEAD)]
    assert [processed for _kind, _batch, processed in received] == list(range(runs.AHEAD))
    # The decisions travel pickled; the writer unpickles them only if it needs them.
    batch = received[3][1]
    assert isinstance(batch.decisions, bytes) and batch.size == 2
    assert batch.decided() == [big, 3]
    decider.join(timeout=10)
    assert not decider.is_alive()
    with pytest.raises(EOFError):
        receiver.recv()
