"""The leads API: list (the page's filters) and detail, read-only, with the page's roles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.roles import Role
from tests.campaigns.factories import CampaignFactory
from tests.factories import CreatorFactory
from tests.helpers import client_for, member, scoping_queries

from .builders import make_lead

pytestmark = pytest.mark.django_db


def url(agency, name: str = "api:lead-list", **kwargs) -> str:
    return reverse(name, kwargs={"agency_slug": agency.slug, **kwargs})


def test_the_list_gives_leads_with_their_campaign_and_address(owner_client, agency):
    campaign = CampaignFactory(agency=agency, code="GLOW-26")
    creator = CreatorFactory(agency=agency, display_name="Mila")
    lead = make_lead(agency, campaign=campaign, creator=creator, email="fenna@example.com")

    body = owner_client.get(url(agency)).json()

    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == lead.pk and row["email"] == "fenna@example.com"
    assert row["email_masked"] is False
    assert (row["campaign"], row["campaign_code"], row["creator_name"]) == (
        campaign.pk,
        "GLOW-26",
        "Mila",
    )
    assert row["conversion"] == lead.conversion_id and row["follow_up"] == "waiting"


def test_community_managers_get_masked_addresses(agency):
    make_lead(agency, email="fenna@example.com")
    client = client_for(member(agency, Role.COMMUNITY_MANAGER))
    [row] = client.get(url(agency)).json()["results"]
    assert row["email"] == "f•••@example.com" and row["email_masked"] is True


def test_the_list_filters_like_the_page(owner_client, agency):
    campaign = CampaignFactory(agency=agency)
    make_lead(agency, campaign=campaign, name="Fenna")
    make_lead(agency, name="Joris")
    body = owner_client.get(url(agency), {"campaign": campaign.pk}).json()
    assert [r["name"] for r in body["results"]] == ["Fenna"]
    body = owner_client.get(url(agency), {"q": "jor"}).json()
    assert [r["name"] for r in body["results"]] == ["Joris"]


@pytest.mark.parametrize("query", [{"campaign": "x"}, {"sort": "drop table"}, {"creator": "0"}])
def test_bad_filters_answer_400(owner_client, agency, query):
    response = owner_client.get(url(agency), query)
    assert response.status_code == 400


def test_another_agencys_campaign_is_an_unknown_filter(owner_client, agency, other_agency):
    theirs = CampaignFactory(agency=other_agency)
    make_lead(other_agency, campaign=theirs)
    assert owner_client.get(url(agency), {"campaign": theirs.pk}).status_code == 400


def test_the_detail_gives_the_conversation(owner_client, agency):
    lead = make_lead(agency)
    body = owner_client.get(url(agency, "api:lead-detail", pk=lead.pk)).json()
    assert body["id"] == lead.pk and "source_message_text" in body
    assert body["follow_up_action"] is None


def test_another_agencys_lead_is_not_found(owner_client, agency, other_agency):
    theirs = make_lead(other_agency)
    assert owner_client.get(url(agency, "api:lead-detail", pk=theirs.pk)).status_code == 404


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CREATOR])
def test_finance_and_creators_are_refused(agency, role):
    lead = make_lead(agency)
    client = client_for(member(agency, role))
    assert client.get(url(agency)).status_code == 403
    assert client.get(url(agency, "api:lead-detail", pk=lead.pk)).status_code == 403


def test_leads_cannot_be_written_through_the_api(owner_client, agency):
    lead = make_lead(agency)
    # No role may write (the API base refuses before the method is looked at).
    assert owner_client.post(url(agency), {}).status_code == 403
    assert owner_client.delete(url(agency, "api:lead-detail", pk=lead.pk)).status_code == 403
    lead.refresh_from_db()


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_leads(
    owner_client, agency, size, django_assert_num_queries
):
    campaign = CampaignFactory(agency=agency)
    creator = CreatorFactory(agency=agency)
    for n in range(size):
        make_lead(agency, campaign=campaign if n % 2 else None, creator=creator)
    owner_client.get(url(agency))
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), the count and the page with contact, creator, campaign,
    # deliverable and conversion.
    with django_assert_num_queries(7 + scoping_queries()):
        response = owner_client.get(url(agency))
    assert response.json()["count"] == size
