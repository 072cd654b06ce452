"""Share links for the sponsor: signed, expiring, revocable, no login, every download recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditLog
from campaigns.models import ReportDownload, SponsorReport
from reports.selectors import share_token
from reports.services import share_link_create, share_link_revoke
from tests.campaigns.factories import CampaignFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def report(agency, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    campaign = CampaignFactory(agency=agency, code="FIZZ-24")
    report = SponsorReport.objects.create(
        agency=agency,
        campaign=campaign,
        period_start=campaign.start_date,
        period_end=campaign.end_date,
        status="done",
        progress=100,
    )
    report.file.save("fizz.pdf", ContentFile(b"%PDF-1.7 fizz"), save=True)
    return report


def public_url(link) -> str:
    return reverse("report_share:download", kwargs={"token": share_token(link)})


def test_a_sponsor_downloads_through_a_link_without_logging_in(report, manager):
    link = share_link_create(agency=report.agency, report=report, actor=manager, days=7)
    response = Client().get(public_url(link), HTTP_USER_AGENT="SponsorBrowser/1.0")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 fizz"
    download = ReportDownload.objects.get()
    assert (download.share_link, download.user, download.user_agent) == (
        link,
        None,
        "SponsorBrowser/1.0",
    )
    assert AuditLog.objects.filter(action="sponsor_report_share.create").count() == 1


def test_a_link_expires(report, manager):
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        link = share_link_create(agency=report.agency, report=report, actor=manager, days=7)
    with time_machine.travel(dt.datetime(2030, 1, 7, 23, tzinfo=dt.UTC), tick=False):
        assert Client().get(public_url(link)).status_code == 200
    with time_machine.travel(dt.datetime(2030, 1, 8, 0, 1, tzinfo=dt.UTC), tick=False):
        assert Client().get(public_url(link)).status_code == 404
    assert ReportDownload.objects.count() == 1


def test_a_revoked_link_answers_404_at_once(report, manager, manager_client):
    link = share_link_create(agency=report.agency, report=report, actor=manager, days=7)
    response = manager_client.post(
        reverse("campaigns:report-share-revoke", kwargs={"agency_slug": "acme", "pk": link.pk})
    )
    assert response.status_code == 302
    assert Client().get(public_url(link)).status_code == 404
    assert not ReportDownload.objects.exists()
    share_link_revoke(agency=report.agency, link=link, actor=manager)  # twice: one entry
    assert AuditLog.objects.filter(action="sponsor_report_share.revoke").count() == 1


@pytest.mark.parametrize("token", ["nonsense", "1", "MQ:1abc:xyz"])
def test_a_forged_token_answers_404(report, token):
    url = reverse("report_share:download", kwargs={"token": token})
    assert Client().get(url).status_code == 404


def test_a_token_for_another_salt_or_key_is_refused(report, manager):
    from django.core import signing

    link = share_link_create(agency=report.agency, report=report, actor=manager, days=7)
    forged = signing.dumps(link.pk, salt="something-else")
    url = reverse("report_share:download", kwargs={"token": forged})
    assert Client().get(url).status_code == 404


@pytest.mark.parametrize("days", [0, -1, 91])
def test_a_link_lasts_one_to_ninety_days(report, manager, days):
    with pytest.raises(ValidationError):
        share_link_create(agency=report.agency, report=report, actor=manager, days=days)


def test_an_unfinished_report_cannot_be_shared(report, manager):
    SponsorReport.objects.filter(pk=report.pk).update(status="rendering")
    report.refresh_from_db()
    with pytest.raises(ValidationError):
        share_link_create(agency=report.agency, report=report, actor=manager)


def test_another_agencys_report_and_link_answer_404(report, outsider, other_agency, manager):
    link = share_link_create(agency=report.agency, report=report, actor=manager, days=7)
    client = Client()
    client.force_login(outsider)
    for name, pk in (("report-share-revoke", link.pk), ("report-share-create", report.pk)):
        url = reverse(f"campaigns:{name}", kwargs={"agency_slug": "rival", "pk": pk})
        assert client.post(url).status_code == 404
    url = reverse("campaigns:report-download", kwargs={"agency_slug": "rival", "pk": report.pk})
    assert client.get(url).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_campaign_page_lists_the_link_and_staff_downloads_are_recorded(
    report, manager, manager_client
):
    link = share_link_create(agency=report.agency, report=report, actor=manager, days=7)
    # The token carries a signed timestamp: the page and the test sign it in the same second.
    with time_machine.travel(timezone.now(), tick=False):
        section = manager_client.get(
            reverse(
                "campaigns:report-section",
                kwargs={"agency_slug": "acme", "pk": report.campaign_id},
            ),
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert public_url(link) in section
    manager_client.get(
        reverse("campaigns:report-download", kwargs={"agency_slug": "acme", "pk": report.pk})
    )
    assert ReportDownload.objects.get().user == manager
