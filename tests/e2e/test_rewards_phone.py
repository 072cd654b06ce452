"""The bonus pages at phone width: the campaign's pools and rules, the awards list and the
expected bonuses on creator insights fit 390 px (wide tables scroll inside their card)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.roles import Role
from campaigns.models import Deliverable
from rewards.models import BonusAward

from .demo_screens import WIDTHS, seed_demo, signed_in_context
from .test_layout_overflow import OVERFLOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bonus_pages_fit_a_phone(browser, live_server):
    agency = seed_demo()
    award = BonusAward.objects.filter(agency=agency).select_related("pool").first()
    assert award is not None
    slug = {"agency_slug": agency.slug}
    waiting = Deliverable.objects.filter(
        campaign_id=award.pool.campaign_id, posted_at__isnull=True
    ).first()
    pages = [
        reverse("rewards:campaign", kwargs={**slug, "pk": award.pool.campaign_id}),
        reverse("rewards:awards", kwargs=slug),
        reverse("rewards:rule-create", kwargs={**slug, "pk": award.pool_id}),
        reverse("creators:insights", kwargs={**slug, "pk": waiting.creator_id}),
    ]
    context, page = signed_in_context(browser, live_server, Role.MANAGER, WIDTHS["phone"])
    try:
        for url in pages:
            response = page.goto(url)
            assert response is not None and response.ok, url
            found = page.evaluate(OVERFLOW)
            assert found["scroll"] <= found["window"], (url, found)
        page.goto(pages[1])
        assert page.get_by_text(award.rule.name).first.is_visible()
        page.goto(pages[3])
        assert page.get_by_test_id("expected-bonuses").is_visible()
    finally:
        context.close()
