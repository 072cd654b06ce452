"""Reversals: a debit that takes an earlier credit back undoes that credit's matches."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from agencies.models import Agency
from agencies.rls import tenant_transaction
from payouts.models import BankTransaction, CreditDebit, Match, MatchStatus, PayoutSettings

from .decisions import undo_match

BATCH_SIZE = 2000


_REVERSAL_KEYS = ("end_to_end_id", "bank_reference", "remittance_info")


def reverse_pass(agency: Agency, actor=None) -> int:
    """Link each unprocessed reversal to the credit it takes back and undo that credit's
    allocations. Returns how many reversals were applied.

    The original is the latest credit before the reversal on the same account with the same
    amount and the same end-to-end id, else bank reference, else remittance information.
    """
    fields = ["pk", "bank_account_id", "amount", "booking_date", *_REVERSAL_KEYS]
    reversals = list(
        BankTransaction.objects.for_agency(agency)
        .filter(is_reversal=True, reverses__isnull=True)
        .order_by("pk")
        .values(*fields)
    )
    if not reversals:
        return 0
    # Every credit that could be taken back, in one query; picked in memory.
    candidates: dict[tuple[int, Decimal], list[dict]] = defaultdict(list)
    for c in (
        BankTransaction.objects.for_agency(agency)
        .filter(credit_debit=CreditDebit.CREDIT, is_reversal=False, reversed_by__isnull=True)
        .filter(amount__in={r["amount"] for r in reversals})
        .order_by("-booking_date", "-pk")
        .values(*fields)
    ):
        candidates[(c["bank_account_id"], c["amount"])].append(c)
    taken: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for rev in reversals:
        pool = [
            c
            for c in candidates.get((rev["bank_account_id"], rev["amount"]), ())
            if c["booking_date"] <= rev["booking_date"] and c["pk"] not in taken
        ]
        original = next(
            (c for key in _REVERSAL_KEYS if rev[key] for c in pool if c[key] == rev[key]), None
        )
        if original is not None:
            taken.add(original["pk"])
            pairs.append((rev["pk"], original["pk"]))
    if not pairs:
        return 0
    with tenant_transaction(agency.pk):
        # The lock every batch of a run takes: no run matches these credits meanwhile.
        PayoutSettings.objects.select_for_update().filter(agency=agency).first()
        with_matches = set(
            Match.objects.filter(
                transaction_id__in=[o for _r, o in pairs],
                status__in=[MatchStatus.CONFIRMED, MatchStatus.PROPOSED],
            ).values_list("transaction_id", flat=True)
        )
        quiet = [BankTransaction(pk=r, reverses_id=o) for r, o in pairs if o not in with_matches]
        BankTransaction.objects.bulk_update(quiet, ["reverses"], batch_size=BATCH_SIZE)
    for rev_pk, original_pk in pairs:
        if original_pk in with_matches:
            _reverse_one(agency, rev_pk, original_pk, actor)
    return len(pairs)


def _reverse_one(agency: Agency, rev_pk: int, original_pk: int, actor) -> None:
    """Link one reversal to its original and undo the original's matches, atomically."""
    with tenant_transaction(agency.pk):
        PayoutSettings.objects.select_for_update().filter(agency=agency).first()
        original = BankTransaction.objects.select_for_update().get(agency=agency, pk=original_pk)
        BankTransaction.objects.filter(pk=rev_pk).update(reverses=original)
        for match in (
            Match.objects.select_for_update()
            .filter(transaction=original, status__in=[MatchStatus.CONFIRMED, MatchStatus.PROPOSED])
            .order_by("pk")
        ):
            if match.status == MatchStatus.CONFIRMED:
                undo_match(match, actor, status=MatchStatus.REVERSED, action="match.reverse")
            else:
                match.status = MatchStatus.REJECTED
                match.note = _("Deposit reversed by the bank.")[:200]
                match.save(update_fields=["status", "note"])
