"""Staff decisions on the exceptions queue: confirm, reject, unmatch, match by hand."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from payouts.models import (
    MATCHABLE_STATUSES,
    ZERO,
    BankTransaction,
    CreditDebit,
    Match,
    MatchRule,
    MatchStatus,
    PayoutStatement,
)
from payouts.money import quantize_rate

from .locks import lock_for_match, lock_pair
from .writes import statement_status_after

MATCH_FIELDS = [
    "statement",
    "transaction",
    "amount",
    "statement_amount",
    "rule",
    "status",
    "note",
]


def apply_match(match: Match, txn: BankTransaction, statement: PayoutStatement, sign: int) -> None:
    txn.allocated_amount += sign * match.amount
    statement.allocated_amount += sign * match.statement_amount
    if txn.allocated_amount > txn.amount or txn.allocated_amount < 0:
        raise ValidationError(_("This would allocate more than the deposit's amount."))
    if statement.settled_amount is None or statement.allocated_amount > statement.settled_amount:
        raise ValidationError(_("This would pay the statement more than it is worth."))
    statement.status = statement_status_after(
        statement.status, statement.allocated_amount, statement.settled_amount
    )
    txn.save(update_fields=["allocated_amount"])
    statement.save(update_fields=["allocated_amount", "status", "updated_at"])


def _decide(
    match: Match, actor, *, status: str, action: str, before: dict, note: str = ""
) -> Match:
    """Record a decision on a locked match (with `note`, the reason, if given); audited."""
    match.status = status
    match.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    match.decided_at = timezone.now()
    fields = ["status", "decided_by", "decided_at"]
    if note:
        match.note = note[:200]
        fields.append("note")
    match.save(update_fields=fields)
    audit_record(
        agency=match.agency,
        actor=actor,
        action=action,
        obj=match,
        before=before,
        after=snapshot(match, MATCH_FIELDS),
    )
    return match


def undo_match(match: Match, actor, *, status: str, action: str, note: str = "") -> Match:
    """Take a match out of play (`status` rejected or reversed, `note` the reason); a
    confirmed one gives its money back to open on both sides. Locks its transaction,
    statement, then the match (`locks.lock_for_match`); the caller holds the transaction."""
    txn, statement, match = lock_for_match(match.pk, agency_id=match.agency_id)
    before = snapshot(match, MATCH_FIELDS)
    if match.status == MatchStatus.CONFIRMED:
        apply_match(match, txn, statement, -1)
    return _decide(match, actor, status=status, action=action, before=before, note=note)


@transaction.atomic
def match_confirm(*, match: Match, actor) -> Match:
    """Confirm a proposed match: moves the money. Locks its transaction, statement, then the
    match (`locks.lock_for_match`), then the competing proposals.

    Competing proposals that no longer fit (their deposit or statement is now fully
    allocated) are rejected in the same transaction.
    """
    txn, statement, match = lock_for_match(match.pk, agency_id=match.agency_id)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError(_("Only a proposed match can be confirmed."))
    before = snapshot(match, MATCH_FIELDS)
    match.amount = min(match.amount, txn.amount - txn.allocated_amount)
    if statement.currency == txn.currency:
        match.statement_amount = min(match.amount, statement.open_amount)
        match.amount = match.statement_amount
    if match.amount <= 0 or match.statement_amount <= 0:
        raise ValidationError(_("Nothing is left open on this deposit or statement."))
    match.status = MatchStatus.CONFIRMED
    match.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    match.decided_at = timezone.now()
    apply_match(match, txn, statement, +1)
    match.save()
    audit_record(
        agency=match.agency,
        actor=actor,
        action="match.confirm",
        obj=match,
        before=before,
        after=snapshot(match, MATCH_FIELDS),
    )
    _reject_rivals(match, txn, statement, actor)
    return match


def _reject_rivals(match: Match, txn: BankTransaction, statement: PayoutStatement, actor) -> None:
    """Reject the proposals that competed with `match` for money now fully allocated. They
    move no money, so only their match rows are locked (last, as locks.py orders)."""
    rivals = (
        Match.objects.select_for_update()
        .filter(status=MatchStatus.PROPOSED, agency_id=match.agency_id)
        .filter(Q(transaction=txn) | Q(statement=statement))
        .exclude(pk=match.pk)
        .order_by("pk")
    )
    for other in rivals:
        full = (other.transaction_id == txn.pk and txn.allocated_amount >= txn.amount) or (
            other.statement_id == statement.pk and statement.open_amount <= 0
        )
        if full:
            before = snapshot(other, MATCH_FIELDS)
            _decide(other, actor, status=MatchStatus.REJECTED, action="match.reject", before=before)


@transaction.atomic
def match_reject(*, match: Match, actor) -> Match:
    """Reject a proposed match; the pair is remembered and never proposed again."""
    _txn, _statement, match = lock_for_match(match.pk, agency_id=match.agency_id)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError(_("Only a proposed match can be rejected."))
    before = snapshot(match, MATCH_FIELDS)
    return _decide(match, actor, status=MatchStatus.REJECTED, action="match.reject", before=before)


@transaction.atomic
def match_unmatch(*, match: Match, actor) -> Match:
    """Undo a confirmed match: the money goes back to open on both sides."""
    txn, statement, match = lock_for_match(match.pk, agency_id=match.agency_id)
    if match.status != MatchStatus.CONFIRMED:
        raise ValidationError(_("Only a confirmed match can be unmatched."))
    before = snapshot(match, MATCH_FIELDS)
    apply_match(match, txn, statement, -1)
    return _decide(match, actor, status=MatchStatus.REJECTED, action="match.unmatch", before=before)


@transaction.atomic
def match_manual(
    *,
    statement: PayoutStatement,
    transaction_: BankTransaction,
    actor,
    amount: Decimal | None = None,
    statement_amount: Decimal | None = None,
    note: str = "",
) -> Match:
    """Match a deposit to a statement by hand (confidence 1, rule manual). Locks the
    deposit, the statement, then their match if one exists (`locks.lock_pair`).

    Defaults to as much as is open on both sides (same currency) or the whole open deposit
    against the whole open statement (different currencies, recording the implied rate).
    Competing proposals that no longer fit are rejected, as on confirming.
    """
    if statement.agency_id != transaction_.agency_id:
        raise ValidationError(_("The deposit and the statement belong to different agencies."))
    if transaction_.credit_debit != CreditDebit.CREDIT or transaction_.is_reversal:
        raise ValidationError(_("Only a bank credit can pay a statement."))
    txn, stmt, match = lock_pair(
        agency_id=statement.agency_id, txn_pk=transaction_.pk, statement_pk=statement.pk
    )
    if stmt.settled_amount is None or stmt.status not in MATCHABLE_STATUSES:
        raise ValidationError(_("Only a settled statement can be matched."))
    if match is not None and match.status == MatchStatus.CONFIRMED:
        raise ValidationError(_("These two are already matched."))
    open_t, open_s = txn.amount - txn.allocated_amount, stmt.open_amount
    if stmt.currency == txn.currency:
        amount = amount if amount is not None else min(open_t, open_s)
        statement_amount = amount
        rate = None
    else:
        amount = amount if amount is not None else open_t
        statement_amount = statement_amount if statement_amount is not None else open_s
        rate = quantize_rate(amount / statement_amount) if statement_amount else None
    if amount <= 0 or statement_amount <= 0:
        raise ValidationError(_("Nothing is left open on this deposit or statement."))
    if amount > open_t or statement_amount > open_s:
        raise ValidationError(_("The amount is larger than what is open."))
    before = snapshot(match, MATCH_FIELDS) if match else None
    if match is None:
        match = Match(agency_id=stmt.agency_id, statement=stmt, transaction=txn)
    match.amount, match.statement_amount, match.fx_rate = amount, statement_amount, rate
    match.difference = ZERO
    match.rule, match.confidence = MatchRule.MANUAL, Decimal("1.000")
    match.status = MatchStatus.CONFIRMED
    match.note = (note or "")[:200]
    match.created_by = match.created_by or (
        actor if getattr(actor, "is_authenticated", False) else None
    )
    match.decided_by, match.decided_at = match.created_by, timezone.now()
    match.full_clean(exclude=["group", "run"])
    apply_match(match, txn, stmt, +1)
    match.save()
    audit_record(
        agency=stmt.agency,
        actor=actor,
        action="match.manual",
        obj=match,
        before=before,
        after=snapshot(match, MATCH_FIELDS),
    )
    _reject_rivals(match, txn, stmt, actor)
    return match
