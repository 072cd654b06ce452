"""A campaign with a posted video and its snapshots, and a bonus pool with one rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from campaigns.models import MetricSnapshot
from rewards import services
from rewards.models import Kpi
from tests.campaigns.factories import CampaignFactory, DeliverableFactory
from tests.factories import CreatorFactory

POSTED = dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2024, 3, 20, 6, 0, tzinfo=dt.UTC)


def snapshot(deliverable, *, hours: float, views: int = 0, avg: str = "0", done: str = "0"):
    return MetricSnapshot.objects.create(
        agency=deliverable.agency,
        deliverable=deliverable,
        captured_at=deliverable.posted_at + dt.timedelta(hours=hours),
        views=views,
        avg_watch_seconds=Decimal(avg),
        completion_25=Decimal(done),
        completion_50=Decimal(done),
        completion_75=Decimal(done),
        completion_100=Decimal(done),
    )


def video(campaign, creator=None, *, posted=POSTED, post_id="", kind="video"):
    return DeliverableFactory(
        campaign=campaign,
        agency=campaign.agency,
        creator=creator or CreatorFactory(agency=campaign.agency),
        kind=kind,
        status="posted" if posted else "planned",
        posted_at=posted,
        post_id=post_id,
        post_url=f"https://www.tiktok.com/@x/video/{post_id or '1'}",
    )


def make_pool(campaign, *, amount="500.00", **extra):
    data = {
        "campaign": campaign,
        "name": "Spring bonus pool",
        "amount": Decimal(amount),
        "currency": campaign.currency,
        "period_start": dt.date(2024, 3, 1),
        "period_end": dt.date(2024, 3, 31),
        **extra,
    }
    return services.pool_create(agency=campaign.agency, actor=None, data=data)


def make_rule(pool, *, kpi=Kpi.VIEWS, threshold="10000", amount="100.00", window_days=7):
    return services.rule_create(
        pool=pool,
        actor=None,
        data={
            "name": f"{kpi} over {threshold}",
            "kpi": kpi,
            "threshold": Decimal(threshold),
            "amount": Decimal(amount),
            "window_days": window_days,
        },
    )


@pytest.fixture
def campaign(agency):
    return CampaignFactory(agency=agency, code="SPRING-24")


@pytest.fixture
def pool(campaign):
    return make_pool(campaign)


@pytest.fixture
def rule(pool):
    return make_rule(pool)
