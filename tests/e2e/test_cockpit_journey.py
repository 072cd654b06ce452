"""The cockpit in Chromium, on the demo: each role's home at 1440 px and 390 px, a count that
opens its filtered list, sparklines that name their values, and the creator's overview."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.roles import Role

from .demo_screens import WIDTHS, seed_demo, signed_in_context
from .test_layout_overflow import OVERFLOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_each_role_opens_a_count_on_its_home(browser, live_server, width):
    agency = seed_demo()
    home = reverse("agencies:dashboard", args=[agency.slug])
    for role in (Role.OWNER, Role.MANAGER, Role.FINANCE, Role.COMMUNITY_MANAGER):
        context, page = signed_in_context(browser, live_server, role, width)
        try:
            page.goto(home)
            attention = page.locator("[data-testid=attention]")
            assert attention.is_visible(), role
            found = page.evaluate(OVERFLOW)
            assert found["scroll"] <= found["window"], (role, found)
            tiles = page.locator("[data-testid=attention] a.stat")
            if tiles.count():
                href = tiles.first.get_attribute("href")
                tiles.first.click()
                page.wait_for_load_state()
                assert page.url.endswith(href), (role, href, page.url)
        finally:
            context.close()


def test_sparklines_read_out_their_months(browser, live_server):
    agency = seed_demo()
    context, page = signed_in_context(browser, live_server, Role.OWNER, WIDTHS["desktop"])
    try:
        page.goto(reverse("agencies:dashboard", args=[agency.slug]))
        charts = page.locator("svg.sparkline[role=img]")
        if charts.count():  # the demo has bank credits and campaign metrics
            label = charts.first.get_attribute("aria-label")
            assert "per month:" in label
    finally:
        context.close()


def test_the_creator_overview_fits_a_phone(browser, live_server):
    agency = seed_demo()
    context, page = signed_in_context(browser, live_server, Role.CREATOR, WIDTHS["phone"])
    try:
        page.goto(reverse("agencies:dashboard", args=[agency.slug]))
        assert page.locator("[data-testid=creator-money]").is_visible()
        found = page.evaluate(OVERFLOW)
        assert found["scroll"] <= found["window"], found
        page.locator("[data-testid=creator-money] a.button").click()
        page.wait_for_load_state()
        assert page.url.endswith(reverse("payouts:portal", args=[agency.slug]))
    finally:
        context.close()
