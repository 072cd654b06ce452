"""The sponsor-report API: request, poll, download; bad input; another agency's report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import SponsorReport
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def api(name: str, pk: int, slug: str = "acme") -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": slug, "pk": pk})


def test_a_report_is_requested_polled_and_downloaded(
    agency, manager_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    campaign = CampaignFactory(agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            api("sponsor-report-list", campaign.pk),
            {"language": "nl", "period_start": "2024-03-01", "period_end": "2024-03-31"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    report_id = response.json()["id"]

    state = manager_client.get(api("sponsor-report-detail", report_id)).json()
    assert (state["status"], state["progress"], state["download_ready"]) == ("done", 100, True)
    listed = manager_client.get(api("sponsor-report-list", campaign.pk)).json()
    assert [r["id"] for r in listed["results"]] == [report_id]

    download = manager_client.get(api("sponsor-report-download", report_id))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    "data",
    [
        {"language": "de"},
        {"period_start": "2024-04-30", "period_end": "2024-03-01"},
        {"period_start": "yesterday"},
    ],
)
def test_bad_requests_are_400_and_nothing_is_queued(agency, manager_client, data):
    campaign = CampaignFactory(agency=agency)
    response = manager_client.post(
        api("sponsor-report-list", campaign.pk), data, content_type="application/json"
    )
    assert response.status_code == 400
    assert not SponsorReport.objects.exists()


def test_a_report_not_rendered_yet_cannot_be_downloaded(agency, manager_client):
    campaign = CampaignFactory(agency=agency)
    report = SponsorReport.objects.create(
        agency=agency,
        campaign=campaign,
        period_start=campaign.start_date,
        period_end=campaign.end_date,
    )
    assert manager_client.get(api("sponsor-report-download", report.pk)).status_code == 404
    assert manager_client.get(api("sponsor-report-detail", report.pk)).json()["status"] == "queued"


def test_another_agencys_report_is_404(agency, other_agency, manager_client):
    theirs = CampaignFactory(agency=other_agency)
    report = SponsorReport.objects.create(
        agency=other_agency,
        campaign=theirs,
        period_start=theirs.start_date,
        period_end=theirs.end_date,
        status="done",
        file="sponsor-reports/theirs.pdf",
    )
    for name, pk in (
        ("sponsor-report-detail", report.pk),
        ("sponsor-report-download", report.pk),
        ("sponsor-report-list", theirs.pk),
    ):
        assert manager_client.get(api(name, pk)).status_code == 404
    response = manager_client.post(
        api("sponsor-report-list", theirs.pk), {"language": "en"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert SponsorReport.objects.count() == 1
