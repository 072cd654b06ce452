"""Journeys through the real browser: sign in, switch agency, the creator portal, the roster."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.roles import Role
from tests.factories import MembershipFactory, SocialAccountFactory
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_signs_in_through_the_login_form_and_lands_on_their_dashboard(
    page, sign_in, agency
):
    user = member(agency, Role.MANAGER, email="mara@acme.test")

    sign_in(user)

    expect(page).to_have_url(re.compile(reverse("agencies:dashboard", args=["acme"]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Talent")
    expect(page.locator("summary", has_text="mara@acme.test")).to_be_visible()


def test_a_wrong_password_keeps_the_user_on_the_login_form_with_an_error(page, sign_in, agency):
    user = member(agency, Role.MANAGER, email="mara@acme.test")

    sign_in(user, password="not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text(re.compile("not correct", re.I))).to_be_visible()
    expect(page.locator("summary", has_text="mara@acme.test")).to_have_count(0)


def test_a_member_of_two_agencies_switches_agency_with_the_switcher(
    page, sign_in, agency, other_agency
):
    user = member(agency, Role.MANAGER, email="both@acme.test")
    MembershipFactory(user=user, agency=other_agency, role=Role.FINANCE)

    sign_in(user)
    # Two agencies and no agency visited yet: the chooser lists both.
    expect(page.get_by_role("heading", name="Choose an agency")).to_be_visible()
    page.get_by_role("link", name=re.compile("Acme Talent")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Talent")

    switcher = page.get_by_test_id("agency-switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name=re.compile("Rival Creators")).click()

    expect(page).to_have_url(re.compile(reverse("agencies:dashboard", args=["rival"]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rival Creators")
    expect(switcher.locator("summary")).to_have_text("Rival Creators")

    # The last agency is remembered: the home page goes straight back to it.
    page.goto(reverse("home"))
    expect(page).to_have_url(re.compile(reverse("agencies:dashboard", args=["rival"]) + "$"))


def test_a_creator_sees_only_their_own_profile_and_another_agency_is_not_found(
    page, sign_in, agency, other_agency
):
    creator_user = member(agency, Role.CREATOR, email="lina@acme.test")
    mine = creator_user.creator_profiles.get()
    SocialAccountFactory(creator=mine, handle="lina.makes", followers=48_200)
    colleague = member(agency, Role.CREATOR, email="colleague@acme.test")
    SocialAccountFactory(creator=colleague.creator_profiles.get(), handle="someone.else")
    member(other_agency, Role.CREATOR, email="rival-creator@rival.test")

    sign_in(creator_user)

    # A creator's home is their own overview (the cockpit); their profile is one click away.
    expect(page).to_have_url(re.compile(reverse("agencies:dashboard", args=["acme"]) + "$"))
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="My profile").click()
    expect(page).to_have_url(re.compile(reverse("portal:profile", args=["acme"]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(mine.display_name)
    expect(page.get_by_text("@lina.makes")).to_be_visible()
    expect(page.get_by_text("someone.else")).to_have_count(0)
    for staff_area in ("Dashboard", "Creators", "Team", "Audit log", "Settings"):
        expect(nav.get_by_role("link", name=staff_area)).to_have_count(0)

    response = page.goto(reverse("portal:profile", args=["rival"]))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("rival-creator@rival.test")).to_have_count(0)

    response = page.goto(reverse("agencies:dashboard", args=["acme"]).replace("acme", "nowhere"))
    assert response is not None and response.status == 404


def test_a_signed_out_visitor_is_sent_to_the_login_form(page, agency):
    page.goto(reverse("portal:profile", args=["acme"]))

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("button", name=re.compile("sign in", re.I))).to_be_visible()
