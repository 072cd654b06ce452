"""The sponsor report's "conversation-generated leads" are the campaign's consented DM leads,
and its methodology says how they are counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from campaigns.models import ConversionEvent
from reports.selectors import sponsor_report_data
from tests.campaigns.factories import CampaignFactory, DeliverableFactory
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import client_for, member

from .conftest import ACCOUNT, conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(agency):
    today = timezone.localdate()
    return CampaignFactory(
        agency=agency,
        code="GLOW-26",
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=10),
    )


def test_the_report_counts_the_consented_conversation_leads_only(agency, campaign):
    creator = CreatorFactory(agency=agency)
    SocialAccountFactory(creator=creator, handle=ACCOUNT)
    DeliverableFactory(agency=agency, campaign=campaign, creator=creator, post_id="v1")
    conversation(agency, author="fenna", video="v1")
    conversation(agency, author="joris", video="v1", email="joris@example.com")
    # Stopped before an address: no lead.
    conversation(agency, author="lisa", video="v1", email="not an address")
    # A tracker's lead conversion is a conversion, not a conversation lead.
    ConversionEvent.objects.create(
        agency=agency,
        campaign=campaign,
        kind="lead",
        occurred_at=timezone.now() - timedelta(hours=1),
        currency="EUR",
        external_id="tracker-1",
    )
    # Another campaign's lead.
    other = CampaignFactory(agency=agency, code="OTHER-1")
    conversation(agency, author="sam", campaign_code=other.code, email="sam@example.com")

    data = sponsor_report_data(campaign=campaign)

    assert data.leads == 2
    assert data.dashboard.conversions_by_kind["lead"] == 3


def test_the_methodology_says_how_leads_are_counted(agency, campaign):
    data = sponsor_report_data(campaign=campaign)
    html = render_to_string("reports/_methodology.html", {"r": data, "campaign": campaign})
    assert "Conversation-generated leads" in html
    assert "replying YES (or JA) to the consent question" in html
    assert "gave a valid e-mail address" in html
    assert "not included in this figure" in html


def test_a_tracker_cannot_post_a_conversation_lead_through_the_api(agency, campaign):
    client = client_for(member(agency, "owner"))
    response = client.post(
        reverse("api:conversion-list", kwargs={"agency_slug": agency.slug, "pk": campaign.pk}),
        {
            "kind": "lead",
            "source": "conversation",
            "occurred_at": timezone.now().isoformat(),
            "external_id": "t-9",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "tracker"
    assert sponsor_report_data(campaign=campaign).leads == 0
