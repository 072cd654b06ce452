"""Two people deciding on one pair at once, or a person deciding while a run writes a batch:
neither side deadlocks, and no money is allocated twice.

Each side runs in a thread with its own PostgreSQL connection. So that the dangerous
interleaving happens every time rather than by luck, the first side pauses right after its
first row lock until the second side waits for a lock (or has finished). Had the two sides
taken their locks in different orders, that would be a deadlock and PostgreSQL would abort
one of them; with the one order of payouts/reconciliation/locks.py the second simply waits.

It needs PostgreSQL (row locks, and threads with connections of their own): locally without
it the tests are skipped, under CI (env CI set) they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from payouts.models import BankTransaction, Match, PayoutStatement, ReconciliationRun
from payouts.reconciliation import (
    match_confirm,
    match_manual,
    match_reject,
    match_unmatch,
    run_execute,
)

from .builders import credit, statement

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("needs PostgreSQL; under CI these tests must run")
        pytest.skip("needs PostgreSQL: row locks between threads with their own connections")


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def _outcome(action: Callable[[], object]) -> str:
    try:
        action()
    except ValidationError as exc:
        return "refused: " + " ".join(exc.messages)
    except Exception as exc:  # a deadlock, or anything else the test must show
        return f"error: {type(exc).__name__}: {exc}"
    finally:
        connection.close()  # this thread's own connection
    return "done"


def race(first: Callable[[], object], second: Callable[[], object]) -> tuple[str, str]:
    """Run `first` and `second` at once; `first` holds its first row lock until `second`
    waits for a lock or is done. Returns each side's outcome."""
    second_pid: list[int] = []
    second_ready, first_locked, second_done = (threading.Event() for _ in range(3))
    outcomes: dict[str, str] = {}

    def hold_first_lock(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "FOR UPDATE" in sql and not first_locked.is_set():
            first_locked.set()
            deadline = time.monotonic() + 60
            while not second_done.is_set() and not _waits_for_a_lock(second_pid[0]):
                if time.monotonic() > deadline:
                    raise AssertionError("the second side neither waited nor finished")
                time.sleep(0.005)
        return result

    def run_first():
        try:
            with connection.execute_wrapper(hold_first_lock):
                outcomes["first"] = _outcome(first)
        finally:
            first_locked.set()

    def run_second():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            second_pid.append(cursor.fetchone()[0])
        second_ready.set()
        first_locked.wait()
        try:
            outcomes["second"] = _outcome(second)
        finally:
            second_done.set()

    threads = [threading.Thread(target=run_second)]
    threads[0].start()
    second_ready.wait()
    threads.append(threading.Thread(target=run_first))
    threads[1].start()
    for thread in threads:
        thread.join()
    return outcomes["first"], outcomes["second"]


def assert_allocated_once(agency) -> None:
    """Every allocated amount is the sum of the confirmed matches, within what there is."""
    confirmed = Match.objects.filter(agency=agency, status="confirmed")
    for txn in BankTransaction.objects.filter(agency=agency):
        paid = confirmed.filter(transaction=txn).aggregate(s=Sum("amount"))["s"] or 0
        assert txn.allocated_amount == paid <= txn.amount, txn
    for stmt in PayoutStatement.objects.filter(agency=agency):
        paid = confirmed.filter(statement=stmt).aggregate(s=Sum("statement_amount"))["s"] or 0
        assert stmt.allocated_amount == paid <= stmt.settled_amount, stmt


def proposal(agency, stmt, txn, group="g1") -> Match:
    return Match.objects.create(
        agency=agency,
        statement=stmt,
        transaction=txn,
        amount=txn.amount,
        statement_amount=stmt.settled_amount,
        rule="amount_date",
        confidence=D("0.500"),
        status="proposed",
        group=group,
    )


def confirmed(agency, stmt, txn) -> Match:
    return match_manual(statement=stmt, transaction_=txn, actor=None)


def _ok_or_refused(outcome: str) -> bool:
    return outcome == "done" or outcome.startswith("refused: ")


@pytest.mark.parametrize("confirm_first", [True, False])
def test_confirming_and_matching_by_hand_one_pair_at_once(agency, finance, confirm_first):
    # given a deposit proposed for a statement (and for its look-alike)
    stmt = statement(agency, "TT-1", "100.00")
    look_alike = statement(agency, "TT-2", "100.00")
    txn = credit(agency, "100.00", remittance="payout")
    chosen = proposal(agency, stmt, txn)
    rival = proposal(agency, look_alike, txn)

    # when one person confirms the proposal while another matches the pair by hand
    def confirm():
        return match_confirm(match=chosen, actor=finance)

    def by_hand():
        return match_manual(statement=stmt, transaction_=txn, actor=finance)

    first, second = race(confirm, by_hand) if confirm_first else race(by_hand, confirm)

    # then one of them moved the money, the other was told why not, and nothing deadlocked
    outcomes = sorted([first, second])
    assert outcomes[0] == "done", outcomes
    assert outcomes[1] in (
        "refused: These two are already matched.",
        "refused: Only a proposed match can be confirmed.",
    ), outcomes
    assert Match.objects.get(pk=chosen.pk).status == "confirmed"
    assert Match.objects.get(pk=rival.pk).status == "rejected"
    assert_allocated_once(agency)
    assert BankTransaction.objects.get(pk=txn.pk).allocated_amount == D("100.00")


def test_two_people_confirming_one_proposal_at_once(agency, finance, manager):
    stmt = statement(agency, "TT-1", "100.00")
    txn = credit(agency, "100.00", remittance="payout")
    match = proposal(agency, stmt, txn)

    outcomes = race(
        lambda: match_confirm(match=match, actor=finance),
        lambda: match_confirm(match=match, actor=manager),
    )

    assert outcomes == ("done", "refused: Only a proposed match can be confirmed.")
    assert_allocated_once(agency)
    assert PayoutStatement.objects.get(pk=stmt.pk).allocated_amount == D("100.00")


def test_confirming_two_rival_deposits_for_one_statement_at_once(agency, finance, manager):
    # given two deposits, each proposed as the whole payment of one statement
    stmt = statement(agency, "TT-1", "100.00")
    one = proposal(agency, stmt, credit(agency, "100.00", remittance="a"))
    other = proposal(agency, stmt, credit(agency, "100.00", remittance="b"))

    # when two people confirm one each
    outcomes = race(
        lambda: match_confirm(match=one, actor=finance),
        lambda: match_confirm(match=other, actor=manager),
    )

    # then the statement is paid once; the later confirmation finds its proposal rejected
    assert sorted(outcomes) == ["done", "refused: Only a proposed match can be confirmed."]
    assert sorted(Match.objects.values_list("status", flat=True)) == ["confirmed", "rejected"]
    assert_allocated_once(agency)


@pytest.mark.parametrize("unmatch_first", [True, False])
def test_unmatching_a_deposit_while_confirming_its_rival(agency, finance, manager, unmatch_first):
    # given a statement paid by one deposit, and another deposit proposed for it
    stmt = statement(agency, "TT-1", "100.00")
    paid = confirmed(agency, stmt, credit(agency, "100.00", remittance="a"))
    rival = proposal(agency, stmt, credit(agency, "100.00", remittance="b"))

    def unmatch():
        return match_unmatch(match=paid, actor=finance)

    def confirm():
        return match_confirm(match=rival, actor=manager)

    first, second = race(unmatch, confirm) if unmatch_first else race(confirm, unmatch)

    # then the unmatch went through; the confirmation too if the statement was open again
    # by its turn, else it was told so; never both deposits on the statement
    unmatch_outcome, confirm_outcome = (first, second) if unmatch_first else (second, first)
    assert unmatch_outcome == "done"
    assert confirm_outcome in (
        "done",
        "refused: Nothing is left open on this deposit or statement.",
    )
    assert Match.objects.get(pk=rival.pk).status == (
        "confirmed" if confirm_outcome == "done" else "proposed"
    )
    assert_allocated_once(agency)


def test_rejecting_and_confirming_one_proposal_at_once(agency, finance, manager):
    stmt = statement(agency, "TT-1", "100.00")
    match = proposal(agency, stmt, credit(agency, "100.00", remittance="a"))

    outcomes = race(
        lambda: match_reject(match=match, actor=finance),
        lambda: match_confirm(match=match, actor=manager),
    )

    assert outcomes == ("done", "refused: Only a proposed match can be confirmed.")
    assert Match.objects.get().status == "rejected"
    assert_allocated_once(agency)


@pytest.mark.parametrize("run_first", [True, False])
def test_a_run_writing_a_batch_while_a_person_confirms(agency, finance, run_first):
    # given a statement proposed for one deposit, and another deposit naming it exactly,
    # among referenced statements the run matches in the same batch
    stmt = statement(agency, "TT-TARGET", "100.00", settled_date=dt.date(2025, 1, 30))
    waiting = proposal(agency, stmt, credit(agency, "100.00", remittance="payout"))
    credit(agency, "100.00", remittance="TT-TARGET")
    for n in range(5):
        statement(agency, f"TT-{n:03d}", f"{200 + n}.00")
        credit(agency, f"{200 + n}.00", remittance=f"TT-{n:03d}")
    run = ReconciliationRun.objects.create(agency=agency)

    def reconcile():
        return run_execute(agency=agency, run=run)

    def confirm():
        return match_confirm(match=waiting, actor=finance)

    first, second = race(reconcile, confirm) if run_first else race(confirm, reconcile)

    # then neither deadlocked, the statement is paid once, and the run completed
    assert _ok_or_refused(first) and _ok_or_refused(second), (first, second)
    assert ReconciliationRun.objects.get(pk=run.pk).status == "completed"
    assert_allocated_once(agency)
    paid = PayoutStatement.objects.get(pk=stmt.pk)
    assert (paid.allocated_amount, paid.status) == (D("100.00"), "reconciled")
