"""URL matrix entries for reports/ (a campaign's sponsor-report pages, under campaigns: names,
and the report API). The sponsor's public link is in url_matrix.NOT_TENANT_SCOPED."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from campaigns.models import ReportShareLink, SponsorReport
from tests.campaigns.factories import CampaignFactory

from .base import EDITORS, UrlCase
from .campaigns import VIEWERS, campaign


def sponsor_report_done(agency, creator) -> dict:
    # One shared file under MEDIA_ROOT (git-ignored), written once.
    name = "sponsor-reports/url-matrix-report.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    camp = CampaignFactory(agency=agency)
    report = SponsorReport.objects.create(
        agency=agency,
        campaign=camp,
        period_start=camp.start_date,
        period_end=camp.end_date,
        status="done",
        progress=100,
        file=name,
    )
    return {"pk": report.pk}


def sponsor_report_link(agency, creator) -> dict:
    report = SponsorReport.objects.get(pk=sponsor_report_done(agency, creator)["pk"])
    link = ReportShareLink.objects.create(
        agency=agency, report=report, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    return {"pk": link.pk}


CASES = [
    UrlCase("campaigns:report-section", VIEWERS, campaign),
    UrlCase("campaigns:report-request", EDITORS, campaign, method="post"),
    UrlCase("campaigns:report-download", VIEWERS, sponsor_report_done),
    UrlCase("campaigns:report-share-create", EDITORS, sponsor_report_done, method="post"),
    UrlCase("campaigns:report-share-revoke", EDITORS, sponsor_report_link, method="post"),
    UrlCase("api:sponsor-report-list", VIEWERS, campaign),
    UrlCase("api:sponsor-report-list", EDITORS, campaign, method="post"),
    UrlCase("api:sponsor-report-detail", VIEWERS, sponsor_report_done),
    UrlCase("api:sponsor-report-download", VIEWERS, sponsor_report_done),
]
