"""The daily evaluation: bonus rules against the metric snapshots and conversions, awards,
and the payout statements they become.

Paid through the payouts trail. An award is an amount the sponsor owes the creator, which
is what a payout statement already is: an expected amount (estimated, then settled once the
sponsor confirms it) that reconciliation matches against the deposit that reaches the bank,
with its commission, creator payment, holds and disputes. So each award becomes a payout
statement of its own, source "Campaign bonus", made by payouts' own services
(`statement_create`, then `payout_line_add` with the asset and the campaign code so the
rewarded asset is tagged with its campaign), under the campaign's contract when that
contract covers the creator (its commission rate applies). The alternatives fit worse: an
`Adjustment` changes a platform statement the bonus has nothing to do with, and a
`CreatorPayment` is the agency paying the creator, after the money came in. The statement's
platform reference is `BONUS-<rule>-<deliverable>`, unique per agency and source, so an
award can never be paid twice even if two evaluations raced past the pool lock.

Guarantees: an award per (rule, deliverable) at most once (a unique constraint), never more
than the pool's remainder (the pool row is locked while its rules are evaluated, and a CHECK
keeps `awarded_amount <= amount`), each award audited with the figures it was made on.
Idempotent: a second run the same day awards nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agencies.audit import audit_record, snapshot
from agencies.models import Agency
from campaigns.models import ConversionEvent, Deliverable, MetricSnapshot
from moderation.thanks import top_commenters_thank
from payouts.models import PayoutSource, StatementStatus
from payouts.services import payout_line_add, statement_create

from .kpis import first_passing
from .models import BonusAward, BonusPool, BonusRule

ACTOR_LABEL = "rewards:evaluation"
MAX_WINDOW_DAYS = 90
AWARD_FIELDS = [
    "rule",
    "pool",
    "deliverable",
    "creator",
    "amount",
    "currency",
    "capped",
    "kpi",
    "kpi_value",
    "threshold",
    "measured_at",
    "statement",
]


@dataclass
class EvaluationSummary:
    pools: int = 0
    rules: int = 0
    assets_checked: int = 0
    awards: list[BonusAward] = field(default_factory=list)
    # Rules that passed but found the pool empty.
    pool_exhausted: int = 0
    thanked_videos: int = 0
    thank_replies: int = 0

    @property
    def awarded(self) -> dict[str, str]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for award in self.awards:
            totals[award.currency] += award.amount
        return {currency: str(total) for currency, total in sorted(totals.items())}


def _day_bounds(agency: Agency, pool: BonusPool) -> tuple[datetime, datetime]:
    """The pool's period as aware moments in the agency's time zone, end exclusive."""
    tz = agency.tzinfo
    start = datetime.combine(pool.period_start, time.min, tzinfo=tz)
    end = datetime.combine(pool.period_end + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def _contract_for(pool: BonusPool, creator_id: int):
    contract = pool.campaign.contract
    if contract is None or not contract.creators.filter(pk=creator_id).exists():
        return None
    return contract


def _award(
    *, pool: BonusPool, rule: BonusRule, deliverable: Deliverable, measured, now: datetime
) -> BonusAward:
    """One award and its expected payout statement; the caller holds the pool's lock."""
    amount = min(rule.amount, pool.remaining)
    agency = pool.agency
    tz = agency.tzinfo
    statement = statement_create(
        agency=agency,
        actor=None,
        data={
            "creator": deliverable.creator,
            "source": PayoutSource.BONUS,
            "platform_reference": f"BONUS-{rule.pk}-{deliverable.pk}",
            "period_start": timezone.localtime(deliverable.posted_at, tz).date(),
            "period_end": timezone.localtime(measured.measured_at, tz).date(),
            "currency": pool.currency,
            "estimated_amount": amount,
            "status": StatementStatus.ESTIMATED,
            "contract": _contract_for(pool, deliverable.creator_id),
        },
    )
    payout_line_add(
        statement=statement,
        actor=None,
        asset_reference=(deliverable.post_url or deliverable.post_id or f"#{deliverable.pk}")[:200],
        amount=amount,
        campaign_code=pool.campaign.code,
        description=rule.name[:200],
    )
    award = BonusAward.objects.create(
        agency=agency,
        rule=rule,
        pool=pool,
        deliverable=deliverable,
        creator_id=deliverable.creator_id,
        amount=amount,
        currency=pool.currency,
        capped=amount < rule.amount,
        kpi=rule.kpi,
        kpi_value=measured.value,
        threshold=rule.threshold,
        measured_at=measured.measured_at,
        statement=statement,
    )
    pool.awarded_amount += amount
    pool.save(update_fields=["awarded_amount"])
    audit_record(
        agency=agency,
        actor=None,
        actor_label=ACTOR_LABEL,
        action="bonus_award.create",
        obj=award,
        after={**snapshot(award, AWARD_FIELDS), "evaluated_at": now},
    )
    return award


def _evaluate_pool(agency: Agency, pool_id: int, now: datetime, summary: EvaluationSummary) -> None:
    with transaction.atomic():
        pool = (
            BonusPool.objects.select_for_update(of=("self",))
            .select_related("agency", "campaign__contract")
            .get(agency=agency, pk=pool_id)
        )
        summary.pools += 1
        rules = list(pool.rules.order_by("pk"))
        summary.rules += len(rules)
        if not rules:
            return
        start, end = _day_bounds(agency, pool)
        deliverables = list(
            Deliverable.objects.filter(
                agency=agency,
                campaign_id=pool.campaign_id,
                posted_at__gte=start,
                posted_at__lt=end,
                posted_at__lte=now,
            )
            .select_related("creator")
            .order_by("posted_at", "pk")
        )
        summary.assets_checked += len(deliverables)
        if not deliverables:
            return
        ids = [d.pk for d in deliverables]
        done = set(
            BonusAward.objects.filter(rule__in=rules).values_list("rule_id", "deliverable_id")
        )
        snapshots: dict[int, list] = defaultdict(list)
        for row in MetricSnapshot.objects.filter(agency=agency, deliverable_id__in=ids).only(
            "deliverable_id",
            "captured_at",
            "views",
            "avg_watch_seconds",
            "completion_100",
        ):
            snapshots[row.deliverable_id].append(row)
        conversions: dict[int, list[datetime]] = defaultdict(list)
        for deliverable_id, occurred_at in ConversionEvent.objects.filter(
            agency=agency, deliverable_id__in=ids
        ).values_list("deliverable_id", "occurred_at"):
            conversions[deliverable_id].append(occurred_at)
        for rule in rules:
            for deliverable in deliverables:
                if (rule.pk, deliverable.pk) in done:
                    continue
                if rule.deliverable_kind and deliverable.kind != rule.deliverable_kind:
                    continue
                measured = first_passing(
                    rule.kpi,
                    rule.threshold,
                    posted_at=deliverable.posted_at,
                    window_days=rule.window_days,
                    snapshots=snapshots[deliverable.pk],
                    conversion_times=conversions[deliverable.pk],
                    now=now,
                )
                if measured is None:
                    continue
                if pool.remaining <= 0:
                    summary.pool_exhausted += 1
                    continue
                summary.awards.append(
                    _award(
                        pool=pool, rule=rule, deliverable=deliverable, measured=measured, now=now
                    )
                )


def _thank_commenters(agency: Agency, now: datetime, summary: EvaluationSummary) -> None:
    """Ask moderation to thank the top commenters of each rewarded video not thanked yet;
    the policy decides whether and when (its watch-time threshold), and its caps apply."""
    # Asked once a day until the policy's watch time is reached (or the policy says no),
    # for the awards of the last MAX_WINDOW_DAYS: a video past that is no longer news.
    pending = (
        BonusAward.objects.filter(
            agency=agency,
            thanked_at__isnull=True,
            created_at__gte=now - timedelta(days=MAX_WINDOW_DAYS),
        )
        .exclude(deliverable__post_id="")
        .select_related("deliverable")
        .order_by("deliverable_id", "pk")
    )
    by_deliverable: dict[int, list[BonusAward]] = defaultdict(list)
    for award in pending:
        by_deliverable[award.deliverable_id].append(award)
    if not by_deliverable:
        return
    latest = {}
    for row in MetricSnapshot.objects.filter(
        agency=agency, deliverable_id__in=list(by_deliverable)
    ).order_by("deliverable_id", "captured_at", "pk"):
        latest[row.deliverable_id] = row  # the last one per deliverable wins
    for deliverable_id, awards in by_deliverable.items():
        row = latest.get(deliverable_id)
        if row is None:
            continue
        deliverable = awards[0].deliverable
        with transaction.atomic():
            result = top_commenters_thank(
                agency=agency,
                creator_id=deliverable.creator_id,
                platform=deliverable.platform,
                video_id=deliverable.post_id,
                avg_watch_seconds=row.avg_watch_seconds,
                now=now,
            )
            if result.due:
                BonusAward.objects.filter(pk__in=[a.pk for a in awards]).update(thanked_at=now)
                summary.thanked_videos += 1
                summary.thank_replies += result.scheduled


def rewards_evaluate(*, agency: Agency, now: datetime | None = None) -> EvaluationSummary:
    """Evaluate every bonus pool of `agency` at `now`: award what passed, pay it through a
    payout statement, then thank the top commenters of rewarded videos. Each pool in its own
    transaction, under its row lock."""
    now = now or timezone.now()
    summary = EvaluationSummary()
    # A pool whose assets' longest window (90 days) closed long ago has nothing left to award.
    oldest = timezone.localtime(now, agency.tzinfo).date() - timedelta(days=MAX_WINDOW_DAYS + 1)
    pool_ids = list(
        BonusPool.objects.filter(agency=agency, period_end__gte=oldest)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pool_id in pool_ids:
        _evaluate_pool(agency, pool_id, now, summary)
    _thank_commenters(agency, now, summary)
    return summary
