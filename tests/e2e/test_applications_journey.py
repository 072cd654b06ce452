"""Program applications in the browser: a manager records a creator's application from the
creator's page, records the rejection, and finds the creator with the roster's "can re-apply"
filter once the wait is over; on a desktop and on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.roles import Role
from creators.applications import application_decide, application_submit
from creators.insights.selectors import agency_today
from tests.factories import CreatorFactory
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1440, 390], ids=["desktop", "phone"])
def test_a_manager_records_an_application_and_its_rejection(page, sign_in, agency, width):
    page.set_viewport_size({"width": width, "height": 900})
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    mila = CreatorFactory(agency=agency, display_name="Mila Jansen", legal_name="Mila Jansen")
    sign_in(manager)

    page.goto(reverse("creators:detail", args=[agency.slug, mila.pk]))
    page.get_by_role("link", name="Program applications").click()
    page.get_by_role("link", name="Record an application").click()
    page.get_by_label("Review window (weeks)").fill("2")
    page.get_by_label("ID document sent").check()
    page.get_by_label("Tax information sent").check()
    page.get_by_label("Sample posts").fill(
        "https://tiktok.com/@mila/video/1\nhttps://tiktok.com/@mila/video/2"
    )
    page.get_by_label("Name on the ID").fill("Mila Janssen")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("The application was recorded.")).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_text("Waiting for review")).to_be_visible()
    expect(
        page.get_by_text("The name on the ID differs from the legal name on file.")
    ).to_be_visible()

    page.get_by_role("link", name="Decision").click()
    page.get_by_label("Rejected").check()
    page.get_by_label("Rejection reason").fill("Too few original videos")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("The decision was recorded.")).to_be_visible()
    expect(table.get_by_text("Too few original videos")).to_be_visible()
    expect(table.get_by_text("Rejected", exact=True)).to_be_visible()


def test_the_roster_finds_creators_who_may_reapply(page, sign_in, agency):
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    today = agency_today(agency)
    due = CreatorFactory(agency=agency, display_name="Noah Bakker")
    application = application_submit(
        creator=due,
        actor=None,
        program="creativity_program",
        submitted_on=today - timedelta(days=50),
    )
    application_decide(
        application=application,
        actor=None,
        outcome="rejected",
        decided_on=today - timedelta(days=40),
        rejection_reason="Reused content",
    )
    CreatorFactory(agency=agency, display_name="Sara Visser")
    sign_in(manager)

    page.goto(reverse("creators:list", args=[agency.slug]))
    page.get_by_label("Can re-apply").select_option("true")

    rows = page.locator("#roster-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Noah Bakker")
