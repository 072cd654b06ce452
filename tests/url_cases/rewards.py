"""URL matrix entries for rewards/ (staff pages and API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from agencies.roles import Role
from tests.campaigns.factories import CampaignFactory

from .base import EDITORS, UrlCase

VIEWERS = frozenset({Role.OWNER, Role.MANAGER, Role.FINANCE})
JSON = {"content_type": "application/json"}


def _pool(agency):
    from rewards.models import BonusPool

    campaign = CampaignFactory(agency=agency)
    return BonusPool.objects.create(
        agency=agency,
        campaign=campaign,
        name="Pool",
        amount=Decimal("100.00"),
        currency=campaign.currency,
        period_start=dt.date(2024, 3, 1),
        period_end=dt.date(2024, 3, 31),
    )


def _rule(agency):
    from rewards.models import BonusRule

    return BonusRule.objects.create(
        agency=agency,
        pool=_pool(agency),
        name="Views",
        kpi="views",
        threshold=Decimal("1000"),
        amount=Decimal("10.00"),
    )


def _award(agency, creator):
    from rewards.models import BonusAward
    from tests.campaigns.factories import DeliverableFactory

    rule = _rule(agency)
    deliverable = DeliverableFactory(campaign=rule.pool.campaign, agency=agency, creator=creator)
    return BonusAward.objects.create(
        agency=agency,
        rule=rule,
        pool=rule.pool,
        deliverable=deliverable,
        creator=creator,
        amount=Decimal("10.00"),
        currency="EUR",
        kpi="views",
        kpi_value=Decimal("2000"),
        threshold=Decimal("1000"),
        measured_at=dt.datetime(2024, 3, 10, tzinfo=dt.UTC),
    )


def campaign(agency, creator) -> dict:
    return {"pk": CampaignFactory(agency=agency).pk}


def pool(agency, creator) -> dict:
    return {"pk": _pool(agency).pk}


def rule(agency, creator) -> dict:
    return {"pk": _rule(agency).pk}


def award(agency, creator) -> dict:
    return {"pk": _award(agency, creator).pk}


def _empty(agency, creator) -> dict:
    return {}


CASES: list[UrlCase] = [
    UrlCase("rewards:awards", VIEWERS),
    UrlCase("rewards:evaluate", EDITORS, method="post"),
    UrlCase("rewards:campaign", VIEWERS, kwargs=campaign),
    UrlCase("rewards:pool-create", EDITORS, kwargs=campaign),
    UrlCase("rewards:pool-create", EDITORS, kwargs=campaign, method="post", data=_empty),
    UrlCase("rewards:pool-edit", EDITORS, kwargs=pool),
    UrlCase("rewards:pool-edit", EDITORS, kwargs=pool, method="post", data=_empty),
    UrlCase("rewards:pool-delete", EDITORS, kwargs=pool, method="post"),
    UrlCase("rewards:rule-create", EDITORS, kwargs=pool),
    UrlCase("rewards:rule-create", EDITORS, kwargs=pool, method="post", data=_empty),
    UrlCase("rewards:rule-edit", EDITORS, kwargs=rule),
    UrlCase("rewards:rule-edit", EDITORS, kwargs=rule, method="post", data=_empty),
    UrlCase("rewards:rule-delete", EDITORS, kwargs=rule, method="post"),
    # API
    UrlCase("api:bonus-pool-list", VIEWERS),
    UrlCase("api:bonus-pool-list", EDITORS, method="post", data=_empty, extra=JSON),
    UrlCase("api:bonus-pool-detail", VIEWERS, kwargs=pool),
    UrlCase("api:bonus-pool-detail", EDITORS, kwargs=pool, method="patch", data=_empty, extra=JSON),
    UrlCase("api:bonus-pool-detail", EDITORS, kwargs=pool, method="delete"),
    UrlCase("api:bonus-rule-list", VIEWERS),
    UrlCase("api:bonus-rule-list", EDITORS, method="post", data=_empty, extra=JSON),
    UrlCase("api:bonus-rule-detail", VIEWERS, kwargs=rule),
    UrlCase("api:bonus-rule-detail", EDITORS, kwargs=rule, method="patch", data=_empty, extra=JSON),
    UrlCase("api:bonus-rule-detail", EDITORS, kwargs=rule, method="delete"),
    UrlCase("api:bonus-award-list", VIEWERS),
    UrlCase("api:bonus-award-detail", VIEWERS, kwargs=award),
    UrlCase("api:bonus-evaluate", EDITORS, method="post"),
]
