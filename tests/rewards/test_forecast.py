"""The expected-bonus forecast beside the 30-day earnings forecast on creator insights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from agencies.roles import Role
from creators.insights.forecast import expected_bonuses
from tests.factories import CreatorFactory
from tests.helpers import client_for, member

from .conftest import NOW, snapshot, video

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(agency, campaign, rule):
    """A creator with four videos whose 7-day window is over (one passed 10,000 views) and
    two still open, on a campaign whose rule pays 100.00 EUR."""
    creator = CreatorFactory(agency=agency, display_name="Noor")
    for i, views in enumerate([12_000, 3_000, 4_000, 9_999]):
        old = video(campaign, creator, posted=NOW - dt.timedelta(days=30 + i))
        snapshot(old, hours=24, views=views)
    video(campaign, creator, posted=NOW - dt.timedelta(days=1))
    video(campaign, creator, posted=None)
    return creator


def test_expected_bonus_is_the_bonus_times_the_pass_rate_of_similar_assets(agency, history):
    (bonus,) = expected_bonuses(agency=agency, creator=history, now=NOW)

    assert (bonus.passed, bonus.similar, bonus.open_assets) == (1, 4, 2)
    assert bonus.rate_percent == Decimal("25.0")
    assert bonus.expected == Decimal("50.00")  # 100.00 x 1/4 x 2 open assets
    assert bonus.campaign_code == "SPRING-24"


def test_without_history_there_is_no_estimate_only_the_basis(agency, campaign, rule):
    creator = CreatorFactory(agency=agency)
    video(campaign, creator, posted=NOW - dt.timedelta(days=2))

    (bonus,) = expected_bonuses(agency=agency, creator=creator, now=NOW)

    assert bonus.similar == 0
    assert bonus.expected is None


def test_a_spent_pool_or_an_awarded_asset_expects_nothing(agency, campaign, pool, rule, history):
    pool.awarded_amount = pool.amount
    pool.save(update_fields=["awarded_amount"])

    assert expected_bonuses(agency=agency, creator=history, now=NOW) == []


def test_the_insights_page_shows_the_expected_bonus_with_its_basis(agency, history):
    client = client_for(member(agency, Role.MANAGER))

    with time_machine.travel(NOW, tick=False):
        response = client.get(
            reverse("creators:insights", kwargs={"agency_slug": agency.slug, "pk": history.pk})
        )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Expected campaign bonuses" in body
    assert "1 of 4 similar assets passed (25.0%)" in body
    assert "for each of 2 open assets" in body
