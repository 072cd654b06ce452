"""The expected-bonus forecast shown beside the 30-day earnings forecast on creator insights.

For each bonus rule whose pool has money left and that one or more of the creator's assets
can still earn (not awarded by it, not posted yet or still inside the rule's window):

    expected = bonus (capped by the pool's remainder) * pass rate * open assets

where the pass rate is how often the creator's similar assets (same kind, posted, the rule's
window over) reached the rule's threshold inside that window, measured exactly as the daily
evaluation measures it (rewards/kpis.py). Without such history there is no rate and no
expected amount, only the basis ("no similar assets yet"). Registered with
`creators.insights.forecast.expected_bonus_reader_register` in RewardsConfig.ready, because creators
sits below rewards. A fixed number of queries per creator.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import F

from agencies.models import Agency
from campaigns.models import ConversionEvent, Deliverable, MetricSnapshot
from creators.insights.forecast import ExpectedBonus
from creators.models import Creator

from .kpis import first_passing, window_end
from .models import BonusAward, BonusRule


def _passed(rule: BonusRule, deliverable: Deliverable, snapshots, conversions, now) -> bool:
    return (
        first_passing(
            rule.kpi,
            rule.threshold,
            posted_at=deliverable.posted_at,
            window_days=rule.window_days,
            snapshots=snapshots.get(deliverable.pk, ()),
            conversion_times=conversions.get(deliverable.pk, ()),
            now=now,
        )
        is not None
    )


def creator_expected_bonuses(
    *, agency: Agency, creator: Creator, now: datetime
) -> list[ExpectedBonus]:
    """The creator's expected bonuses, one per rule their open assets may still earn."""
    deliverables = list(
        Deliverable.objects.filter(agency=agency, creator=creator).only(
            "pk", "campaign_id", "kind", "posted_at"
        )
    )
    if not deliverables:
        return []
    campaign_ids = {d.campaign_id for d in deliverables}
    rules = list(
        BonusRule.objects.filter(
            agency=agency,
            pool__campaign_id__in=campaign_ids,
            pool__awarded_amount__lt=F("pool__amount"),
        )
        .select_related("pool__campaign")
        .order_by("pool_id", "pk")
    )
    if not rules:
        return []
    awarded = set(
        BonusAward.objects.filter(agency=agency, creator=creator).values_list(
            "rule_id", "deliverable_id"
        )
    )
    posted = [d for d in deliverables if d.posted_at is not None and d.posted_at <= now]
    ids = [d.pk for d in posted]
    snapshots: dict[int, list] = defaultdict(list)
    for row in MetricSnapshot.objects.filter(agency=agency, deliverable_id__in=ids).only(
        "deliverable_id", "captured_at", "views", "avg_watch_seconds", "completion_100"
    ):
        snapshots[row.deliverable_id].append(row)
    conversions: dict[int, list[datetime]] = defaultdict(list)
    for deliverable_id, occurred_at in ConversionEvent.objects.filter(
        agency=agency, deliverable_id__in=ids
    ).values_list("deliverable_id", "occurred_at"):
        conversions[deliverable_id].append(occurred_at)

    result = []
    for rule in rules:
        pool = rule.pool
        kinds = {rule.deliverable_kind} if rule.deliverable_kind else None
        open_assets = [
            d
            for d in deliverables
            if d.campaign_id == pool.campaign_id
            and (kinds is None or d.kind in kinds)
            and (rule.pk, d.pk) not in awarded
            and (d.posted_at is None or window_end(d.posted_at, rule.window_days) > now)
        ]
        if not open_assets:
            continue
        similar_kinds = kinds or {d.kind for d in open_assets}
        similar = [
            d
            for d in posted
            if d.kind in similar_kinds and window_end(d.posted_at, rule.window_days) <= now
        ]
        passed = sum(1 for d in similar if _passed(rule, d, snapshots, conversions, now))
        result.append(
            ExpectedBonus(
                rule=rule.name,
                campaign_code=pool.campaign.code,
                kpi_label=str(rule.get_kpi_display()),
                threshold=rule.threshold,
                bonus=min(rule.amount, pool.remaining),
                currency=pool.currency,
                open_assets=len(open_assets),
                passed=passed,
                similar=len(similar),
            )
        )
    return result
