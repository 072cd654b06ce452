"""The sponsor-report journey in a real browser: a manager opens a campaign, requests a
report, watches its state in the page and downloads the PDF.

Celery runs eagerly in tests: the render task runs when the request's transaction commits,
after the section in the response was rendered. So the response shows the report queued, with
a progress bar and htmx polling every 2 s, and the first poll finds it finished; in production
the polls would also pass through "Rendering" with its percentage.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.roles import Role
from campaigns.models import ReportDownload, SponsorReport
from tests.helpers import member
from tests.reports.test_sponsor_report import build_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_requests_a_report_watches_its_progress_and_downloads_it(
    page, sign_in, agency, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    campaign = build_campaign(agency, manager)

    # --- the manager opens the campaign; its report section loads below the dashboard ------
    sign_in(manager)
    page.goto(reverse("campaigns:detail", args=[agency.slug, campaign.pk]))
    section = page.locator("section#reports")
    expect(section.get_by_text("No reports yet.")).to_be_visible()

    # --- requests an English report for the campaign's period ------------------------------
    section.get_by_label("Language").select_option(label="English")
    section.get_by_role("button", name="Request report").click()

    # --- the section shows the report queued, with its progress bar, and polls ------------
    progress = section.locator("progress")
    expect(progress).to_be_visible()
    expect(section).to_contain_text("Queued")
    expect(section).to_have_attribute("hx-trigger", "every 2s")

    # --- the poll finds it done: no progress bar, no more polling, a download button ------
    table = section.get_by_test_id("sponsor-reports")
    expect(table).to_contain_text("Done")
    expect(table).to_contain_text("English")
    expect(section.locator("progress")).to_have_count(0)
    expect(section).not_to_have_attribute("hx-trigger", "every 2s")
    report = SponsorReport.objects.get(campaign=campaign)
    assert (report.status, report.progress, report.created_by) == ("done", 100, manager)

    # --- downloads the PDF -----------------------------------------------------------------
    with page.expect_download() as download_info:
        table.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"FIZZ-24-report-{report.period_start:%Y%m%d}-en.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    # every download is recorded, with who downloaded it
    assert ReportDownload.objects.filter(report=report, user=manager).count() == 1
