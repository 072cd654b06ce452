"""Property-based: whatever the data, reconciliation never over-allocates, allocations add up,
a rerun is a no-op, and a run killed after any batch then run again ends exactly where an
uninterrupted run ends."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from payouts.models import BankTransaction, Match, PayoutStatement
from payouts.reconciliation import reconcile, runs, writes
from tests.factories import AgencyFactory

from .builders import credit, settings_row, statement

pytestmark = pytest.mark.django_db

amounts = st.sampled_from(["10.00", "20.00", "30.00", "15.50", "50.00", "92.00", "100.00"])
statements_st = st.lists(
    st.tuples(amounts, st.sampled_from(["EUR", "USD"]), st.integers(0, 20)), max_size=8
)
# (amount, index of a statement, booking day, how the remittance names it)
REMITTANCE = st.sampled_from(["none", "exact", "truncated", "two", "end_to_end"])
credits_st = st.lists(
    st.tuples(amounts, st.integers(0, 9), st.integers(0, 25), REMITTANCE), max_size=8
)


def ref(i: int) -> str:
    return f"TT-2025-0100{i:04d}"


def build(agency, statements, credits) -> None:
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"})
    for i, (amount, currency, day) in enumerate(statements):
        statement(
            agency,
            ref(i),
            amount,
            currency=currency,
            settled_date=dt.date(2025, 1, 1) + dt.timedelta(days=day),
        )
    count = len(statements)
    for n, (amount, index, day, how) in enumerate(credits):
        named = ref(index) if index < count else "TT-9999"
        remittance = {
            "none": "payout",
            "exact": f"TikTok {named}",
            "truncated": f"TikTok payout {named[:-3]}",
            "two": f"{named} {ref((index + 1) % max(count, 1))}",
            "end_to_end": "payout",
        }[how]
        txn = credit(
            agency,
            amount,
            remittance=remittance,
            end_to_end_id=named if how == "end_to_end" else "",
            booking_date=dt.date(2025, 1, 1) + dt.timedelta(days=day),
        )
        txn.bank_reference = f"C{n}"
        txn.save(update_fields=["bank_reference"])


def outcome(agency):
    """Everything reconciliation decides, keyed so two agencies can be compared."""
    matches = sorted(
        (
            m.statement.platform_reference,
            m.transaction.bank_reference,
            m.amount,
            m.statement_amount,
            m.fx_rate,
            m.difference,
            m.rule,
            m.confidence,
            m.status,
        )
        for m in Match.objects.filter(agency=agency).select_related("statement", "transaction")
    )
    credits = sorted(
        BankTransaction.objects.filter(agency=agency).values_list(
            "bank_reference", "allocated_amount"
        )
    )
    statements = sorted(
        PayoutStatement.objects.filter(agency=agency).values_list(
            "platform_reference", "allocated_amount", "status"
        )
    )
    return matches, credits, statements


class _Killed(Exception):
    """Stands for SIGKILL: the batch being written is lost, nothing after it runs."""


class TestInvariants(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(statements=statements_st, credits=credits_st)
    def test_no_over_allocation_and_a_rerun_is_a_no_op(self, statements, credits):
        agency = AgencyFactory(slug="prop")
        build(agency, statements, credits)

        reconcile(agency=agency)

        for txn in BankTransaction.objects.filter(agency=agency):
            confirmed = txn.matches.filter(status="confirmed").aggregate(s=Sum("amount"))["s"]
            assert (confirmed or Decimal(0)) == txn.allocated_amount
            assert 0 <= txn.allocated_amount <= txn.amount
        for s in PayoutStatement.objects.filter(agency=agency):
            confirmed = s.matches.filter(status="confirmed").aggregate(t=Sum("statement_amount"))[
                "t"
            ]
            assert (confirmed or Decimal(0)) == s.allocated_amount
            assert s.allocated_amount <= s.settled_amount
            if s.status == "reconciled":
                assert s.allocated_amount == s.settled_amount
        # Same-currency allocations sum to the deposit within the fee allowance.
        for m in Match.objects.filter(agency=agency, status="confirmed", fx_rate__isnull=True):
            assert abs(m.statement_amount - m.amount - m.difference) <= Decimal("0.01")

        before = outcome(agency)
        stats = reconcile(agency=agency)
        assert outcome(agency) == before
        assert (stats.matched, stats.ambiguous) == (0, 0)

    @settings(max_examples=40, deadline=None)
    @given(statements=statements_st, credits=credits_st, kill_after=st.integers(0, 25))
    def test_a_run_killed_after_any_batch_then_rerun_ends_like_an_uninterrupted_run(
        self, statements, credits, kill_after
    ):
        interrupted = AgencyFactory(slug="killed")
        uninterrupted = AgencyFactory(slug="whole")
        build(interrupted, statements, credits)
        build(uninterrupted, statements, credits)
        write_batch = writes.write_batch
        written = 0

        def dying_write_batch(agency, run, decisions):
            nonlocal written
            result = write_batch(agency, run, decisions)
            written += 1
            if written > kill_after:
                raise _Killed  # inside the batch's transaction: this batch is lost too
            return result

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(runs, "BATCH_SIZE", 1)
            patch.setattr(runs, "write_batch", dying_write_batch)
            with contextlib.suppress(_Killed):
                reconcile(agency=interrupted)
        reconcile(agency=interrupted)
        reconcile(agency=uninterrupted)

        assert outcome(interrupted) == outcome(uninterrupted)
