"""Roster journeys in the browser: searching the roster, importing it from a CSV file."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.roles import Role
from creators.models import Creator
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rows(page):
    return page.locator("#roster-table tbody tr")


def test_a_manager_searches_the_roster_as_they_type(page, sign_in, agency, other_agency):
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    mila = CreatorFactory(agency=agency, display_name="Mila Jansen", email="mila@example.com")
    SocialAccountFactory(creator=mila, handle="milamakes")
    CreatorFactory(agency=agency, display_name="Noah Bakker", email="noah@example.com")
    CreatorFactory(agency=agency, display_name="Sara Visser", email="sara@example.com")
    # Same name in the other agency: must never show up here.
    CreatorFactory(agency=other_agency, display_name="Mila Rival", email="mila@rival.test")

    sign_in(manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Creators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Creators")
    expect(_rows(page)).to_have_count(3)
    expect(page.get_by_text("3 creators")).to_be_visible()

    # htmx swaps the table while typing; no submit, and the URL follows the search.
    page.get_by_label("Search").press_sequentially("mila", delay=30)
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Mila Jansen")
    expect(page.get_by_text("Mila Rival")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]q=mila\b"))

    # A social handle finds its creator too.
    page.get_by_label("Search").fill("milamak")
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Mila Jansen")

    page.get_by_label("Search").fill("nobody-by-that-name")
    expect(page.get_by_role("heading", name="No creators match")).to_be_visible()
    # Leaving the box fires the form's `change` trigger too; let that request land first, or
    # its history push can cancel the link's navigation (seen on PostgreSQL in CI).
    page.get_by_label("Search").blur()
    expect(page.locator("#roster-filters")).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    page.get_by_role("link", name="Show all creators").click()
    expect(_rows(page)).to_have_count(3)

    # Reloading a searched URL gives the same result without JavaScript's help.
    page.goto(reverse("creators:list", args=["acme"]) + "?q=noah")
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Noah Bakker")


def _upload(page, content: str, name: str = "roster.csv") -> None:
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()


def test_a_manager_imports_a_roster_sees_the_row_errors_then_imports_the_fixed_file(
    page, sign_in, agency
):
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    broken = (
        "display_name,email,country\n"
        "Mila Jansen,mila@example.com,NL\n"
        "Noah Bakker,not-an-email,NL\n"
        ",sara@example.com,XX\n"
    )
    fixed = (
        "display_name,email,country\n"
        "Mila Jansen,mila@example.com,NL\n"
        "Noah Bakker,noah@example.com,NL\n"
        "Sara Visser,sara@example.com,BE\n"
    )

    sign_in(manager)
    page.goto(reverse("creators:list", args=["acme"]))
    expect(page.get_by_role("heading", name="Your roster is empty")).to_be_visible()
    page.get_by_role("link", name="Import CSV").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import creators from a CSV file")

    _upload(page, broken)

    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    errors = page.get_by_test_id("import-errors")
    # Every problem in the file at once, by row (the header is row 1) and column.
    rows = errors.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td")).to_have_text(["3", "email", "Enter a valid e-mail address."])
    expect(rows.nth(1).locator("td")).to_have_text(["4", "display_name", "Enter the display name."])
    expect(rows.nth(2).locator("td")).to_have_text(
        ["4", "country", "Unknown country code “XX”; use e.g. NL."]
    )
    # Nothing half-written: the valid first row was not imported either.
    assert not Creator.objects.filter(agency=agency).exists()

    _upload(page, fixed)

    expect(page).to_have_url(re.compile(reverse("creators:list", args=["acme"]) + "$"))
    expect(page.get_by_text("Import done: 3 created, 0 updated, 0 unchanged.")).to_be_visible()
    expect(_rows(page)).to_have_count(3)
    expect(_rows(page).filter(has_text="Sara Visser")).to_contain_text("BE")

    # The same file again changes nothing.
    page.get_by_role("link", name="Import CSV").click()
    _upload(page, fixed)
    expect(page.get_by_text("Import done: 0 created, 0 updated, 3 unchanged.")).to_be_visible()
    assert Creator.objects.filter(agency=agency).count() == 3
