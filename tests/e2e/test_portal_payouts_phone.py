"""The creator's payouts on a phone (issue 16): one card per payout, nothing to scroll sideways,
not even inside the table, so “Your net” and “Still to pay” are on screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.roles import Role

from .demo_screens import WIDTHS, seed_demo, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each payout row's box, the table's own scroll width against its width, and each cell's
# label (from its data-label, shown before the value).
MEASURE = """() => {
  const table = document.querySelector('[data-testid=payout-list]');
  const rows = [...table.querySelectorAll('tbody tr')].map((tr) => {
    const r = tr.getBoundingClientRect();
    return {left: r.left, right: r.right};
  });
  const labels = [...table.querySelectorAll('tbody tr:first-child td')].map(
    (td) => getComputedStyle(td, '::before').content);
  return {
    window: document.documentElement.clientWidth,
    tableScroll: table.scrollWidth, tableWidth: table.clientWidth,
    pageScroll: document.documentElement.scrollWidth,
    rows, labels,
  };
}"""


def test_each_payout_is_a_card_that_fits_a_phone(browser, live_server):
    agency = seed_demo()
    context, page = signed_in_context(browser, live_server, Role.CREATOR, WIDTHS["phone"])
    try:
        page.goto(reverse("payouts:portal", args=[agency.slug]))
        found = page.evaluate(MEASURE)
    finally:
        context.close()

    assert found["rows"], "the demo creator has payouts"
    assert found["pageScroll"] <= found["window"]
    assert found["tableScroll"] <= found["tableWidth"] + 1, "the table scrolls sideways"
    for row in found["rows"]:
        assert row["left"] >= 0 and row["right"] <= found["window"]
    assert found["labels"] == ['"Period"', '"Status"', '"Your net"', '"Still to pay"']


def test_on_a_wide_screen_the_payouts_stay_a_table(browser, live_server):
    agency = seed_demo()
    context, page = signed_in_context(browser, live_server, Role.CREATOR, WIDTHS["desktop"])
    try:
        page.goto(reverse("payouts:portal", args=[agency.slug]))
        header_shown = page.locator("[data-testid=payout-list] thead").is_visible()
        display = page.evaluate(
            "() => getComputedStyle(document.querySelector('[data-testid=payout-list]')).display"
        )
    finally:
        context.close()

    assert header_shown
    assert display == "table"
