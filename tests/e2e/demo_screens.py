"""The demo's main screens per role, for the layout and accessibility journeys.

Each role's home and the pages issue 16 names: roster, campaign, statement, insights,
moderation queue and the creator portal, opened as the demo login of a role that uses them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.management import call_command
from django.urls import reverse

from agencies.models import Agency
from agencies.roles import Role
from campaigns.models import Campaign
from creators.models import Creator
from leads.models import Lead
from payouts.models import PayoutStatement

AGENCY = "northstar"
LOGINS = {
    Role.OWNER: "owner@northstar.test",
    Role.MANAGER: "manager@northstar.test",
    Role.FINANCE: "finance@northstar.test",
    Role.COMMUNITY_MANAGER: "community@northstar.test",
    Role.CREATOR: "creator@northstar.test",
}
WIDTHS = {"desktop": 1440, "phone": 390}


@dataclass(frozen=True)
class Screen:
    role: str
    name: str
    url: str


def seed_demo() -> Agency:
    call_command("seed_demo", stdout=io.StringIO())
    return Agency.objects.get(slug=AGENCY)


def screens(agency: Agency) -> list[Screen]:
    slug = {"agency_slug": agency.slug}
    campaign = Campaign.objects.filter(agency=agency).order_by("pk").first()
    creator_login = Creator.objects.get(agency=agency, user__email=LOGINS[Role.CREATOR])
    statement = (
        PayoutStatement.objects.filter(agency=agency, creator=creator_login).order_by("pk").first()
    )
    star = (
        Creator.objects.filter(
            agency=agency, status="active", social_accounts__snapshots__isnull=False
        )
        .order_by("pk")
        .first()
    )
    home = reverse("agencies:dashboard", kwargs=slug)

    def url(name: str, **kwargs) -> str:
        return reverse(name, kwargs={**slug, **kwargs})

    result = [Screen(role, "home", home) for role in LOGINS]
    result += [
        Screen(Role.MANAGER, "roster", url("creators:list")),
        Screen(Role.MANAGER, "campaign", url("campaigns:detail", pk=campaign.pk)),
        Screen(Role.FINANCE, "statement", url("payouts:statement", pk=statement.pk)),
        Screen(Role.FINANCE, "payouts", url("payouts:index")),
        Screen(Role.MANAGER, "insights", url("creators:insights", pk=star.pk)),
        Screen(Role.COMMUNITY_MANAGER, "moderation queue", url("moderation:queue")),
        Screen(Role.CREATOR, "portal profile", url("portal:profile")),
        Screen(Role.CREATOR, "portal insights", url("portal:insights")),
        Screen(Role.CREATOR, "portal campaigns", url("campaigns:portal")),
        Screen(Role.CREATOR, "portal payouts", url("payouts:portal")),
        Screen(Role.CREATOR, "portal cases", url("moderation:portal")),
        Screen(Role.MANAGER, "program applications", url("creators:applications")),
        Screen(Role.FINANCE, "income mix", url("payouts:creator_income", pk=creator_login.pk)),
        Screen(Role.CREATOR, "portal income mix", url("payouts:portal_income")),
        Screen(Role.MANAGER, "leads", url("leads:list")),
        Screen(Role.MANAGER, "lead", url("leads:detail", pk=Lead.objects.get(agency=agency).pk)),
    ]
    return result


def signed_in_context(browser, live_server, role: str, width: int):
    """A browser context at `width` px, signed in as the demo login of `role`."""
    from creators.demo import DEMO_PASSWORD

    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": width, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(LOGINS[role])
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{LOGINS[role]} could not sign in"
    return context, page


def by_role(items: list[Screen]) -> dict[str, list[Screen]]:
    grouped: dict[str, list[Screen]] = {}
    for screen in items:
        grouped.setdefault(screen.role, []).append(screen)
    return grouped
