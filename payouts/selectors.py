from __future__ import annotations

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)

from agencies.models import Agency
from creators.models import Creator

from .models import (
    MATCHABLE_STATUSES,
    BankTransaction,
    CreatorCommission,
    CreditDebit,
    Match,
    MatchStatus,
    PayoutSettings,
    PayoutStatement,
    ReconciliationRun,
)
from .money import quantize


def statement_list(*, agency: Agency) -> QuerySet[PayoutStatement]:
    """The agency's statements with their creators, newest period first (filter with
    payouts.filters.StatementFilter)."""
    return (
        PayoutStatement.objects.for_agency(agency)
        .select_related("creator")
        .order_by("-period_end", "-id")
    )


def exception_queue(*, agency: Agency) -> QuerySet[Match]:
    return (
        Match.objects.for_agency(agency)
        .filter(status=MatchStatus.PROPOSED)
        .select_related("statement__creator", "transaction")
        .order_by("group", "id")
    )


def transaction_list(*, agency: Agency) -> QuerySet[BankTransaction]:
    """The agency's bank transactions, newest booking first (filter with
    payouts.filters.TransactionFilter)."""
    return (
        BankTransaction.objects.for_agency(agency)
        .select_related("bank_account")
        .order_by("-booking_date", "-id")
    )


def run_list(*, agency: Agency) -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.for_agency(agency).order_by("-created_at", "-id")


def recent_confirmed(*, agency: Agency, limit: int = 20) -> QuerySet[Match]:
    return (
        Match.objects.for_agency(agency)
        .filter(status=MatchStatus.CONFIRMED)
        .select_related("statement", "transaction")
        .order_by("-decided_at", "-id")[:limit]
    )


def creators_with_commission(*, agency: Agency) -> QuerySet[Creator]:
    """The agency's creators, each with `commission_percent` (None: the agency default)."""
    rate = CreatorCommission.objects.filter(creator=OuterRef("pk")).values("rate")[:1]
    percent = ExpressionWrapper(
        Subquery(rate) * Value(100), output_field=DecimalField(max_digits=7, decimal_places=4)
    )
    return (
        Creator.objects.for_agency(agency)
        .annotate(commission_percent=percent)
        .order_by("display_name", "id")
    )


def reconciliation_report(*, agency: Agency, creator=None) -> QuerySet[PayoutStatement]:
    qs = PayoutStatement.objects.for_agency(agency).select_related("creator", "contract")
    if creator is not None:
        qs = qs.filter(creator=creator)
    confirmed = (
        Match.objects.filter(status=MatchStatus.CONFIRMED)
        .select_related("transaction")
        .order_by("pk")
    )
    return qs.prefetch_related(
        Prefetch("matches", queryset=confirmed, to_attr="confirmed_matches"),
        "creator_payments",
    ).order_by("-period_end", "-id")


def payout_settings(*, agency: Agency) -> PayoutSettings:
    """The agency's payout settings, or the defaults (unsaved) when it never changed them."""
    return PayoutSettings.objects.filter(agency=agency).first() or PayoutSettings(agency=agency)


def _totals(rows) -> dict[str, str]:
    # SQLite sums decimals without their scale; quantize so every backend prints 50.00.
    return {r["currency"]: str(quantize(r["total"], r["currency"])) for r in rows if r["total"]}


def reconciliation_summary(agency: Agency) -> dict:
    """Where the agency stands: open amounts per currency, exceptions waiting, unmatched."""
    open_statements = (
        PayoutStatement.objects.for_agency(agency)
        .filter(status__in=MATCHABLE_STATUSES, settled_amount__isnull=False)
        .values("currency")
        .annotate(total=Sum(F("settled_amount") - F("allocated_amount")))
        .order_by("currency")
    )
    open_credits = (
        BankTransaction.objects.for_agency(agency)
        .filter(credit_debit=CreditDebit.CREDIT, is_reversal=False, reversed_by__isnull=True)
        .values("currency")
        .annotate(total=Sum(F("amount") - F("allocated_amount")))
        .order_by("currency")
    )
    return {
        "open_statements": _totals(open_statements),
        "open_credits": _totals(open_credits),
        "exceptions": Match.objects.for_agency(agency)
        .filter(status=MatchStatus.PROPOSED)
        .values("group")
        .distinct()
        .count(),
    }
