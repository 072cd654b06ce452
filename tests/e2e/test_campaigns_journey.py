"""The campaign journey in a real browser: a manager sets up a sponsor, a campaign with a
disclosure checklist and a deliverable; the creator's draft fails the checklist and the portal
says what is missing; the fixed draft goes through and the designated approver approves it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from agencies.roles import Role
from campaigns.models import Deliverable, DeliverableStatus
from tests.factories import PASSWORD
from tests.helpers import member

from .conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_on(page: Page, user) -> None:
    """Sign in through the real login form in this page's own browser context."""
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("e-?mail", re.I)).fill(user.email)
    page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/$"))


def test_a_draft_failing_the_checklist_is_refused_with_reasons_then_fixed_and_approved(
    page, sign_in, browser, live_server, agency
):
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    creator_user = member(agency, Role.CREATOR, email="lina@acme.test")
    creator = creator_user.creator_profiles.get()
    creator.display_name = "Lina Makes"
    creator.save(update_fields=["display_name"])
    today = timezone.localdate()
    slug = agency.slug

    # --- the manager signs in and adds the sponsor ---------------------------------------
    sign_in(manager)
    expect(page.locator("summary", has_text="mara@acme.test")).to_be_visible()
    page.goto(reverse("campaigns:sponsor-list", args=[slug]))
    page.get_by_role("link", name="New sponsor").first.click()
    page.get_by_label("Brand", exact=True).fill("GlowCo")
    page.get_by_label("Category", exact=True).fill("skincare")
    page.get_by_role("button", name="Add sponsor").click()
    expect(page.get_by_text("Sponsor added.")).to_be_visible()

    # --- creates the campaign ------------------------------------------------------------
    page.goto(reverse("campaigns:list", args=[slug]))
    page.get_by_role("link", name="New campaign").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New campaign")
    page.get_by_label("Name", exact=True).fill("Spring Glow")
    page.get_by_label("Code", exact=True).fill("glow-24")
    page.get_by_label("Sponsor", exact=True).select_option(label="GlowCo")
    page.get_by_label("Start date", exact=True).fill(today.isoformat())
    page.get_by_label("End date", exact=True).fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("Budget", exact=True).fill("5000")
    page.get_by_label("Brief", exact=True).fill("Show your morning routine with the serum.")
    page.get_by_role("button", name="Create campaign").click()

    # --- ... lands on its disclosure checklist and fills it in ---------------------------
    expect(page.get_by_text("Campaign created. Now set up its checklist.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosure checklist for GLOW-24")
    page.get_by_label("Disclosure text", exact=True).fill("Paid partnership")
    page.get_by_label("Required hashtags", exact=True).fill("#ad")
    page.get_by_label("Required mentions", exact=True).fill("@glowco")
    page.get_by_label("Designated approver", exact=True).select_option(label=manager.email)
    page.get_by_role("button", name="Save checklist").click()

    expect(page.get_by_text("Checklist saved.")).to_be_visible()
    checklist = page.get_by_test_id("checklist")
    expect(checklist).to_contain_text("Paid partnership")
    expect(checklist).to_contain_text("#ad")
    expect(checklist).to_contain_text("@glowco")
    expect(checklist).to_contain_text("mara@acme.test")
    campaign_url = page.url

    # --- assigns the creator a deliverable -----------------------------------------------
    page.get_by_role("link", name="Add deliverable").first.click()
    page.get_by_label("Creator", exact=True).select_option(label="Lina Makes")
    page.get_by_role("button", name="Add deliverable").click()
    expect(page.get_by_text("Deliverable added.")).to_be_visible()
    # (the deliverables table, below its heading; the per-creator results table also names her)
    # (app.js wraps a table in a scrolling box; without script it is the heading's sibling)
    deliverables = page.locator("#deliverables ~ .table-scroll table, #deliverables ~ table")
    row = deliverables.get_by_role("row", name=re.compile("Lina Makes"))
    expect(row).to_contain_text("Planned")

    # --- the creator, in a browser of their own, opens their portal ----------------------
    creator_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    creator_context.set_default_timeout(TIMEOUT_MS)
    try:
        lina = creator_context.new_page()
        sign_in_on(lina, creator_user)
        lina.goto(reverse("campaigns:portal", args=[slug]))
        expect(lina.get_by_role("heading", level=1)).to_have_text("My campaigns")
        lina.get_by_role("link", name="Spring Glow").click()
        expect(lina.get_by_role("heading", level=1)).to_contain_text("Spring Glow")
        expect(lina.get_by_test_id("checklist")).to_contain_text("#ad")

        # a draft without the hashtag is refused, naming what is missing
        caption = lina.get_by_label("Caption", exact=True)
        caption.fill("Paid partnership with @glowco: my morning glow routine")
        lina.get_by_role("button", name="Submit draft").click()
        expect(lina.locator("#id_caption-error")).to_have_text("The caption is missing: #ad.")
        expect(lina.get_by_text("Draft submitted for approval.")).to_have_count(0)
        # the refused caption is kept in the form, so the creator only adds what is missing
        expect(caption).to_have_value("Paid partnership with @glowco: my morning glow routine")
        assert Deliverable.objects.get().status == DeliverableStatus.PLANNED

        # the fixed draft goes through
        caption.fill("Paid partnership with @glowco: my morning glow routine #ad")
        lina.get_by_role("button", name="Submit draft").click()
        expect(lina.get_by_text("Draft submitted for approval.")).to_be_visible()
        expect(lina.locator(".page-head .badge")).to_have_text("Draft submitted")

        # --- the manager, the designated approver, approves it ---------------------------
        page.goto(campaign_url)
        row = deliverables.get_by_role("row", name=re.compile("Lina Makes"))
        expect(row).to_contain_text("Draft submitted")
        row.get_by_role("link", name="Lina Makes").click()
        expect(page.locator("dd.caption")).to_have_text(
            "Paid partnership with @glowco: my morning glow routine #ad"
        )
        expect(page.get_by_test_id("checklist-pass")).to_be_visible()
        page.get_by_label("Approve", exact=True).check()
        page.get_by_label("Comment for the creator", exact=True).fill("Lovely, post it!")
        page.get_by_role("button", name="Record decision").click()
        expect(page.get_by_text("Decision recorded.")).to_be_visible()
        expect(page.locator(".page-head .badge")).to_have_text("Approved")
        expect(page.get_by_role("button", name="Record decision")).to_have_count(0)

        # --- the creator sees the approval in their portal -------------------------------
        lina.goto(reverse("campaigns:portal", args=[slug]))
        lina_row = lina.get_by_role("row", name=re.compile("Spring Glow"))
        expect(lina_row).to_contain_text("Approved")
        lina_row.get_by_role("link", name="Spring Glow").click()
        expect(lina.locator(".page-head .badge")).to_have_text("Approved")
        expect(lina.locator(".timeline")).to_contain_text("Lovely, post it!")
    finally:
        creator_context.close()

    assert Deliverable.objects.get().status == DeliverableStatus.APPROVED
