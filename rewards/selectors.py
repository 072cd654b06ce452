"""Reads: a campaign's pools with their rules, the awards list."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from agencies.models import Agency
from campaigns.models import Campaign

from .models import BonusAward, BonusPool, BonusRule


def campaign_pools(*, campaign: Campaign) -> list[BonusPool]:
    """The campaign's pools, each with its rules (two queries)."""
    return list(
        BonusPool.objects.filter(agency_id=campaign.agency_id, campaign=campaign)
        .prefetch_related(Prefetch("rules", queryset=BonusRule.objects.order_by("pk")))
        .order_by("-period_start", "-pk")
    )


def pool_list(*, agency: Agency) -> QuerySet[BonusPool]:
    return BonusPool.objects.filter(agency=agency).select_related("campaign").order_by("-pk")


def rule_list(*, agency: Agency) -> QuerySet[BonusRule]:
    return BonusRule.objects.filter(agency=agency).select_related("pool").order_by("-pk")


def award_list(*, agency: Agency) -> QuerySet[BonusAward]:
    return BonusAward.objects.filter(agency=agency).select_related(
        "rule", "pool__campaign", "deliverable", "creator", "statement"
    )
