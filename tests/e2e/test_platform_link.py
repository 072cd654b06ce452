"""Linking a TikTok account in a real browser: an account manager starts on the creator's page,
consents on (fake) TikTok's authorize page served over HTTP on 127.0.0.1, comes back through
the OAuth callback and sees the account linked with its permissions; the creator does the same
from the portal on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.roles import Role
from platforms import fake_tiktok
from platforms.models import AccountStatus, PlatformAccount
from tests.factories import CreatorFactory
from tests.helpers import member

# The page's width beyond the window, and the element sticking out furthest (not inside a
# scrolling box), to name the culprit.
OVERFLOW = """() => {
  const limit = document.documentElement.clientWidth;
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= limit + 1) continue;
    let p = el.parentElement;
    while (p && p !== document.body && getComputedStyle(p).overflowX === 'visible') {
      p = p.parentElement;
    }
    if (p && p !== document.body) continue;
    if (!widest || r.right > widest.right) {
      widest = {right: Math.round(r.right), what: el.outerHTML.slice(0, 120)};
    }
  }
  return {scroll: document.documentElement.scrollWidth, window: limit, widest};
}"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tiktok(settings, live_server):
    fake = fake_tiktok.FakeTikTok(client_key="ck-browser", client_secret="cs-browser")
    fake.add_account(open_id="open-lena", username="lenavos", display_name="Lena Vos")
    fake.add_account(open_id="open-milo", username="milomakes", display_name="Milo")
    settings.TIKTOK_CLIENT_KEY = "ck-browser"
    settings.TIKTOK_CLIENT_SECRET = "cs-browser"
    settings.PLATFORMS_HTTP_TRANSPORT = "platforms.fake_tiktok.transport"
    settings.TIKTOK_REDIRECT_URI = f"{live_server.url}/platforms/tiktok/callback/"
    fake_tiktok.install(fake)
    with fake_tiktok.FakeTikTokServer(fake) as server:
        settings.TIKTOK_AUTH_URL = f"{server.base_url}/v2/auth/authorize/"
        yield fake
    fake_tiktok.install(None)


def test_an_account_manager_links_a_creators_tiktok_account(page, sign_in, agency, tiktok):
    manager = member(agency, Role.MANAGER, email="am@acme.test")
    creator = CreatorFactory(agency=agency, display_name="Lena Vos", account_manager=manager)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(manager)

    page.goto(reverse("creators:detail", args=[agency.slug, creator.pk]))
    page.get_by_role("link", name="Platform connections").click()
    expect(page.get_by_role("heading", name="Platform connections")).to_be_visible()
    expect(page.get_by_text("No platform account is linked yet.")).to_be_visible()
    page.get_by_role("button", name="Link a TikTok account").click()

    # TikTok's consent page (the fake, over real HTTP)
    expect(page.get_by_role("heading", name="Authorize this app")).to_be_visible()
    expect(page.get_by_text("comment.list.manage")).to_be_visible()
    page.get_by_label("@lenavos").check()
    page.get_by_role("button", name="Authorize").click()

    # back in Talentdesk, on the creator's connections
    expect(page.get_by_text("@lenavos is linked.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("@lenavos"))
    expect(row).to_contain_text("Linked")
    expect(row).to_contain_text("Valid")
    expect(row).to_contain_text("✓ comment.list.manage")
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["window"], found
    account = PlatformAccount.objects.get()
    assert (account.creator, account.external_id, account.status) == (
        creator,
        "open-lena",
        AccountStatus.LINKED,
    )

    # disconnecting revokes at TikTok
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Talentdesk no longer has access to it")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("@lenavos"))).to_contain_text("Disconnected")
    assert ("POST", "tt_user/oauth2/revoke/") in tiktok.requests


def test_a_creator_links_their_own_account_from_the_portal_on_a_phone(
    page, sign_in, agency, tiktok
):
    creator_user = member(agency, Role.CREATOR, email="milo@acme.test")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(creator_user)

    page.goto(reverse("portal:profile", args=[agency.slug]))
    page.get_by_role("link", name="My platform connections").click()
    page.get_by_role("button", name="Link a TikTok account").click()
    page.get_by_label("@milomakes").check()
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_text("@milomakes is linked.")).to_be_visible()
    expect(page.get_by_role("heading", name="My platform connections")).to_be_visible()
    assert PlatformAccount.objects.get().creator.user == creator_user
    # nothing wider than the phone's screen
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["window"], found


def test_refusing_on_tiktok_links_nothing_and_says_why(page, sign_in, agency, tiktok):
    manager = member(agency, Role.MANAGER, email="am2@acme.test")
    creator = CreatorFactory(agency=agency)
    sign_in(manager)
    page.goto(reverse("platforms:creator-accounts", args=[agency.slug, creator.pk]))
    page.get_by_role("button", name="Link a TikTok account").click()
    page.get_by_role("button", name="Cancel").click()

    expect(page.get_by_text("TikTok did not grant access")).to_be_visible()
    assert not PlatformAccount.objects.exists()
