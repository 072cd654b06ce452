"""Row locks for everything that moves money between bank transactions and statements.

One lock order, on every path (saleor's `lock_objects.py`):

    PayoutSettings (the agency's row)  →  BankTransaction  →  PayoutStatement  →  Match

and by primary key within a kind. Two transactions that take their locks in one order can
wait for each other but never deadlock.

- A reconciliation run takes the agency's PayoutSettings row first in every batch (one run
  of an agency writes at a time), then updates the batch's transactions, then its
  statements, then inserts matches (`writes.write_batch`, guarded updates instead of
  locks; when a guard refuses, the batch is done again locking the transactions and
  statements by pk first). It never locks existing matches.
- Reversals (`reversals._reverse_one`) take the settings row, the reversed credit, the
  statements it paid, then its matches.
- Staff decisions (confirm, reject, unmatch, match by hand) take the pair's transaction,
  statement, then the match, and do NOT take the settings row: they would otherwise wait
  for a run's whole batch, and the row order alone keeps them deadlock-free against runs
  (both sides reach a transaction before its statement). Whoever takes the settings row
  must take it first.

A match's transaction and statement never change, so they can be read before it is locked.
Rejecting a *proposed* match moves no money: it needs the match row only (taken last).
Every function here must run inside a transaction (`select_for_update`).
"""

from __future__ import annotations

from collections.abc import Iterable

from payouts.models import BankTransaction, Match, PayoutSettings, PayoutStatement


def lock_agency(agency_id: int) -> None:
    """The agency's PayoutSettings row: what a run holds while it writes a batch."""
    PayoutSettings.objects.select_for_update().filter(agency_id=agency_id).first()


def lock_money(
    *, agency_id: int, transactions: Iterable[int], statements: Iterable[int]
) -> tuple[dict[int, BankTransaction], dict[int, PayoutStatement]]:
    """Lock bank transactions, then statements, each by pk; returns them by pk."""
    txns = {
        t.pk: t
        for t in BankTransaction.objects.select_for_update()
        .filter(agency_id=agency_id, pk__in=sorted(set(transactions)))
        .order_by("pk")
    }
    stmts = {
        s.pk: s
        for s in PayoutStatement.objects.select_for_update()
        .filter(agency_id=agency_id, pk__in=sorted(set(statements)))
        .order_by("pk")
    }
    return txns, stmts


def lock_pair(
    *, agency_id: int, txn_pk: int, statement_pk: int
) -> tuple[BankTransaction, PayoutStatement, Match | None]:
    """Lock a transaction, a statement and their match if there is one (in that order)."""
    txns, stmts = lock_money(agency_id=agency_id, transactions=[txn_pk], statements=[statement_pk])
    match = (
        Match.objects.select_for_update()
        .filter(agency_id=agency_id, transaction_id=txn_pk, statement_id=statement_pk)
        .first()
    )
    return txns[txn_pk], stmts[statement_pk], match


def lock_for_match(
    match_pk: int, *, agency_id: int
) -> tuple[BankTransaction, PayoutStatement, Match]:
    """Lock a match's transaction, its statement, then the match itself."""
    txn_pk, statement_pk = (
        Match.objects.filter(agency_id=agency_id, pk=match_pk)
        .values_list("transaction_id", "statement_id")
        .get()
    )
    txn, statement, _match = lock_pair(
        agency_id=agency_id, txn_pk=txn_pk, statement_pk=statement_pk
    )
    match = Match.objects.select_for_update().get(agency_id=agency_id, pk=match_pk)
    return txn, statement, match


def lock_matches_of_transaction(
    txn_pk: int, *, agency_id: int, statuses: Iterable[str]
) -> tuple[BankTransaction, list[Match]]:
    """Lock a transaction, the statements of its matches in `statuses`, then those matches.

    Once the transaction is locked its set of matches cannot change (every path that adds a
    match or changes its money locks the transaction first), so reading the statements
    before locking them is safe.
    """
    statuses = list(statuses)
    txns, _none = lock_money(agency_id=agency_id, transactions=[txn_pk], statements=[])
    statement_pks = Match.objects.filter(
        agency_id=agency_id, transaction_id=txn_pk, status__in=statuses
    ).values_list("statement_id", flat=True)
    lock_money(agency_id=agency_id, transactions=[], statements=list(statement_pks))
    matches = list(
        Match.objects.select_for_update()
        .filter(agency_id=agency_id, transaction_id=txn_pk, status__in=statuses)
        .order_by("pk")
    )
    return txns[txn_pk], matches
