"""The experiment block in a real browser at 1440 and 390 px: a manager reads the uplift against
the holdout, why the verdict waits and the posting-time warning, and nothing overflows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies.roles import Role
from tests.campaigns.test_experiment_holdout import AMSTERDAM, build
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1440, 390])
def test_the_experiment_block_reads_at_both_widths(page, sign_in, agency, width):
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    experiment = build(agency, start=timezone.localdate(timezone=AMSTERDAM) - dt.timedelta(days=3))
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(manager)

    page.goto(reverse("campaigns:detail", args=[agency.slug, experiment.campaign_id]))

    block = page.get_by_test_id("experiment")
    expect(block.get_by_test_id("holdout-uplift")).to_contain_text("Uplift against the holdout")
    expect(block.get_by_test_id("verdict-wait")).to_contain_text("500 more views")
    expect(block.get_by_test_id("posting-parity")).to_contain_text("B around 21:30")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
