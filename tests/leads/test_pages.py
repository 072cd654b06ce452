"""The lead list, detail and exports: filters, search, sort, pages, roles, tenancy, bad
input, formula-safe files and pinned query counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.roles import Role
from tests.campaigns.factories import CampaignFactory
from tests.factories import CreatorFactory
from tests.helpers import client_for, member, scoping_queries

from .builders import make_lead

pytestmark = pytest.mark.django_db


def _url(agency, name="leads:list", **kwargs):
    return reverse(name, kwargs={"agency_slug": agency.slug, **kwargs})


@pytest.fixture
def campaign(agency):
    return CampaignFactory(agency=agency, code="GLOW-26")


def test_the_list_shows_leads_with_their_addresses_to_owners(owner_client, agency, campaign):
    make_lead(agency, campaign=campaign, name="Fenna", email="fenna@example.com")
    lost = make_lead(agency, name="Joris")

    response = owner_client.get(_url(agency))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Fenna" in html and "fenna@example.com" in html and "GLOW-26" in html
    assert "Joris" in html and "not counted as a conversion" in html
    assert _url(agency, "leads:detail", pk=lost.pk) in html
    assert _url(agency, "leads:export_csv") in html


def test_community_managers_see_leads_but_not_addresses(agency, campaign):
    make_lead(agency, campaign=campaign, email="fenna@example.com")
    client = client_for(member(agency, Role.COMMUNITY_MANAGER))

    html = client.get(_url(agency)).content.decode()

    assert "fenna@example.com" not in html and "hidden for your role" in html
    assert _url(agency, "leads:export_csv") not in html


def test_the_empty_list_says_where_leads_come_from(owner_client, agency):
    html = owner_client.get(_url(agency)).content.decode()
    assert "No leads" in html and "consents to e-mail" in html


def test_filters_by_campaign_and_creator_and_search(owner_client, agency, campaign):
    creator = CreatorFactory(agency=agency, display_name="Mila")
    make_lead(agency, campaign=campaign, creator=creator, name="Fenna")
    make_lead(agency, campaign=campaign, name="Joris")
    make_lead(agency, creator=creator, name="Sanne", email="sanne@bakt.nl")

    def names(query):
        response = owner_client.get(_url(agency), query)
        assert response.status_code == 200
        return [lead.name for lead in response.context["page_obj"].object_list]

    assert sorted(names({"campaign": campaign.pk})) == ["Fenna", "Joris"]
    assert sorted(names({"creator": creator.pk})) == ["Fenna", "Sanne"]
    assert names({"campaign": campaign.pk, "creator": creator.pk}) == ["Fenna"]
    assert names({"q": "bakt"}) == ["Sanne"]
    assert names({"converted": "false"}) == ["Sanne"]
    assert names({"sort": "name"}) == ["Fenna", "Joris", "Sanne"]
    assert names({"sort": "-name"}) == ["Sanne", "Joris", "Fenna"]


def test_the_list_has_pages(owner_client, agency):
    for _ in range(51):
        make_lead(agency)
    first = owner_client.get(_url(agency)).context["page_obj"]
    second = owner_client.get(_url(agency), {"page": 2}).context["page_obj"]
    assert (len(first.object_list), len(second.object_list)) == (50, 1)


@pytest.mark.parametrize(
    "query", [{"campaign": "abc"}, {"creator": "999999"}, {"sort": "email"}, {"follow_up": "x"}]
)
def test_bad_filters_answer_400_with_the_error(owner_client, agency, query):
    make_lead(agency)
    response = owner_client.get(_url(agency), query)
    assert response.status_code == 400
    assert list(response.context["page_obj"].object_list) == []
    assert response.context["form"].errors


def test_another_agencys_campaign_is_refused_as_a_filter(owner_client, agency, other_agency):
    theirs = CampaignFactory(agency=other_agency)
    make_lead(other_agency, campaign=theirs)
    response = owner_client.get(_url(agency), {"campaign": theirs.pk})
    assert response.status_code == 400


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_leads(
    owner_client, agency, campaign, size, django_assert_num_queries
):
    creator = CreatorFactory(agency=agency)
    for n in range(size):
        make_lead(agency, campaign=campaign if n % 2 else None, creator=creator)
    owner_client.get(_url(agency))
    # session, user, savepoint + release (ATOMIC_REQUESTS), memberships + agencies, the
    # count, the filter's campaigns and creators, and the
    # page of leads with their contact, creator, campaign, deliverable and conversion.
    with django_assert_num_queries(9 + scoping_queries()):
        response = owner_client.get(_url(agency))
    assert len(response.context["page_obj"].object_list) == size


def test_the_detail_shows_the_lead(owner_client, agency, campaign):
    lead = make_lead(agency, campaign=campaign, name="Fenna", email="fenna@example.com")
    html = owner_client.get(_url(agency, "leads:detail", pk=lead.pk)).content.decode()
    assert "fenna@example.com" in html and "Counted as a lead conversion" in html


def test_the_detail_masks_the_address_for_community_managers(agency):
    lead = make_lead(agency, email="fenna@example.com")
    client = client_for(member(agency, Role.COMMUNITY_MANAGER))
    html = client.get(_url(agency, "leads:detail", pk=lead.pk)).content.decode()
    assert "fenna@example.com" not in html and "f•••@example.com" in html


def test_another_agencys_lead_is_not_found(owner_client, agency, other_agency):
    theirs = make_lead(other_agency, name="Secret")
    response = owner_client.get(_url(agency, "leads:detail", pk=theirs.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CREATOR])
def test_finance_and_creators_have_no_access(agency, role):
    client = client_for(member(agency, role))
    assert client.get(_url(agency)).status_code == 403
    assert client.get(_url(agency, "leads:export_csv")).status_code == 403


def test_the_csv_export_is_formula_safe_and_filtered(owner_client, agency, campaign):
    make_lead(agency, campaign=campaign, name='=HYPERLINK("http://x")', email="a@example.com")
    make_lead(agency, name="Other")

    response = owner_client.get(_url(agency, "leads:export_csv"), {"campaign": campaign.pk})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["lead_id", "name", "email"]
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][2] == "a@example.com"
    assert rows[1][6] == "GLOW-26"


def test_the_xlsx_export_never_holds_a_formula(owner_client, agency):
    make_lead(agency, name="=1+1", email="b@example.com")

    response = owner_client.get(_url(agency, "leads:export_xlsx"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "name" and rows[1][1] == "=1+1"
    assert sheet.cell(row=2, column=2).data_type == "s"


def test_community_managers_may_not_export(agency):
    client = client_for(member(agency, Role.COMMUNITY_MANAGER))
    assert client.get(_url(agency, "leads:export_xlsx")).status_code == 403


def test_an_export_with_a_bad_filter_answers_400(owner_client, agency):
    response = owner_client.get(_url(agency, "leads:export_csv"), {"creator": "nope"})
    assert response.status_code == 400


def test_the_campaign_page_counts_its_conversation_leads_and_links_them(
    manager_client, agency, campaign
):
    make_lead(agency, campaign=campaign)
    make_lead(agency, campaign=campaign)

    html = manager_client.get(
        reverse("campaigns:detail", kwargs={"agency_slug": agency.slug, "pk": campaign.pk})
    ).content.decode()

    assert "2 of the conversions are leads from DM conversations" in html
    assert f"{_url(agency)}?campaign={campaign.pk}" in html


def test_finance_sees_the_count_without_a_link_to_leads(finance_client, agency, campaign):
    make_lead(agency, campaign=campaign)
    html = finance_client.get(
        reverse("campaigns:detail", kwargs={"agency_slug": agency.slug, "pk": campaign.pk})
    ).content.decode()
    assert "1 of the conversions is a lead from a DM conversation" in html
    assert _url(agency) not in html
