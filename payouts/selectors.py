from __future__ import annotations

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)

from agencies.models import Agency
from creators.models import Creator

from .models import (
    BankTransaction,
    CreatorCommission,
    Match,
    MatchStatus,
    PayoutSettings,
    PayoutStatement,
    ReconciliationRun,
)


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
