"""List pages and API lists: query counts that do not grow with rows, empty states, charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.charts import bar_chart, line_chart
from creators.models import Creator

from .factories import CampaignFactory, ContractFactory, DeliverableFactory, SponsorFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def grow(agency, creator_user, n: int) -> None:
    own = Creator.objects.get(user=creator_user)
    for _ in range(n):
        campaign = CampaignFactory(agency=agency)
        DeliverableFactory(campaign=campaign, creator=own)
        ContractFactory(agency=agency, sponsor=campaign.sponsor, creators=[own])
        SponsorFactory(agency=agency)


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("campaigns:list", "manager"),
        ("campaigns:sponsor-list", "manager"),
        ("campaigns:contract-list", "manager"),
        ("campaigns:portal", "creator"),
        ("api:campaign-list", "manager"),
        ("api:contract-list", "manager"),
        ("api:deliverable-list", "manager"),
        ("api:sponsor-list", "manager"),
    ],
)
def test_list_queries_do_not_grow_with_rows(
    agency, creator_user, manager_client, creator_client, name, who
):
    client = manager_client if who == "manager" else creator_client
    url = reverse(name, kwargs={"agency_slug": "acme"})
    grow(agency, creator_user, 1)
    client.get(url)  # the first visit also stores the current agency in the session
    small = count_queries(client, url)
    grow(agency, creator_user, 6)
    # session, user, membership, the page's count and rows (plus one prefetch of contract
    # creators), the agency switcher: the same number for 1 and 7 rows.
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    "name", ["campaigns:list", "campaigns:sponsor-list", "campaigns:contract-list"]
)
def test_empty_lists_explain_what_to_do(manager_client, name):
    body = manager_client.get(reverse(name, kwargs={"agency_slug": "acme"})).content.decode()
    assert 'class="empty"' in body


def test_a_finance_member_sees_campaigns_but_cannot_edit(agency, finance_client):
    campaign = CampaignFactory(agency=agency)
    page = finance_client.get(
        reverse("campaigns:detail", kwargs={"agency_slug": "acme", "pk": campaign.pk})
    )
    assert page.status_code == 200
    assert "Edit campaign" not in page.content.decode()
    assert "Import metrics" in page.content.decode()


def test_charts_are_accessible_standalone_svg_with_escaped_labels():
    svg = bar_chart([("<script>", 3), ("B & co", 1.5)], title="Views", chart_id="c1")
    root = ET.fromstring(svg)  # noqa: S314 - our own markup, must be well-formed
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    line = line_chart([("1 Mar", 0.5), ("2 Mar", 1.0)], title="Rate", chart_id="c2")
    assert (
        ET.fromstring(line).find(  # noqa: S314
            "{http://www.w3.org/2000/svg}polyline"
        )
        is not None
    )


def test_charts_say_when_there_is_no_data():
    svg = bar_chart([], title="Views", chart_id="c3", empty_message="No metrics yet")
    assert "No metrics yet" in svg
    ET.fromstring(svg)  # noqa: S314
