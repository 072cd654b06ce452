"""Reconciliation: every pass, ambiguity to the exceptions queue, staff decisions, reruns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agencies.models import AuditLog
from payouts.models import BankTransaction, Match, PayoutStatement
from payouts.reconciliation import (
    match_confirm,
    match_manual,
    match_reject,
    match_unmatch,
    reconcile,
)

from .builders import credit, settings_row, statement

D = Decimal
pytestmark = pytest.mark.django_db


def state(agency):
    """Everything reconciliation may change, to compare before and after a rerun."""
    return (
        sorted(
            Match.objects.filter(agency=agency).values_list(
                "statement_id", "transaction_id", "amount", "statement_amount", "rule", "status"
            )
        ),
        sorted(BankTransaction.objects.filter(agency=agency).values_list("pk", "allocated_amount")),
        sorted(
            PayoutStatement.objects.filter(agency=agency).values_list(
                "pk", "allocated_amount", "status"
            )
        ),
    )


def test_an_exact_reference_in_the_remittance_matches_with_full_confidence(agency):
    s = statement(agency, "TT-2025-000123", "120.00")
    txn = credit(agency, "120.00", remittance="TikTok payout tt 2025-000123 January")
    stats = reconcile(agency=agency)
    match = Match.objects.get()
    assert (match.statement, match.transaction, match.rule, match.status) == (
        s,
        txn,
        "reference",
        "confirmed",
    )
    assert match.confidence == D("1.000")
    s.refresh_from_db()
    txn.refresh_from_db()
    assert s.status == "reconciled" and s.allocated_amount == D("120.00")
    assert txn.allocated_amount == D("120.00")
    assert stats.matched == 1


def test_a_reference_in_the_end_to_end_id_matches_too(agency):
    statement(agency, "TT-77", "10.00")
    credit(agency, "10.00", end_to_end_id="TT-77")
    reconcile(agency=agency)
    assert Match.objects.get().rule == "reference"


def test_a_reference_cut_short_by_the_bank_still_matches_its_statement(agency):
    s = statement(agency, "TT-2025-01-00012345", "75.00")
    statement(agency, "TT-2025-01-00099999", "75.00")  # same amount, another reference
    credit(agency, "75.00", remittance="TIKTOK PTE LTD PAYOUT TT-2025-01-00012")

    reconcile(agency=agency)

    match = Match.objects.get()
    assert (match.statement, match.rule, match.status) == (s, "reference", "confirmed")
    assert match.confidence == D("0.900")


def test_a_cut_reference_that_fits_two_statements_goes_to_the_queue(agency):
    statement(agency, "TT-2025-01-00012345", "75.00")
    statement(agency, "TT-2025-01-00012399", "75.00")
    credit(agency, "75.00", remittance="payout TT-2025-01-00012")

    reconcile(agency=agency)

    assert Match.objects.filter(status="proposed").count() == 2
    assert not Match.objects.filter(status="confirmed").exists()


def test_a_short_token_is_never_read_as_a_cut_reference(agency):
    statement(agency, "TT-10", "75.00", settled_date=dt.date(2024, 1, 31))
    credit(agency, "75.00", remittance="TT-1")  # outside the date window too

    reconcile(agency=agency)

    assert not Match.objects.exists()


def test_a_batch_is_found_among_many_statements_settled_the_same_week(agency):
    for i in range(30):
        statement(agency, f"TT-N{i}", f"{1000 + i * 7}.00", settled_date=dt.date(2025, 1, 31))
    a = statement(agency, "TT-A", "12.34", settled_date=dt.date(2025, 1, 31))
    b = statement(agency, "TT-B", "56.78", settled_date=dt.date(2025, 1, 30))
    credit(agency, "69.12", remittance="batch payout", booking_date=dt.date(2025, 2, 2))

    reconcile(agency=agency)

    assert {m.statement for m in Match.objects.filter(status="confirmed")} == {a, b}


def test_a_completed_run_shows_its_counts_and_full_progress(agency):
    from payouts.models import ReconciliationRun
    from payouts.reconciliation import run_execute

    statement(agency, "TT-1", "10.00")
    statement(agency, "TT-2", "50.00")
    statement(agency, "TT-3", "50.00")
    credit(agency, "10.00", remittance="TT-1")
    credit(agency, "50.00")
    credit(agency, "7.00")

    run = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))

    # Three credits, five passes each.
    assert (run.status, run.percent, run.total) == ("completed", 100, 15)
    assert (run.matched_count, run.ambiguous_count, run.unmatched_count) == (1, 1, 1)
    assert run.summary["open_statements"] == {"EUR": "100.00"}
    assert run.summary["exceptions"] == 1
    assert AuditLog.objects.get(action="reconciliation.complete").after["matched"] == 1


def test_an_amount_within_the_date_window_matches_a_single_candidate(agency):
    s = statement(agency, "TT-1", "88.10", settled_date=dt.date(2025, 1, 31))
    credit(agency, "88.10", remittance="payout", booking_date=dt.date(2025, 2, 5))
    reconcile(agency=agency)
    match = Match.objects.get()
    assert (match.statement, match.rule, match.status) == (s, "amount_date", "confirmed")
    assert match.confidence == D("0.900")


def test_an_amount_outside_the_date_window_does_not_match(agency):
    settings_row(agency, date_window_days=3)
    statement(agency, "TT-1", "88.10", settled_date=dt.date(2025, 1, 31))
    credit(agency, "88.10", booking_date=dt.date(2025, 2, 10))
    stats = reconcile(agency=agency)
    assert not Match.objects.exists()
    assert stats.unmatched == 1


def test_two_candidates_for_one_amount_go_to_the_exceptions_queue_never_matched(agency):
    a = statement(agency, "TT-1", "50.00")
    b = statement(agency, "TT-2", "50.00")
    credit(agency, "50.00", remittance="payout")
    stats = reconcile(agency=agency)
    proposals = Match.objects.filter(status="proposed")
    assert {m.statement for m in proposals} == {a, b}
    assert len({m.group for m in proposals}) == 1
    assert not Match.objects.filter(status="confirmed").exists()
    assert stats.ambiguous == 1
    assert set(PayoutStatement.objects.values_list("allocated_amount", flat=True)) == {D("0")}


def test_two_deposits_competing_for_one_statement_are_not_matched(agency):
    statement(agency, "TT-1", "50.00")
    credit(agency, "50.00")
    credit(agency, "50.00")
    reconcile(agency=agency)
    assert not Match.objects.filter(status="confirmed").exists()
    # Both deposits are shown beside the statement, each in its own group.
    proposals = Match.objects.filter(status="proposed")
    assert proposals.count() == 2
    assert len({m.group for m in proposals}) == 2


def test_one_deposit_paying_several_referenced_statements_is_a_batch(agency):
    a = statement(agency, "TT-1001", "10.00")
    b = statement(agency, "TT-1002", "15.50")
    credit(agency, "25.50", remittance="Batch TT-1001 TT-1002")
    reconcile(agency=agency)
    matches = Match.objects.filter(status="confirmed")
    assert {(m.statement, m.amount, m.rule) for m in matches} == {
        (a, D("10.00"), "batch"),
        (b, D("15.50"), "batch"),
    }


def test_one_deposit_equal_to_a_unique_subset_of_statements_is_a_batch(agency):
    a = statement(agency, "TT-1", "10.00")
    b = statement(agency, "TT-2", "20.00")
    statement(agency, "TT-3", "45.00")
    credit(agency, "30.00", remittance="TikTok batch payout")
    reconcile(agency=agency)
    matches = Match.objects.filter(status="confirmed")
    assert {m.statement for m in matches} == {a, b}
    assert {m.rule for m in matches} == {"batch"}


def test_a_batch_with_several_possible_subsets_goes_to_the_queue(agency):
    for ref, amount in [("A", "10.00"), ("B", "20.00"), ("C", "15.00"), ("D", "15.00")]:
        statement(agency, f"TT-{ref}", amount)
    credit(agency, "30.00")
    reconcile(agency=agency)
    assert not Match.objects.filter(status="confirmed").exists()
    assert Match.objects.filter(status="proposed").exists()


def test_one_statement_paid_in_parts(agency):
    s = statement(agency, "TT-500", "300.00")
    credit(agency, "100.00", remittance="TT-500 part 1", booking_date=dt.date(2025, 2, 3))
    reconcile(agency=agency)
    s.refresh_from_db()
    assert (s.allocated_amount, s.status) == (D("100.00"), "paid_by_platform")
    assert Match.objects.get().rule == "partial"
    credit(agency, "200.00", remittance="TT-500 part 2", booking_date=dt.date(2025, 2, 10))
    reconcile(agency=agency)
    s.refresh_from_db()
    assert (s.allocated_amount, s.status) == (D("300.00"), "reconciled")


def test_the_rest_of_a_partly_paid_statement_is_matched_by_amount_in_the_same_run(agency):
    s = statement(agency, "TT-500", "50.00")
    credit(agency, "20.00", remittance="TT-500 part 1")
    rest = credit(agency, "30.00", remittance="payout")

    reconcile(agency=agency)

    s.refresh_from_db()
    assert (s.allocated_amount, s.status) == (D("50.00"), "reconciled")
    assert Match.objects.get(transaction=rest).rule == "amount_date"


def test_a_small_fee_short_of_the_statement_settles_it_and_records_the_difference(agency):
    s = statement(agency, "TT-9", "500.00")
    credit(agency, "498.50", remittance="TT-9")
    reconcile(agency=agency)
    match = Match.objects.get()
    assert (match.amount, match.statement_amount, match.difference) == (
        D("498.50"),
        D("500.00"),
        D("1.50"),
    )
    s.refresh_from_db()
    assert s.status == "reconciled"


def test_a_usd_statement_paid_in_eur_matches_within_the_fx_tolerance(agency):
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"}, fx_tolerance=D("0.03"))
    s = statement(agency, "TT-FX", "1000.00", currency="USD")
    credit(agency, "912.40", currency="EUR", remittance="payout")
    reconcile(agency=agency)
    match = Match.objects.get()
    assert (match.statement, match.rule, match.status) == (s, "fx", "confirmed")
    assert match.fx_rate == D("0.91240000")
    assert match.difference == D("7.60")  # 920.00 expected at the reference rate
    assert match.statement_amount == D("1000.00")


def test_a_usd_statement_outside_the_fx_tolerance_does_not_match(agency):
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"}, fx_tolerance=D("0.01"))
    statement(agency, "TT-FX", "1000.00", currency="USD")
    credit(agency, "850.00", currency="EUR")
    reconcile(agency=agency)
    assert not Match.objects.exists()


def test_a_reversal_undoes_the_allocations_of_its_original(agency):
    s = statement(agency, "TT-1", "40.00")
    original = credit(agency, "40.00", remittance="TT-1", end_to_end_id="E2E-1")
    reconcile(agency=agency)
    assert Match.objects.get().status == "confirmed"
    reversal = credit(
        agency,
        "40.00",
        end_to_end_id="E2E-1",
        debit=True,
        reversal=True,
        booking_date=dt.date(2025, 2, 6),
    )
    reconcile(agency=agency)
    original.refresh_from_db()
    reversal.refresh_from_db()
    s.refresh_from_db()
    assert reversal.reverses == original
    assert Match.objects.get().status == "reversed"
    assert original.allocated_amount == 0
    assert s.allocated_amount == 0 and s.status == "paid_by_platform"
    assert AuditLog.objects.filter(action="match.reverse").count() == 1
    # The reversed credit is not matched again.
    reconcile(agency=agency)
    assert Match.objects.count() == 1


def test_debits_and_other_agencies_are_never_matched(agency, other_agency):
    statement(agency, "TT-1", "10.00")
    credit(agency, "10.00", remittance="TT-1", debit=True)
    credit(other_agency, "10.00", remittance="TT-1")
    reconcile(agency=agency)
    assert not Match.objects.exists()


def test_a_rerun_changes_nothing(agency):
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"})
    statement(agency, "TT-1", "10.00")
    statement(agency, "TT-2", "50.00")
    statement(agency, "TT-3", "50.00")
    statement(agency, "TT-4", "300.00")
    statement(agency, "TT-5", "100.00", currency="USD")
    credit(agency, "10.00", remittance="TT-1")
    credit(agency, "50.00")
    credit(agency, "100.00", remittance="TT-4")
    credit(agency, "92.00")
    credit(agency, "7.00")
    reconcile(agency=agency)
    before = state(agency)
    stats = reconcile(agency=agency)
    assert state(agency) == before
    assert stats.matched == 0 and stats.ambiguous == 0


def test_confirming_a_proposal_moves_the_money_rejects_its_rival_and_is_audited(agency, finance):
    a = statement(agency, "TT-1", "50.00")
    statement(agency, "TT-2", "50.00")
    txn = credit(agency, "50.00")
    reconcile(agency=agency)
    chosen = Match.objects.get(statement=a)
    match_confirm(match=chosen, actor=finance)
    chosen.refresh_from_db()
    txn.refresh_from_db()
    assert chosen.status == "confirmed" and chosen.decided_by == finance
    assert txn.allocated_amount == D("50.00")
    assert Match.objects.exclude(pk=chosen.pk).get().status == "rejected"
    assert AuditLog.objects.filter(action="match.confirm", actor=finance).count() == 1
    # Nothing is proposed again on the next run.
    reconcile(agency=agency)
    assert Match.objects.count() == 2


def test_a_rejected_pair_is_never_proposed_again(agency, finance):
    statement(agency, "TT-1", "50.00")
    credit(agency, "50.00")
    credit(agency, "50.00")
    reconcile(agency=agency)
    match_reject(match=Match.objects.order_by("pk").first(), actor=finance)
    assert AuditLog.objects.filter(action="match.reject").count() == 1
    reconcile(agency=agency)
    assert Match.objects.filter(status="rejected").count() == 1
    assert Match.objects.count() == 2


def test_matching_by_hand_and_unmatching_are_audited_and_keep_the_totals(agency, finance):
    s = statement(agency, "TT-1", "70.00")
    txn = credit(agency, "100.00", remittance="something else", booking_date=dt.date(2024, 1, 1))
    match = match_manual(statement=s, transaction_=txn, actor=finance)
    txn.refresh_from_db()
    s.refresh_from_db()
    assert (match.rule, match.amount, txn.allocated_amount, s.status) == (
        "manual",
        D("70.00"),
        D("70.00"),
        "reconciled",
    )
    match_unmatch(match=match, actor=finance)
    txn.refresh_from_db()
    s.refresh_from_db()
    assert txn.allocated_amount == 0 and s.allocated_amount == 0
    assert s.status == "paid_by_platform"
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"match.manual", "match.unmatch"} <= actions


def test_matching_by_hand_more_than_is_open_is_refused(agency, finance):
    s = statement(agency, "TT-1", "70.00")
    txn = credit(agency, "50.00")
    with pytest.raises(ValidationError):
        match_manual(statement=s, transaction_=txn, actor=finance, amount=D("60.00"))
    assert not Match.objects.exists()


def test_a_confirmed_match_cannot_be_confirmed_again(agency, finance):
    statement(agency, "TT-1", "10.00")
    credit(agency, "10.00", remittance="TT-1")
    reconcile(agency=agency)
    with pytest.raises(ValidationError):
        match_confirm(match=Match.objects.get(), actor=finance)


# --- The periodic job -------------------------------------------------------------------------


def test_the_periodic_job_starts_runs_only_where_something_is_new(
    agency, other_agency, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from payouts import tasks
    from payouts.models import ReconciliationRun
    from payouts.reconciliation import run_execute

    queued = []
    monkeypatch.setattr(tasks.reconciliation_run, "delay", lambda *args: queued.append(args))
    statement(agency, "TT-1", "10.00")
    credit(agency, "10.00", remittance="TT-1")

    # An agency with open credits and no run yet is due; one without bank data is not.
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.reconcile_agencies()
    [run] = ReconciliationRun.objects.all()
    assert (run.agency, run.status, result) == (agency, "queued", {"started": [run.pk]})
    assert queued == [(agency.pk, run.pk)]
    entry = AuditLog.objects.get(action="reconciliation.start")
    assert (entry.actor, entry.actor_label) == (None, "system")

    # While that run is queued nothing else starts; an abandoned one no longer counts.
    assert tasks.reconcile_agencies() == {"started": []}
    ReconciliationRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(hours=7)
    )
    run_execute(agency=agency, run=run)

    # After a completed run nothing is new, until a deposit arrives.
    assert tasks.reconcile_agencies() == {"started": []}
    credit(agency, "5.00", remittance="something")
    assert len(tasks.reconcile_agencies()["started"]) == 1
    assert not ReconciliationRun.objects.filter(agency=other_agency).exists()
