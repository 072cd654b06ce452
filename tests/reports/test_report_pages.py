"""Requesting, watching and downloading sponsor reports; the command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.models import AuditLog
from campaigns.models import SponsorReport
from reports import pdf as report_pdf
from reports.tasks import sponsor_report_render
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def url(name: str, pk: int, slug: str = "acme") -> str:
    return reverse(f"campaigns:{name}", kwargs={"agency_slug": slug, "pk": pk})


def test_a_manager_requests_a_report_watches_it_and_downloads_it(
    agency, manager, manager_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    campaign = CampaignFactory(agency=agency, sponsor__brand="Fizzy Cola")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            url("report-request", campaign.pk), {"language": "nl"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    report = SponsorReport.objects.get()
    assert (report.status, report.progress, report.language) == ("done", 100, "nl")
    assert report.period_start == campaign.start_date and report.created_by == manager
    assert AuditLog.objects.filter(action="sponsor_report.request", agency=agency).count() == 1

    section = manager_client.get(url("report-section", campaign.pk), HTTP_HX_REQUEST="true")
    assert url("report-download", report.pk) in section.content.decode()
    assert 'hx-trigger="every 2s"' not in section.content.decode()

    download = manager_client.get(url("report-download", report.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_pending_report_is_polled_until_it_is_done(agency, manager, manager_client):
    campaign = CampaignFactory(agency=agency)
    SponsorReport.objects.create(
        agency=agency,
        campaign=campaign,
        period_start=campaign.start_date,
        period_end=campaign.end_date,
        status="rendering",
        progress=40,
    )
    html = manager_client.get(url("report-section", campaign.pk), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in html.content.decode()
    assert "40%" in html.content.decode()
    # a report still rendering has no file to download
    pending = SponsorReport.objects.get()
    assert manager_client.get(url("report-download", pending.pk)).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"language": "de"},
        {"language": "en", "period_start": "2024-04-30", "period_end": "2024-03-01"},
        {"language": "en", "period_start": "not a date"},
    ],
)
def test_bad_requests_are_refused_and_nothing_is_queued(agency, manager_client, data):
    campaign = CampaignFactory(agency=agency)
    response = manager_client.post(url("report-request", campaign.pk), data)
    assert response.status_code == 400
    assert not SponsorReport.objects.exists()


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
    assert manager_client.get(url("report-download", report.pk)).status_code == 404
    assert manager_client.get(url("report-download", report.pk, "rival")).status_code == 404
    assert (
        manager_client.post(url("report-request", theirs.pk), {"language": "en"}).status_code == 404
    )
    assert not SponsorReport.objects.filter(agency=agency).exists()


def test_the_command_writes_a_pdf(agency, tmp_path, capsys):
    CampaignFactory(agency=agency, code="SPRING-24")
    out = tmp_path / "report.pdf"
    call_command("sponsor_report", "--agency", "acme", "--campaign", "SPRING-24", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert "SPRING-24" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--agency", "nope", "--campaign", "SPRING-24"], "No agency"),
        (["--agency", "acme", "--campaign", "NOPE"], "No campaign"),
        (["--agency", "rival", "--campaign", "SPRING-24"], "No campaign"),
        (["--agency", "acme", "--campaign", "SPRING-24", "--from", "soon"], "must be a date"),
    ],
)
def test_the_command_refuses_bad_input_with_a_reason(agency, other_agency, tmp_path, args, reason):
    CampaignFactory(agency=agency, code="SPRING-24")
    with pytest.raises(CommandError, match=reason):
        call_command("sponsor_report", *args, "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_a_failed_render_is_recorded_and_a_done_report_is_not_rendered_again(
    agency, manager, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    campaign = CampaignFactory(agency=agency)
    report = SponsorReport.objects.create(
        agency=agency,
        campaign=campaign,
        period_start=campaign.start_date,
        period_end=campaign.end_date,
    )

    def broken(data, *, language):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(report_pdf, "render_report_pdf", broken)
    with pytest.raises(RuntimeError):
        sponsor_report_render(report.agency_id, report.pk)
    report.refresh_from_db()
    assert (report.status, report.error, report.file.name) == ("failed", "pango exploded", "")

    monkeypatch.undo()
    assert sponsor_report_render(report.agency_id, report.pk) == "done"
    report.refresh_from_db()
    first_file = report.file.name
    assert (
        sponsor_report_render(report.agency_id, report.pk) == "done"
    )  # idempotent: no second render
    report.refresh_from_db()
    assert report.file.name == first_file
