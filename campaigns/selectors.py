"""Reads for campaigns: lists, the campaign dashboard, experiment results.

The dashboard takes a fixed number of queries whatever the number of deliverables and
snapshots (the benchmark and the tests pin it). Definitions, also shown in the sponsor
report's methodology page:
- every figure of a deliverable comes from its latest snapshot (as of `until`);
- engagement rate = (likes + comments + shares) / views, summed before dividing;
- completion at 25/50/75/100% and average watch time are weighted by views;
- reach is the sum of each deliverable's unique reach (audiences may overlap);
- conversions are those attributed to a deliverable, in the period;
- cost is the sum of the deliverables' fees; with no fees set, the campaign's budget
  stands for the total cost and per-creator cost is unknown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from agencies.models import Agency
from creators.insights import rate_cards
from creators.models import Creator

from .exclusivity import ExclusivityTerms, shared_countries, terms_conflict
from .models import (
    Campaign,
    Contract,
    ContractStatus,
    ConversionEvent,
    ConversionKind,
    ConversionSource,
    Deliverable,
    DeliverableStatus,
    Experiment,
    MetricSnapshot,
    Sponsor,
)
from .services.contracts import BINDING_STATUSES, Conflict, exclusivity_conflicts
from .significance import (
    PARITY_MAX_MINUTES,
    ExperimentResult,
    HoldoutUplift,
    Verdict,
    VerdictGate,
    experiment_result,
    holdout_uplift,
    mean_time_of_day,
    time_of_day_gap,
    verdict_gate,
    weekly_cycle_days,
)

CENT = Decimal("0.01")
FUNNEL = (25, 50, 75, 100)


# --- lists ----------------------------------------------------------------------------------


def campaign_list(
    *, agency: Agency, search: str = "", sponsor_id: int | None = None, sort: str = ""
) -> QuerySet[Campaign]:
    qs = (
        Campaign.objects.for_agency(agency)
        .select_related("sponsor")
        .annotate(
            deliverable_count=Count("deliverables", distinct=True),
            posted_count=Count(
                "deliverables",
                filter=Q(deliverables__status=DeliverableStatus.POSTED),
                distinct=True,
            ),
        )
    )
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(sponsor__brand__icontains=search)
        )
    if sponsor_id:
        qs = qs.filter(sponsor_id=sponsor_id)
    sorts = {"code": "code", "name": "name", "start": "start_date", "sponsor": "sponsor__brand"}
    key = sort.lstrip("-")
    if key in sorts:
        return qs.order_by(("-" if sort.startswith("-") else "") + sorts[key], "id")
    return qs.order_by("-start_date", "-id")


def sponsor_list(*, agency: Agency, search: str = "") -> QuerySet[Sponsor]:
    qs = Sponsor.objects.for_agency(agency).annotate(
        campaign_count=Count("campaigns", distinct=True),
        contract_count=Count("contracts", distinct=True),
    )
    if search:
        qs = qs.filter(Q(brand__icontains=search) | Q(category__icontains=search))
    return qs.order_by("brand", "id")


def contracts_ending(*, agency: Agency, today: date, days: int) -> QuerySet[Contract]:
    """Contracts in force (signed or active) whose usage rights or exclusivity end within
    `days` days from `today` (both included): the contract list's `?ending=`."""
    until = today + timedelta(days=days)
    return Contract.objects.for_agency(agency).filter(
        Q(status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE])
        & (
            Q(usage_rights_until__gte=today, usage_rights_until__lte=until)
            | Q(exclusivity_end__gte=today, exclusivity_end__lte=until)
        )
    )


def contract_list(
    *,
    agency: Agency,
    search: str = "",
    status: str = "",
    creator_id: int | None = None,
    ending_within: int | None = None,
    today: date | None = None,
) -> QuerySet[Contract]:
    if ending_within is not None and today is not None:
        qs = contracts_ending(agency=agency, today=today, days=ending_within)
    else:
        qs = Contract.objects.for_agency(agency)
    qs = qs.select_related("sponsor").prefetch_related("creators")
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(sponsor__brand__icontains=search))
    if status:
        qs = qs.filter(status=status)
    if creator_id:
        qs = qs.filter(creators__id=creator_id)
    return qs.order_by("-start_date", "-id")


def deliverable_list(
    *,
    agency: Agency,
    campaign: Campaign | None = None,
    creator: Creator | None = None,
    status: str = "",
    overdue_on: date | None = None,
) -> QuerySet[Deliverable]:
    """The agency's deliverables soonest due first; `overdue_on` (the agency's today) keeps
    those not posted by their due date."""
    qs = Deliverable.objects.for_agency(agency).select_related(
        "creator", "campaign__sponsor", "campaign__checklist"
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if creator is not None:
        qs = qs.filter(creator=creator)
    if status:
        qs = qs.filter(status=status)
    if overdue_on is not None:
        qs = qs.filter(due_date__lt=overdue_on).exclude(status=DeliverableStatus.POSTED)
    return qs.order_by("due_date", "id")


@dataclass(frozen=True)
class CreatorContract:
    contract: Contract
    conflicts: list[Conflict]


def creator_contracts(*, agency: Agency, creator: Creator) -> list[CreatorContract]:
    """The creator's contracts, each with its exclusivity conflicts among the creator's own
    binding contracts (two queries: the contracts, their creators; conflicts in memory)."""
    contracts = list(contract_list(agency=agency, creator_id=creator.pk))
    binding = [c for c in contracts if c.status in BINDING_STATUSES and c.has_exclusivity]

    rows = []
    for contract in contracts:
        terms = ExclusivityTerms.of(contract)
        conflicts = []
        if terms is not None:
            for other in binding:
                other_terms = ExclusivityTerms.of(other)
                if other.pk == contract.pk or not terms_conflict(terms, other_terms):
                    continue
                conflicts.append(
                    Conflict(
                        other=other,
                        creators=(str(creator),),
                        countries=tuple(shared_countries(terms, other_terms)),
                        overlap_start=max(terms.start, other_terms.start),
                        overlap_end=min(terms.end, other_terms.end),
                    )
                )
        rows.append(CreatorContract(contract, conflicts))
    return rows


def conflicts_for_form(
    *, agency: Agency, contract: Contract, creator_ids: list[int]
) -> list[Conflict]:
    """Conflicts of an unsaved (or edited) contract, for the form to show before saving."""

    return exclusivity_conflicts(
        agency=agency,
        terms=ExclusivityTerms.of(contract),
        creator_ids=creator_ids,
        exclude_contract_id=contract.pk,
    )


# --- the dashboard --------------------------------------------------------------------------


@dataclass
class Figures:
    """Summed figures of some deliverables (one, a creator's, or the campaign's)."""

    deliverables: int = 0
    posted: int = 0
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    saves: int = 0
    reach: int = 0
    watch_weighted: Decimal = Decimal(0)
    funnel_weighted: dict[int, Decimal] = field(default_factory=lambda: dict.fromkeys(FUNNEL, 0))
    conversions: int = 0
    conversion_value: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)

    def add_snapshot(self, snap: dict) -> None:
        views = snap["views"]
        self.views += views
        self.likes += snap["likes"]
        self.comments += snap["comments"]
        self.shares += snap["shares"]
        self.saves += snap["saves"]
        self.reach += snap["unique_reach"]
        self.watch_weighted += Decimal(views) * snap["avg_watch_seconds"]
        for step in FUNNEL:
            self.funnel_weighted[step] += Decimal(views) * snap[f"completion_{step}"]

    def add(self, other: Figures) -> None:
        for name in ("deliverables", "posted", "views", "likes", "comments", "shares", "saves"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reach += other.reach
        self.watch_weighted += other.watch_weighted
        for step in FUNNEL:
            self.funnel_weighted[step] += other.funnel_weighted[step]
        self.conversions += other.conversions
        self.conversion_value += other.conversion_value
        self.cost += other.cost

    @property
    def engagements(self) -> int:
        return self.likes + self.comments + self.shares

    @property
    def engagement_rate(self) -> Decimal | None:
        """(likes + comments + shares) / views, as a fraction (0.0523 = 5.23%)."""
        if not self.views:
            return None
        return (Decimal(self.engagements) / Decimal(self.views)).quantize(Decimal("0.0001"))

    @property
    def avg_watch_seconds(self) -> Decimal | None:
        if not self.views:
            return None
        return (self.watch_weighted / self.views).quantize(CENT, ROUND_HALF_UP)

    @property
    def funnel(self) -> dict[int, Decimal | None]:
        """Percent of views reaching 25/50/75/100% of the video, weighted by views."""
        if not self.views:
            return dict.fromkeys(FUNNEL)
        return {
            step: (self.funnel_weighted[step] / self.views).quantize(CENT, ROUND_HALF_UP)
            for step in FUNNEL
        }

    @property
    def cost_per_result(self) -> Decimal | None:
        if not self.conversions or not self.cost:
            return None
        return (self.cost / self.conversions).quantize(CENT, ROUND_HALF_UP)


@dataclass
class DeliverableRow:
    id: int
    creator_id: int
    creator_name: str
    kind: str
    platform: str
    status: str
    due_date: date
    posted_at: datetime | None
    experiment_id: int | None
    variant: str
    captured_at: datetime | None
    figures: Figures


@dataclass
class CreatorRow:
    creator_id: int
    creator_name: str
    figures: Figures


@dataclass
class Dashboard:
    campaign: Campaign
    since: datetime | None
    until: datetime | None
    currency: str
    total: Figures
    creators: list[CreatorRow]
    deliverables: list[DeliverableRow]
    conversions_by_kind: dict[str, int]
    unattributed_conversions: int
    cost_from_budget: bool
    # Leads recorded from DM conversations (consent and an e-mail address given), the
    # sponsor report's "conversation-generated leads"; tracker leads are not among them.
    conversation_leads: int = 0

    @property
    def has_data(self) -> bool:
        return bool(self.total.views or self.total.conversions)


def latest_snapshots(campaign: Campaign, until: datetime | None = None) -> QuerySet:
    """One query: each deliverable's latest snapshot (as of `until`), as dicts. Each
    deliverable costs one seek in the (deliverable, -captured_at, -id) index."""
    inner = MetricSnapshot.objects.filter(deliverable=OuterRef("pk"))
    if until is not None:
        inner = inner.filter(captured_at__lte=until)
    latest = Deliverable.objects.filter(campaign=campaign).annotate(
        latest_id=Subquery(inner.order_by("-captured_at", "-id").values("id")[:1])
    )
    return MetricSnapshot.objects.filter(
        id__in=latest.filter(latest_id__isnull=False).values("latest_id")
    ).values(
        "deliverable_id",
        "captured_at",
        "views",
        "likes",
        "comments",
        "shares",
        "saves",
        "unique_reach",
        "avg_watch_seconds",
        "completion_25",
        "completion_50",
        "completion_75",
        "completion_100",
    )


def campaign_dashboard(
    *, campaign: Campaign, since: datetime | None = None, until: datetime | None = None
) -> Dashboard:
    """The campaign's KPIs per deliverable, per creator and in total. Three queries:
    deliverables (with creator names), their latest snapshots, conversions per deliverable."""
    deliverables = list(
        Deliverable.objects.filter(campaign=campaign)
        .order_by("creator__display_name", "creator_id", "due_date", "id")
        .values(
            "id",
            "creator_id",
            "creator__display_name",
            "kind",
            "platform",
            "status",
            "due_date",
            "posted_at",
            "experiment_id",
            "variant",
            "fee",
        )
    )
    snapshots = {s["deliverable_id"]: s for s in latest_snapshots(campaign, until)}
    conversions = ConversionEvent.objects.filter(campaign=campaign)
    if since is not None:
        conversions = conversions.filter(occurred_at__gte=since)
    if until is not None:
        conversions = conversions.filter(occurred_at__lte=until)
    per_deliverable: dict[int | None, dict[str, Decimal | int]] = defaultdict(
        lambda: {"count": 0, "value": Decimal(0)}
    )
    by_kind: dict[str, int] = defaultdict(int)
    conversation_leads = 0
    for row in conversions.values("deliverable_id", "kind", "source", "currency").annotate(
        count=Count("id"), value=Sum("value")
    ):
        entry = per_deliverable[row["deliverable_id"]]
        entry["count"] += row["count"]
        # Values in another currency than the campaign's are counted, never summed in.
        if row["currency"] == campaign.currency:
            entry["value"] += row["value"] or Decimal(0)
        by_kind[row["kind"]] += row["count"]
        if row["kind"] == ConversionKind.LEAD and row["source"] == ConversionSource.CONVERSATION:
            conversation_leads += row["count"]

    rows: list[DeliverableRow] = []
    creators: dict[int, CreatorRow] = {}
    total = Figures()
    for d in deliverables:
        figures = Figures(deliverables=1, posted=int(d["status"] == DeliverableStatus.POSTED))
        snap = snapshots.get(d["id"])
        if snap is not None:
            figures.add_snapshot(snap)
        conv = per_deliverable.get(d["id"])
        if conv:
            figures.conversions = int(conv["count"])
            figures.conversion_value = Decimal(conv["value"])
        figures.cost = d["fee"] or Decimal(0)
        rows.append(
            DeliverableRow(
                id=d["id"],
                creator_id=d["creator_id"],
                creator_name=d["creator__display_name"],
                kind=d["kind"],
                platform=d["platform"],
                status=d["status"],
                due_date=d["due_date"],
                posted_at=d["posted_at"],
                experiment_id=d["experiment_id"],
                variant=d["variant"],
                captured_at=snap["captured_at"] if snap else None,
                figures=figures,
            )
        )
        creator = creators.setdefault(
            d["creator_id"], CreatorRow(d["creator_id"], d["creator__display_name"], Figures())
        )
        creator.figures.add(figures)
        total.add(figures)
    cost_from_budget = not total.cost
    if cost_from_budget:
        total.cost = campaign.budget
    return Dashboard(
        campaign=campaign,
        since=since,
        until=until,
        currency=campaign.currency,
        total=total,
        creators=list(creators.values()),
        deliverables=rows,
        conversions_by_kind=dict(by_kind),
        unattributed_conversions=int(per_deliverable.get(None, {"count": 0})["count"]),
        cost_from_budget=cost_from_budget,
        conversation_leads=conversation_leads,
    )


def engagement_series(
    *, campaign: Campaign, days: int = 60, until: datetime | None = None
) -> list[tuple[date, Decimal | None]]:
    """The campaign's engagement rate at the end of each local day (agency timezone), each
    deliverable counted with its last figures known that day. Two queries: each
    deliverable's last snapshot before the first day, then the days' readings grouped."""
    tz = campaign.agency.tzinfo
    until = until or timezone.now()
    last_day = timezone.localtime(until, tz).date()
    first_day = last_day - timedelta(days=days - 1)
    window_start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=tz)
    current: dict[int, tuple[int, int]] = {
        s["deliverable_id"]: (s["views"], s["likes"] + s["comments"] + s["shares"])
        for s in latest_snapshots(campaign, window_start - timedelta(microseconds=1))
    }
    daily = (
        MetricSnapshot.objects.filter(
            deliverable__campaign=campaign,
            captured_at__gte=window_start,
            captured_at__lte=until,
        )
        .annotate(day=TruncDate("captured_at", tzinfo=tz))
        .values("deliverable_id", "day")
        # Metrics are cumulative, so the day's maximum is its last reading.
        .annotate(
            views=Max("views"),
            engagements=Max(F("likes") + F("comments") + F("shares")),
        )
        .order_by("day")
    )
    by_day: dict[date, list] = defaultdict(list)
    for row in daily:
        by_day[row["day"]].append(row)
    series: list[tuple[date, Decimal | None]] = []
    day = first_day
    while day <= last_day:
        for row in by_day.get(day, []):
            current[row["deliverable_id"]] = (row["views"], row["engagements"])
        views = sum(v for v, _ in current.values())
        engagements = sum(e for _, e in current.values())
        rate = (
            (Decimal(engagements) / Decimal(views)).quantize(Decimal("0.0001")) if views else None
        )
        series.append((day, rate))
        day += timedelta(days=1)
    return series


# --- experiments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostingParity:
    """Each variant's mean posting time of day in the agency's time zone."""

    time_a: time | None
    time_b: time | None
    gap_minutes: int | None

    @property
    def differs(self) -> bool:
        return self.gap_minutes is not None and self.gap_minutes > PARITY_MAX_MINUTES

    @property
    def gap_hours(self) -> float | None:
        return None if self.gap_minutes is None else round(self.gap_minutes / 60, 1)


@dataclass(frozen=True)
class ExperimentSummary:
    experiment: Experiment
    result: ExperimentResult
    days_run: int
    days_to_full_week: int
    gate: VerdictGate
    holdout: HoldoutUplift | None
    parity: PostingParity

    @property
    def verdict(self) -> str:
        """The A/B verdict, held back (WAITING) until the gate opens."""
        return self.result.verdict if self.gate.open else Verdict.WAITING


def _clock(minutes: float | None) -> time | None:
    if minutes is None:
        return None
    whole = round(minutes) % 1440
    return time(whole // 60, whole % 60)


def experiment_summaries(
    *, campaign: Campaign, dashboard: Dashboard | None = None, today: date | None = None
) -> list[ExperimentSummary]:
    """Each experiment's verdict, holdout uplift and posting-time parity from the
    dashboard's latest figures (one extra query)."""
    dashboard = dashboard or campaign_dashboard(campaign=campaign)
    tz = campaign.agency.tzinfo
    today = today or timezone.localdate(timezone=tz)
    summaries = []
    for experiment in Experiment.objects.filter(campaign=campaign).order_by("-start_date", "-id"):
        views = {"a": 0, "b": 0, "h": 0}
        successes = {"a": 0, "b": 0, "h": 0}
        posted: dict[str, list[int]] = {"a": [], "b": []}
        for row in dashboard.deliverables:
            if row.experiment_id != experiment.pk or row.variant not in views:
                continue
            views[row.variant] += row.figures.views
            if experiment.metric == Experiment.Metric.CONVERSION:
                successes[row.variant] += row.figures.conversions
            else:
                successes[row.variant] += row.figures.engagements
            if row.posted_at is not None and row.variant in posted:
                local = timezone.localtime(row.posted_at, tz)
                posted[row.variant].append(local.hour * 60 + local.minute)
        result = experiment_result(
            views_a=views["a"],
            successes_a=successes["a"],
            views_b=views["b"],
            successes_b=successes["b"],
        )
        end = min(experiment.end_date or today, today)
        days_run, to_full_week = weekly_cycle_days(experiment.start_date, end)
        gate = verdict_gate(
            start=experiment.start_date,
            today=today,
            views_a=views["a"],
            views_b=views["b"],
            end=experiment.end_date,
        )
        uplift = None
        if experiment.holdout_percent:
            uplift = holdout_uplift(
                exposed_views=views["a"] + views["b"],
                exposed_successes=successes["a"] + successes["b"],
                holdout_views=views["h"],
                holdout_successes=successes["h"],
            )
        mean_a, mean_b = mean_time_of_day(posted["a"]), mean_time_of_day(posted["b"])
        gap = None if mean_a is None or mean_b is None else round(time_of_day_gap(mean_a, mean_b))
        parity = PostingParity(_clock(mean_a), _clock(mean_b), gap)
        summaries.append(
            ExperimentSummary(experiment, result, days_run, to_full_week, gate, uplift, parity)
        )
    return summaries


# --- suggested fees on the contract form ----------------------------------------------------

# The creators picker only lists the roster; this bounds a hand-made query string.
FEE_GUIDE_MAX_CREATORS = 200


@dataclass(frozen=True)
class CreatorFee:
    creator_id: int
    name: str
    followers: int | None
    band: rate_cards.Band | None
    suggested: Decimal | None


@dataclass(frozen=True)
class FeeGuide:
    """Read-only guidance: each creator's tier and the rate card's fee range per post, in the
    rate card's own currency (never converted into the contract's)."""

    rows: list[CreatorFee]
    currency: str
    contract_currency: str

    @property
    def currency_differs(self) -> bool:
        return bool(self.contract_currency) and self.contract_currency != self.currency


def contract_fee_guide(
    *, agency: Agency, creator_ids: Iterable[int], contract_currency: str = ""
) -> FeeGuide:
    """The tier (by the largest account's followers) and suggested fee of each of the agency's
    `creator_ids`; ids of other agencies' creators are ignored. Two queries whatever the
    number of creators: the creators with their largest account, and the rate card."""
    ids = list(dict.fromkeys(creator_ids))[:FEE_GUIDE_MAX_CREATORS]
    bands = rate_cards.rate_card(agency=agency)
    currency = bands[0].currency if bands else rate_cards.DEFAULT_CURRENCY
    rows: list[CreatorFee] = []
    if ids:
        creators = (
            Creator.objects.for_agency(agency)
            .filter(pk__in=ids)
            .annotate(top_followers=rate_cards.top_followers_subquery())
            .order_by("display_name", "pk")
            .values_list("pk", "display_name", "top_followers")
        )
        for pk, name, followers in creators:
            band = rate_cards.band_for(followers, bands)
            suggested = rate_cards.suggested_fee(followers, band) if band else None
            rows.append(CreatorFee(pk, name, followers, band, suggested))
    return FeeGuide(rows=rows, currency=currency, contract_currency=contract_currency)
