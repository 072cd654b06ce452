from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext as _

from agencies.models import Agency
from campaigns.models import Campaign
from campaigns.revenue import RevenueFigure
from creators.insights.forecast import StatementFacts
from creators.models import Creator

from .commission import (
    CommissionTerms,
    PayoutBreakdown,
    breakdowns,
    statement_matches,
)
from .models import (
    MATCHABLE_STATUSES,
    SETTLED_STATUSES,
    BankTransaction,
    CreatorCommission,
    CreatorPayment,
    CreditDebit,
    Match,
    MatchStatus,
    PayoutLine,
    PayoutSettings,
    PayoutStatement,
    ReconciliationIssue,
    ReconciliationRun,
)
from .money import quantize, quantize_rate


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


def trail_prefetches() -> list:
    """What `statement_trail(s)` reads of a statement, to prefetch with it: the confirmed
    and reversed matches with their deposits and the returns that took them back (one
    query), and the payments to the creator (one query)."""
    matches = (
        Match.objects.filter(status__in=[MatchStatus.CONFIRMED, MatchStatus.REVERSED])
        .select_related("transaction__reversed_by")
        .order_by("transaction__booking_date", "pk")
    )
    return [
        Prefetch("matches", queryset=matches, to_attr="trail_matches"),
        Prefetch("creator_payments", queryset=CreatorPayment.objects.order_by("paid_on", "pk")),
    ]


def reconciliation_report(*, agency: Agency, creator=None) -> QuerySet[PayoutStatement]:
    """The agency's (or one creator's) statements, newest period first, with everything
    their trails read (three queries however many statements)."""
    qs = PayoutStatement.objects.for_agency(agency).select_related("creator", "contract")
    if creator is not None:
        qs = qs.filter(creator=creator)
    return qs.prefetch_related(*trail_prefetches()).order_by("-period_end", "-id")


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


# --- The trail of one payout: platform amount → deposits → costs → commission → net → paid ----


@dataclass(frozen=True)
class TrailDeposit:
    """One deposit (or the part of it) that paid the statement, or that did and came back."""

    booking_date: dt.date
    bank_reference: str  # the bank's own reference, else the end-to-end id
    amount: Decimal  # in `currency`, the deposit's
    currency: str
    statement_amount: Decimal  # what it settled, in the statement's currency
    implied_rate: Decimal | None  # FX: what the deposit paid per unit of the statement's
    reference_rate: Decimal | None  # FX: the rate it was judged against
    costs: Decimal  # stated minus arrived, in `currency`
    rule: str
    reversed: bool
    returned_on: dt.date | None  # the booking date of the return that took it back
    return_reference: str

    @property
    def is_fx(self) -> bool:
        return self.implied_rate is not None


@dataclass(frozen=True)
class StatementTrail:
    """Everything the statement page, the staff export and the creator portal show of one
    payout's money, in that order."""

    statement: PayoutStatement
    breakdown: PayoutBreakdown
    deposits: tuple[TrailDeposit, ...]  # confirmed, by booking date
    reversed_deposits: tuple[TrailDeposit, ...]
    payments: tuple[CreatorPayment, ...]

    @property
    def platform_amount(self) -> Decimal:
        return self.breakdown.platform_amount

    @property
    def still_expected(self) -> Decimal:
        """What the platform settled that has not arrived yet (statement currency)."""
        return self.statement.open_amount

    @property
    def nets(self):
        return self.breakdown.nets


def _deposit(m: Match) -> TrailDeposit:
    txn = m.transaction
    back = getattr(txn, "reversed_by", None) if m.status == MatchStatus.REVERSED else None
    reference_rate = m.reference_rate
    if m.fx_rate is not None and reference_rate is None and m.statement_amount:
        # Matches from before the rate was stored: the costs are measured against the
        # reference rate, so stated = arrived + costs gives it back.
        reference_rate = quantize_rate((m.amount + m.difference) / m.statement_amount)
    return TrailDeposit(
        booking_date=txn.booking_date,
        bank_reference=txn.bank_reference or txn.end_to_end_id,
        amount=m.amount,
        currency=txn.currency,
        statement_amount=m.statement_amount,
        implied_rate=m.fx_rate,
        reference_rate=reference_rate,
        costs=m.difference,
        rule=m.rule,
        reversed=m.status == MatchStatus.REVERSED,
        returned_on=back.booking_date if back is not None else None,
        return_reference=(back.bank_reference or back.end_to_end_id) if back is not None else "",
    )


def statement_trails(
    *,
    agency: Agency,
    statements: list[PayoutStatement],
    terms: CommissionTerms | None = None,
) -> list[StatementTrail]:
    """The trail of each statement (fetch them with `trail_prefetches()`, as
    `reconciliation_report` does: then no query per statement). Two queries for the agency's
    commission terms unless `terms` is passed, one for contract rates not loaded."""
    trails = []
    for b in breakdowns(agency, statements, terms=terms):
        deposits = [_deposit(m) for m in statement_matches(b.statement)]
        trails.append(
            StatementTrail(
                statement=b.statement,
                breakdown=b,
                deposits=tuple(d for d in deposits if not d.reversed),
                reversed_deposits=tuple(d for d in deposits if d.reversed),
                payments=tuple(b.statement.creator_payments.all()),
            )
        )
    return trails


def statement_trail(statement: PayoutStatement) -> StatementTrail:
    """The trail of one statement (see `statement_trails`)."""
    return statement_trails(agency=statement.agency, statements=[statement])[0]


def open_reconciliation_issues(*, agency: Agency) -> QuerySet[ReconciliationIssue]:
    """Returns that fit no credit and deposits waiting for a rate, oldest first."""
    return (
        ReconciliationIssue.objects.for_agency(agency)
        .filter(resolved_at__isnull=True)
        .select_related("transaction", "statement")
        .order_by("created_at", "id")
    )


# --- Campaign revenue from line items (registered with campaigns.revenue in apps.py) ----------


def campaign_line_revenue(campaign: Campaign) -> list[RevenueFigure]:
    """The campaign's revenue from statement line items carrying its code: per statement
    currency, settled statements apart from those still estimated. One query."""
    rows = (
        PayoutLine.objects.for_agency(campaign.agency_id)
        .filter(campaign_code=campaign.code)
        .values("statement__currency")
        .annotate(
            estimated=Case(
                When(statement__settled_amount__isnull=True, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            total=Sum("amount"),
            items=Count("id"),
        )
        .order_by("statement__currency", "estimated")
    )
    return [
        RevenueFigure(
            source=str(_("Platform payouts")),
            currency=r["statement__currency"],
            amount=quantize(r["total"], r["statement__currency"]),
            items=r["items"],
            estimated=r["estimated"],
        )
        for r in rows
    ]


def creator_settled_statements(*, agency, creator, programs) -> list[StatementFacts]:
    """A creator's settled statements of `programs`, oldest first, as the insight forecast
    reads them (registered with creators in PayoutsConfig.ready)."""
    return [
        StatementFacts(
            key=reference,
            program=source,
            period_start=start,
            period_end=end,
            currency=currency,
            settled_amount=amount,
        )
        for reference, source, start, end, currency, amount in PayoutStatement.objects.for_agency(
            agency
        )
        .filter(
            creator=creator,
            source__in=list(programs),
            status__in=list(SETTLED_STATUSES),
            settled_amount__isnull=False,
        )
        .order_by("period_start", "pk")
        .values_list(
            "platform_reference",
            "source",
            "period_start",
            "period_end",
            "currency",
            "settled_amount",
        )
    ]
