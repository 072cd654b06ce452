"""What the agency home shows: what is late or at risk, each a count that opens the filtered
list it counts, and this month's figures beside the months before.

One selector per section; each runs a fixed number of queries however many rows the agency
has (the home's query count is pinned per role in tests/cockpit). `today` and "this month"
are the agency's: callers run with the agency time zone active (pages) or pass `today`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Agency
from agencies.roles import Role
from campaigns.models import Deliverable, DeliverableStatus, MetricSnapshot
from campaigns.selectors import contracts_ending
from core.money import quantize
from creators.models import EligibilityState, EligibilityStatus, Program
from moderation.models import Case, CaseStatus, Delivery, OutboxMessage
from payouts.commission import breakdowns, commission_terms
from payouts.models import (
    BankImport,
    BankTransaction,
    CreditDebit,
    ImportStatus,
    Match,
    MatchStatus,
    PayoutStatement,
    ReconciliationIssue,
)
from payouts.selectors import trail_prefetches

MONTHS = 6  # this month and the five before it, for the sparklines
ENDING_DAYS = 30  # usage rights and exclusivity ending within this many days
CROSSING_DAYS = 7  # eligibility crossings of the last week
AGE_BUCKETS = ((0, 7), (8, 30), (31, None))  # days since booking of an open bank credit

AGENCY_WIDE = frozenset({Role.OWNER, Role.MANAGER})
SEES_CASES = frozenset({Role.OWNER, Role.MANAGER, Role.COMMUNITY_MANAGER})
SEES_MONEY = frozenset({Role.OWNER, Role.MANAGER, Role.FINANCE})
SEES_CAMPAIGNS = AGENCY_WIDE


@dataclass(frozen=True)
class Tile:
    """One thing to look at: how many, what it is, and the list that shows them."""

    key: str
    count: int
    label: str
    url: str
    tone: str = "warn"  # "bad" for what is already late, "warn" for what soon will be


@dataclass(frozen=True)
class AgeBucket:
    currency: str
    label: str
    amount: Decimal
    count: int
    url: str


@dataclass
class Figure:
    """A month figure with the months before it (oldest first), for a sparkline."""

    key: str
    title: str
    months: list[date]
    values: list[Decimal]
    currency: str = ""  # money figures: one Figure per currency, never summed across them
    percent: bool = False

    @property
    def current(self) -> Decimal:
        return self.values[-1] if self.values else Decimal(0)

    @property
    def previous(self) -> Decimal:
        return self.values[-2] if len(self.values) > 1 else Decimal(0)


@dataclass
class Cockpit:
    role: str
    today: date
    attention: list[Tile] = field(default_factory=list)
    unreconciled: list[AgeBucket] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def waiting(self) -> list[Tile]:
        return [tile for tile in self.attention if tile.count]


def _url(name: str, agency: Agency, **query) -> str:
    url = reverse(name, kwargs={"agency_slug": agency.slug})
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """The first day of this month and of the `count - 1` months before it, oldest first."""
    months = []
    year, month = today.year, today.month
    for _index in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _month_of(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


# --- what is late or at risk ------------------------------------------------------------------


def case_tiles(agency: Agency, *, user, role: str, now: datetime) -> list[Tile]:
    """SLA breaches and cases due within the hour: the agency's for owners and managers, the
    community manager's own cases for them. One query."""
    cases = Case.objects.filter(agency=agency, status=CaseStatus.OPEN)
    mine = role == Role.COMMUNITY_MANAGER
    if mine:
        cases = cases.filter(assignee=user)
    counts = cases.aggregate(
        breached=Count("id", filter=Q(due_at__lt=now)),
        due_soon=Count("id", filter=Q(due_at__gte=now, due_at__lt=now + timedelta(hours=1))),
    )
    scope = {"mine": "1"} if mine else {}
    return [
        Tile(
            "sla_breached",
            counts["breached"],
            ngettext("case past its SLA", "cases past their SLA", counts["breached"]),
            _url("moderation:queue", agency, status="open", overdue="on", **scope),
            tone="bad",
        ),
        Tile(
            "due_within_hour",
            counts["due_soon"],
            ngettext("case due within the hour", "cases due within the hour", counts["due_soon"]),
            # The queue lists open cases soonest due first.
            _url("moderation:queue", agency, status="open", **scope),
        ),
    ]


def outbox_tile(agency: Agency) -> Tile:
    """Replies and DMs the platform refused. One query."""
    failed = OutboxMessage.objects.filter(agency=agency, delivery=Delivery.FAILED).count()
    return Tile(
        "outbox_failed",
        failed,
        ngettext(
            "reply that could not be delivered", "replies that could not be delivered", failed
        ),
        _url("moderation:outbox", agency),
        tone="bad",
    )


def deliverable_tiles(agency: Agency, *, today: date) -> list[Tile]:
    """Drafts waiting for approval and deliverables past their due date. One query."""
    counts = Deliverable.objects.filter(agency=agency).aggregate(
        drafts=Count("id", filter=Q(status=DeliverableStatus.SUBMITTED)),
        overdue=Count("id", filter=Q(due_date__lt=today) & ~Q(status=DeliverableStatus.POSTED)),
    )
    return [
        Tile(
            "drafts_waiting",
            counts["drafts"],
            ngettext("draft waiting for approval", "drafts waiting for approval", counts["drafts"]),
            _url("campaigns:deliverable-list", agency, status=DeliverableStatus.SUBMITTED),
        ),
        Tile(
            "deliverables_overdue",
            counts["overdue"],
            ngettext("deliverable overdue", "deliverables overdue", counts["overdue"]),
            _url("campaigns:deliverable-list", agency, overdue="1"),
            tone="bad",
        ),
    ]


def contracts_ending_tile(agency: Agency, *, today: date) -> Tile:
    """Signed or active contracts whose usage rights or exclusivity end within 30 days.
    One query."""
    ending = contracts_ending(agency=agency, today=today, days=ENDING_DAYS).count()
    return Tile(
        "rights_ending",
        ending,
        ngettext(
            "contract whose usage rights or exclusivity end within 30 days",
            "contracts whose usage rights or exclusivity end within 30 days",
            ending,
        ),
        _url("campaigns:contract-list", agency, ending=str(ENDING_DAYS)),
    )


def payout_tiles(agency: Agency) -> list[Tile]:
    """Exceptions waiting (proposed matches and open reconciliation issues) and failed bank
    imports. Three queries."""
    proposed = Match.objects.filter(agency=agency, status=MatchStatus.PROPOSED).count()
    issues = ReconciliationIssue.objects.filter(agency=agency, resolved_at__isnull=True).count()
    failed = BankImport.objects.filter(agency=agency, status=ImportStatus.FAILED).count()
    waiting = proposed + issues
    return [
        Tile(
            "exceptions",
            waiting,
            ngettext(
                "reconciliation exception waiting", "reconciliation exceptions waiting", waiting
            ),
            _url("payouts:exceptions", agency),
        ),
        Tile(
            "imports_failed",
            failed,
            ngettext("bank file that failed to import", "bank files that failed to import", failed),
            _url("payouts:bank_accounts", agency),
            tone="bad",
        ),
    ]


def eligibility_tile(agency: Agency, *, now: datetime) -> Tile:
    """Creators who became eligible for the Creativity Program in the last week. One query."""
    crossed = EligibilityState.objects.filter(
        agency=agency,
        program=Program.CREATIVITY_PROGRAM,
        status=EligibilityStatus.ELIGIBLE,
        changed_at__gte=now - timedelta(days=CROSSING_DAYS),
    ).count()
    return Tile(
        "eligibility_crossed",
        crossed,
        ngettext(
            "creator became eligible for the Creativity Program this week",
            "creators became eligible for the Creativity Program this week",
            crossed,
        ),
        _url("creators:list", agency, eligibility=Program.CREATIVITY_PROGRAM.value),
        tone="ok",
    )


def open_credit_filter() -> Q:
    """A bank credit not (fully) tied to a statement: the transaction list's `?open=true`."""
    return Q(
        credit_debit=CreditDebit.CREDIT,
        is_reversal=False,
        reversed_by__isnull=True,
        allocated_amount__lt=F("amount"),
    )


def unreconciled_by_age(agency: Agency, *, today: date) -> list[AgeBucket]:
    """What reached the bank and is not tied to a statement yet, per currency and by days
    since booking (0-7, 8-30, over 30), each linking to those credits. One query."""
    ages = {}
    for low, high in AGE_BUCKETS:
        booked = Q(booking_date__lte=today - timedelta(days=low))
        if high is not None:
            booked &= Q(booking_date__gte=today - timedelta(days=high))
        ages[(low, high)] = booked
    aggregates = {}
    for index, booked in enumerate(ages.values()):
        aggregates[f"amount_{index}"] = Sum(F("amount") - F("allocated_amount"), filter=booked)
        aggregates[f"count_{index}"] = Count("id", filter=booked)
    rows = (
        BankTransaction.objects.filter(agency=agency)
        .filter(open_credit_filter())
        .values("currency")
        .annotate(**aggregates)
        .order_by("currency")
    )
    buckets = []
    for row in rows:
        currency = row["currency"]
        for index, (low, high) in enumerate(AGE_BUCKETS):
            count = row[f"count_{index}"]
            if not count:
                continue
            if high is None:
                label = _("over %(days)s days") % {"days": low - 1}
                window = {"booked_to": (today - timedelta(days=low)).isoformat()}
            else:
                label = _("%(low)s to %(high)s days") % {"low": low, "high": high}
                window = {
                    "booked_from": (today - timedelta(days=high)).isoformat(),
                    "booked_to": (today - timedelta(days=low)).isoformat(),
                }
            buckets.append(
                AgeBucket(
                    currency=currency,
                    label=label,
                    amount=quantize(row[f"amount_{index}"] or 0, currency),
                    count=count,
                    url=_url(
                        "payouts:transactions", agency, open="true", currency=currency, **window
                    ),
                )
            )
    return buckets


# --- this month's figures -----------------------------------------------------------------


def received_figures(agency: Agency, *, months: list[date]) -> list[Figure]:
    """Money that reached the bank per month, one Figure per currency. One query."""
    rows = (
        BankTransaction.objects.filter(
            agency=agency,
            credit_debit=CreditDebit.CREDIT,
            is_reversal=False,
            reversed_by__isnull=True,
            booking_date__gte=months[0],
        )
        .annotate(month=TruncMonth("booking_date"))
        .values("currency", "month")
        .annotate(total=Sum("amount"))
        .order_by("currency", "month")
    )
    per_currency: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for row in rows:
        per_currency[row["currency"]][_month_of(row["month"])] = row["total"]
    return [
        Figure(
            "received",
            _("Received"),
            months,
            [quantize(totals.get(month, 0), currency) for month in months],
            currency=currency,
        )
        for currency, totals in sorted(per_currency.items())
    ]


def commission_figures(agency: Agency, *, months: list[date]) -> list[Figure]:
    """The agency's commission on money received per month, one Figure per currency: each
    statement's commission counts in the month its last deposit was booked. Four queries
    (terms, contract rates, statements with their matches and payments)."""
    statements = list(
        PayoutStatement.objects.filter(
            agency=agency,
            matches__status=MatchStatus.CONFIRMED,
            matches__transaction__booking_date__gte=months[0],
        )
        .distinct()
        .prefetch_related(*trail_prefetches())
    )
    if not statements:
        return []
    per_currency: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for breakdown in breakdowns(agency, statements, terms=commission_terms(agency)):
        for net in breakdown.nets:
            booked = [
                m.transaction.booking_date
                for m in breakdown.statement.trail_matches
                if m.status == MatchStatus.CONFIRMED and m.transaction.currency == net.currency
            ]
            if not booked or max(booked) < months[0]:
                continue
            per_currency[net.currency][_month_of(max(booked))] += net.commission
    return [
        Figure(
            "commission",
            _("Commission"),
            months,
            [quantize(totals.get(month, 0), currency) for month in months],
            currency=currency,
        )
        for currency, totals in sorted(per_currency.items())
    ]


def audience_figures(agency: Agency, *, months: list[date]) -> list[Figure]:
    """Views on campaign posts and their engagement rate per month: each post's latest
    figures measured in the month. One query."""
    rows = (
        MetricSnapshot.objects.filter(agency=agency, captured_at__date__gte=months[0])
        .annotate(month=TruncMonth("captured_at"))
        .values("deliverable_id", "month")
        .annotate(
            views=Max("views"), likes=Max("likes"), comments=Max("comments"), shares=Max("shares")
        )
        .order_by()
    )
    views: dict[date, int] = defaultdict(int)
    engaged: dict[date, int] = defaultdict(int)
    for row in rows:
        month = _month_of(row["month"])
        views[month] += row["views"] or 0
        engaged[month] += (row["likes"] or 0) + (row["comments"] or 0) + (row["shares"] or 0)
    if not views:
        return []
    rates = [
        (Decimal(engaged[m]) / Decimal(views[m]) * 100).quantize(Decimal("0.01"))
        if views[m]
        else Decimal(0)
        for m in months
    ]
    return [
        Figure("views", _("Views on campaign posts"), months, [Decimal(views[m]) for m in months]),
        Figure("engagement", _("Engagement rate"), months, rates, percent=True),
    ]


# --- the whole home -----------------------------------------------------------------------


def cockpit_for(agency: Agency, *, user, role: str, now: datetime | None = None) -> Cockpit:
    """The home of a staff member: owners and managers see the agency, a community manager
    their own cases, finance the money."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    months = month_starts(today)
    cockpit = Cockpit(role=role, today=today)
    if role in SEES_CASES:
        cockpit.attention += case_tiles(agency, user=user, role=role, now=now)
        cockpit.attention.append(outbox_tile(agency))
    if role in SEES_CAMPAIGNS:
        cockpit.attention += deliverable_tiles(agency, today=today)
        cockpit.attention.append(contracts_ending_tile(agency, today=today))
    if role in SEES_MONEY:
        cockpit.attention += payout_tiles(agency)
        cockpit.unreconciled = unreconciled_by_age(agency, today=today)
        cockpit.figures += received_figures(agency, months=months)
        cockpit.figures += commission_figures(agency, months=months)
    if role in AGENCY_WIDE:
        cockpit.attention.append(eligibility_tile(agency, now=now))
        cockpit.figures += audience_figures(agency, months=months)
    return cockpit


# --- the creator's own ----------------------------------------------------------------------


@dataclass(frozen=True)
class CreatorMoney:
    """A creator's year in one currency: their net of what reached the bank this year, what
    is due to them and not paid yet, and what was paid to them this year."""

    currency: str
    earned: Decimal
    due: Decimal
    paid: Decimal


@dataclass
class CreatorOverview:
    year: int
    money: list[CreatorMoney]
    expected: dict[str, Decimal]  # platform estimates not yet arrived, per currency
    open_deliverables: int


def creator_overview(agency: Agency, *, creator, today: date) -> CreatorOverview:
    """The creator portal's overview, per currency (never summed across currencies). Six
    queries: statements, their matches, their payments, the commission terms and contract
    rates, and the open deliverables."""
    statements = list(
        PayoutStatement.objects.filter(agency=agency, creator=creator)
        .select_related("contract")
        .prefetch_related(*trail_prefetches())
    )
    year_start = date(today.year, 1, 1)
    earned: dict[str, Decimal] = defaultdict(Decimal)
    due: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    rows = breakdowns(agency, statements, terms=commission_terms(agency)) if statements else []
    for breakdown in rows:
        statement = breakdown.statement
        for net in breakdown.nets:
            booked = [
                m.transaction.booking_date
                for m in statement.trail_matches
                if m.status == MatchStatus.CONFIRMED and m.transaction.currency == net.currency
            ]
            if booked and max(booked) >= year_start:
                earned[net.currency] += net.due
            if net.to_pay > 0:
                due[net.currency] += net.to_pay
        for payment in statement.creator_payments.all():
            if payment.paid_on >= year_start:
                paid[payment.currency] += payment.amount
        if breakdown.expected is not None:
            expected[breakdown.expected.currency] += breakdown.expected.to_creator
    currencies = sorted(earned.keys() | due.keys() | paid.keys())
    open_deliverables = (
        Deliverable.objects.filter(agency=agency, creator=creator)
        .exclude(status=DeliverableStatus.POSTED)
        .count()
    )
    return CreatorOverview(
        year=today.year,
        money=[
            CreatorMoney(
                c,
                quantize(earned.get(c, 0), c),
                quantize(due.get(c, 0), c),
                quantize(paid.get(c, 0), c),
            )
            for c in currencies
        ],
        expected={c: quantize(v, c) for c, v in sorted(expected.items()) if v},
        open_deliverables=open_deliverables,
    )
