"""`manage.py seed_demo`: the demo the README promises, idempotent and deterministic."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, Membership
from agencies.roles import Role
from creators.demo import DEMO_PASSWORD
from creators.models import Creator, SocialAccount

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "memberships": Membership.objects.count(),
        "creators": Creator.objects.count(),
        "accounts": SocialAccount.objects.count(),
    }


def test_the_demo_has_two_agencies_every_role_and_about_fifty_creators():
    _seed()

    northstar = Agency.objects.get(slug="northstar")
    lumen = Agency.objects.get(slug="lumen")
    assert (northstar.name, northstar.timezone, northstar.default_currency) == (
        "Northstar Talent",
        "Europe/Amsterdam",
        "EUR",
    )
    assert (lumen.name, lumen.timezone, lumen.default_currency) == (
        "Lumen Creators",
        "Europe/London",
        "GBP",
    )
    assert set(Membership.objects.filter(agency=northstar).values_list("role", flat=True)) == set(
        Role
    )
    assert 45 <= Creator.objects.count() <= 55
    assert Creator.objects.filter(agency=lumen).exists()
    # Every creator has a TikTok account; follower counts span the tiers, 10k to 3M.
    followers = list(
        SocialAccount.objects.filter(platform="tiktok").values_list("followers", flat=True)
    )
    assert len(followers) == Creator.objects.count()
    assert min(followers) >= 10_000
    assert max(followers) >= 1_000_000
    assert max(followers) < 3_000_000
    assert Creator.objects.filter(status="offboarded").exists()


def test_running_it_twice_adds_nothing():
    _seed()
    first = _counts()
    handles = sorted(SocialAccount.objects.values_list("handle", "followers"))

    output = _seed()

    assert _counts() == first
    assert sorted(SocialAccount.objects.values_list("handle", "followers")) == handles
    assert "0 agencies, 0 people, 0 creators and 0 campaigns added" in output


def test_the_creator_login_opens_its_own_profile():
    _seed()
    client = Client()
    assert client.login(username="creator@northstar.test", password=DEMO_PASSWORD)

    response = client.get(reverse("portal:profile", args=["northstar"]))

    assert response.status_code == 200
    assert response.context["creator"].email == "creator@northstar.test"


def test_one_person_works_for_both_agencies():
    _seed()

    roles = dict(
        Membership.objects.filter(user__email="manager@northstar.test").values_list(
            "agency__slug", "role"
        )
    )

    assert roles == {"northstar": Role.MANAGER, "lumen": Role.FINANCE}


def test_every_demo_login_works_and_has_a_verified_address():
    output = _seed()

    for membership in Membership.objects.select_related("user"):
        email = membership.user.email
        assert email in output
        assert EmailAddress.objects.filter(email=email, verified=True, primary=True).exists()
        assert Client().login(username=email, password=DEMO_PASSWORD), email
    assert f"password for all: {DEMO_PASSWORD}" in output


def test_staff_logins_see_their_roster(client):
    _seed()
    client.login(username="finance@northstar.test", password=DEMO_PASSWORD)

    response = client.get(reverse("creators:list", args=["northstar"]))

    assert response.status_code == 200
    assert (
        response.context["page_obj"].paginator.count
        == Creator.objects.filter(agency__slug="northstar").count()
    )


def test_it_refuses_to_run_with_debug_off_outside_tests(settings):
    settings.DEBUG = False
    settings.TESTING = False

    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", stdout=StringIO())

    assert not Agency.objects.exists()


def test_each_agency_gets_a_running_campaign_with_figures(client):
    from campaigns.demo import CODE
    from campaigns.models import Campaign, Contract, ContractStatus
    from campaigns.services.deliverables import caption_missing

    output = _seed()

    assert "2 campaigns added" in output
    campaign = Campaign.objects.get(agency__slug="northstar", code=CODE)
    contract = Contract.objects.get(pk=campaign.contract_id)
    assert contract.status == ContractStatus.ACTIVE
    assert set(contract.creators.all()) == {d.creator for d in campaign.deliverables.all()}
    # One submitted deliverable lacks its disclosure: the checklist has something to refuse.
    failing = [d for d in campaign.deliverables.all() if caption_missing(d)]
    assert [d.status for d in failing] == ["submitted"]
    client.login(username="manager@northstar.test", password=DEMO_PASSWORD)

    response = client.get(reverse("campaigns:detail", args=["northstar", campaign.pk]))

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.total.views > 0
    assert dashboard.total.conversions > 0


def test_the_demo_campaign_renders_a_sponsor_report():
    from campaigns.demo import CODE
    from campaigns.models import Campaign
    from reports.selectors import sponsor_report_data

    _seed()
    campaign = Campaign.objects.get(agency__slug="lumen", code=CODE)

    data = sponsor_report_data(campaign=campaign)

    assert data.dashboard.has_data
    assert len(data.dashboard.creators) == 6


def test_a_second_run_adds_no_campaign_rows():
    from campaigns.models import Campaign, ConversionEvent, Deliverable, MetricSnapshot

    _seed()
    counts = [m.objects.count() for m in (Campaign, Deliverable, MetricSnapshot, ConversionEvent)]

    output = _seed()

    assert "0 campaigns added" in output
    assert [
        m.objects.count() for m in (Campaign, Deliverable, MetricSnapshot, ConversionEvent)
    ] == counts
