"""Writing a run's decisions: a pair made meanwhile is never written twice, and a large run
that writes from a thread ends exactly like one writing inline."""

from __future__ import annotations

import os
import threading
from decimal import Decimal

import pytest
from django.db import connection

from payouts.models import BankTransaction, Match, PayoutStatement, ReconciliationRun, RunStatus
from payouts.reconciliation import reconcile, run_execute, runs

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


def books(agency, count):
    for i in range(count):
        amount = f"{100 + i}.25"
        statement(agency, f"TT-2025-{i:06d}", amount)
        credit(agency, amount, remittance=f"Payout TT-2025-{i:06d}")
    # Same amounts twice without a reference: proposals for a person.
    for n in (1, 2):
        statement(agency, f"TT-2026-00077{n}", "7.77")
    credit(agency, "7.77", remittance="TIKTOK PAYOUT")


@pytest.mark.django_db(transaction=True)
def test_a_large_run_writing_from_a_thread_ends_like_one_writing_inline(
    agency, other_agency, monkeypatch
):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("needs PostgreSQL; under CI this test must run")
        pytest.skip("needs PostgreSQL (the writing thread has its own connection)")
    books(agency, 30)
    books(other_agency, 30)
    monkeypatch.setattr(runs, "BATCH_SIZE", 4)
    writers = []
    real_writer = runs.Writer

    def spy(*, threaded):
        writers.append(threaded)
        return real_writer(threaded=threaded)

    monkeypatch.setattr(runs, "Writer", spy)
    threads_before = threading.active_count()

    monkeypatch.setattr(runs, "THREADED_WRITES_FROM", 10)
    threaded = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    monkeypatch.setattr(runs, "THREADED_WRITES_FROM", 10**9)
    inline = run_execute(
        agency=other_agency, run=ReconciliationRun.objects.create(agency=other_agency)
    )

    assert writers == [True, False]
    assert threading.active_count() == threads_before  # the writing thread has stopped
    assert threaded.status == inline.status == RunStatus.COMPLETED
    assert (threaded.matched_count, threaded.ambiguous_count, threaded.processed) == (
        inline.matched_count,
        inline.ambiguous_count,
        inline.processed,
    )
    assert threaded.matched_count == 30 and threaded.ambiguous_count == 1
    assert outcome(agency) == outcome(other_agency)


@pytest.mark.django_db(transaction=True)
def test_an_error_while_writing_from_the_thread_fails_the_run(agency, monkeypatch):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("needs PostgreSQL; under CI this test must run")
        pytest.skip("needs PostgreSQL (the writing thread has its own connection)")
    books(agency, 12)
    monkeypatch.setattr(runs, "BATCH_SIZE", 4)
    monkeypatch.setattr(runs, "THREADED_WRITES_FROM", 10)
    write_batch = runs.write_batch
    written = []

    def dies_on_the_second(agency, run, decisions):
        if written:
            raise RuntimeError("disk full")
        written.append(write_batch(agency, run, decisions))
        return written[-1]

    monkeypatch.setattr(runs, "write_batch", dies_on_the_second)
    run = ReconciliationRun.objects.create(agency=agency)
    with pytest.raises(RuntimeError, match="disk full"):
        run_execute(agency=agency, run=run)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "disk full" in run.error
    # What the first batch wrote stays, consistent; nothing after it.
    assert Match.objects.filter(agency=agency).count() == written[0][0] == 4
    for s in PayoutStatement.objects.filter(agency=agency, allocated_amount__gt=0):
        assert s.status == "reconciled"
