"""`seed_demo` shows a bonus pool, its rule and an awarded bonus with its expected statement."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from agencies.models import Agency
from payouts.models import PayoutSource
from rewards.demo import seed_demo_rewards
from rewards.models import BonusAward, BonusPool, BonusRule

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_pool_a_rule_and_an_awarded_bonus():
    call_command("seed_demo", stdout=StringIO())

    northstar = Agency.objects.get(slug="northstar")
    pool = BonusPool.objects.get(agency=northstar)
    assert BonusRule.objects.filter(pool=pool).count() == 1
    awards = list(BonusAward.objects.filter(agency=northstar).select_related("statement"))
    assert awards
    assert all(a.statement.source == PayoutSource.BONUS for a in awards)
    assert pool.awarded_amount == sum(a.amount for a in awards)
    # Idempotent.
    assert seed_demo_rewards(northstar) is False
    call_command("seed_demo", stdout=StringIO())
    assert BonusAward.objects.filter(agency=northstar).count() == len(awards)
