"""The report section and the API list take a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import ReportShareLink, SponsorReport
from tests.campaigns.factories import CampaignFactory
from tests.helpers import scoping_queries

pytestmark = pytest.mark.django_db


def add_reports(campaign, n: int) -> None:
    for _ in range(n):
        report = SponsorReport.objects.create(
            agency=campaign.agency,
            campaign=campaign,
            period_start=campaign.start_date,
            period_end=campaign.end_date,
            status="done",
            file="sponsor-reports/x.pdf",
        )
        ReportShareLink.objects.create(
            agency=campaign.agency, report=report, expires_at=timezone.now() + dt.timedelta(days=1)
        )


# Both: savepoint, session, user, membership (with agency), campaign, ..., release.
# The section then reads the reports and their share links (one prefetch); the API list
# counts the reports and reads one page.
QUERIES = {"campaigns:report-section": 8, "api:sponsor-report-list": 8}


@pytest.mark.parametrize(
    ("name", "extra"),
    [("campaigns:report-section", {"HTTP_HX_REQUEST": "true"}), ("api:sponsor-report-list", {})],
)
@pytest.mark.parametrize("size", [1, 9])
def test_the_query_count_does_not_grow_with_reports(
    agency, manager_client, django_assert_num_queries, name, extra, size
):
    campaign = CampaignFactory(agency=agency)
    url = reverse(name, kwargs={"agency_slug": "acme", "pk": campaign.pk})
    manager_client.get(url, **extra)  # the first request also saves the new session
    add_reports(campaign, size)
    with django_assert_num_queries(QUERIES[name] + scoping_queries()):
        assert manager_client.get(url, **extra).status_code == 200
