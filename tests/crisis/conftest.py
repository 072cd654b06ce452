"""Crisis fixtures: deliverables on either side of today, crisis mode through the real view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from campaigns.models import DeliverableStatus
from creators.insights.selectors import agency_today
from tests.campaigns.factories import CampaignFactory, DeliverableFactory


def switch_crisis(client, agency, *, on: bool):
    """Crisis mode on or off through the review queue's button (moderation:crisis)."""
    return client.post(
        reverse("moderation:crisis", kwargs={"agency_slug": agency.slug}),
        {"enabled": "1" if on else "0"},
    )


@pytest.fixture
def schedule(agency):
    """An approved deliverable due in a week, a planned one due today, one due yesterday
    and one already posted next week: only the first two are scheduled to publish."""
    today = agency_today(agency)
    campaign = CampaignFactory(agency=agency, end_date=today + dt.timedelta(days=60))
    return {
        "approved": DeliverableFactory(
            campaign=campaign,
            due_date=today + dt.timedelta(days=7),
            status=DeliverableStatus.APPROVED,
        ),
        "today": DeliverableFactory(campaign=campaign, due_date=today),
        "past": DeliverableFactory(campaign=campaign, due_date=today - dt.timedelta(days=1)),
        "posted": DeliverableFactory(
            campaign=campaign,
            due_date=today + dt.timedelta(days=7),
            status=DeliverableStatus.POSTED,
            post_url="https://www.tiktok.com/@a/video/1",
            posted_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        ),
    }
