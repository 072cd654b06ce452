"""The demo bonus behind `manage.py seed_demo`: a bonus pool on the demo campaign, one rule
(views within 14 days of posting) and the award the real evaluation makes from the demo's
metric snapshots, with its expected payout statement.

The rule's threshold is set just under the best video's views inside the window, so the
evaluation awards at least that one whatever the demo's random figures. Idempotent: a
campaign that already has the demo pool is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from agencies.models import Agency
from campaigns.demo import CODE
from campaigns.models import Campaign, MetricSnapshot

from .evaluation import rewards_evaluate
from .models import BonusPool, Kpi
from .services import pool_create, rule_create

POOL_NAME = "Spring Glow bonus pool"
WINDOW_DAYS = 14


def seed_demo_rewards(agency: Agency) -> bool:
    """Create the demo pool, rule and award of `agency` unless they exist. Returns whether
    anything was made (False also without the demo campaign or a measured video)."""
    campaign = Campaign.objects.filter(agency=agency, code=CODE).first()
    if campaign is None or BonusPool.objects.filter(agency=agency, name=POOL_NAME).exists():
        return False
    best = 0
    for snapshot in MetricSnapshot.objects.filter(
        agency=agency, deliverable__campaign=campaign, deliverable__posted_at__isnull=False
    ).select_related("deliverable"):
        if snapshot.captured_at <= snapshot.deliverable.posted_at + timedelta(days=WINDOW_DAYS):
            best = max(best, snapshot.views)
    if best < 1000:
        return False
    pool = pool_create(
        agency=agency,
        actor=None,
        data={
            "campaign": campaign,
            "name": POOL_NAME,
            "amount": Decimal("600.00"),
            "currency": campaign.currency,
            "period_start": campaign.start_date,
            "period_end": campaign.end_date,
        },
    )
    rule_create(
        pool=pool,
        actor=None,
        data={
            "name": "Views within two weeks",
            "kpi": Kpi.VIEWS,
            "threshold": Decimal(best // 1000 * 1000),
            "amount": Decimal("150.00"),
            "window_days": WINDOW_DAYS,
            "deliverable_kind": "",
        },
    )
    rewards_evaluate(agency=agency)
    return True
