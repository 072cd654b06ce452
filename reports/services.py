"""Sponsor reports, writes: request a report (rendered by a worker), render it, share it
with the sponsor through an expiring link, revoke the link, record each download."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency
from agencies.tasking import enqueue_on_commit
from campaigns.models import (
    Campaign,
    ReportDownload,
    ReportShareLink,
    ReportStatus,
    SponsorReport,
)
from core.db_scope import tenant_transaction

from .selectors import sponsor_report_data

SHARE_MAX_DAYS = 90
# The render task's registered name (reports/tasks.py), kept from when it lived in campaigns so
# queued messages and the route in config/settings.py still find it.
RENDER_TASK = "campaigns.sponsor_report_render"


@transaction.atomic
def sponsor_report_request(
    *,
    agency: Agency,
    campaign: Campaign,
    actor,
    language: str,
    period_start: date | None = None,
    period_end: date | None = None,
) -> SponsorReport:
    """Queue a report; the render task is enqueued once the transaction commits."""
    if campaign.agency_id != agency.pk:
        raise ValidationError(_("This campaign belongs to another agency."))
    report = SponsorReport(
        agency=agency,
        campaign=campaign,
        period_start=period_start or campaign.start_date,
        period_end=period_end or campaign.end_date,
        language=language,
        created_by=actor,
    )
    report.full_clean()
    report.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="sponsor_report.request",
        obj=report,
        after={
            "campaign": campaign.code,
            "language": language,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
        },
    )
    enqueue_on_commit(RENDER_TASK, report.agency_id, report.pk)
    return report


def _set_progress(report: SponsorReport, status: str, progress: int) -> None:
    # Saved outside the render's work so a polling page sees it; one narrow update.
    with tenant_transaction(report.agency_id):
        SponsorReport.objects.filter(pk=report.pk).update(status=status, progress=progress)
    report.status, report.progress = status, progress


def sponsor_report_render(*, report: SponsorReport) -> SponsorReport:
    """Render a queued report to its PDF file. Idempotent: a finished report is left alone.
    A failure is recorded on the report (status failed, a short reason) and re-raised."""
    # Lazily: WeasyPrint (Pango and its fonts through cffi) is a quarter of the start-up of
    # every process that imports it, and only a worker renders; the worker loads it before
    # forking its pool (reports/tasks.py), web processes never do.
    from .pdf import render_report_pdf

    if report.status == ReportStatus.DONE:
        return report
    _set_progress(report, ReportStatus.RENDERING, 10)
    try:
        with tenant_transaction(report.agency_id):  # one consistent read of this agency's rows
            data = sponsor_report_data(
                campaign=report.campaign,
                period_start=report.period_start,
                period_end=report.period_end,
                language=report.language,
            )
        _set_progress(report, ReportStatus.RENDERING, 40)
        pdf = render_report_pdf(data, language=report.language)
        _set_progress(report, ReportStatus.RENDERING, 90)
        name = f"{report.campaign.code}-{report.period_start:%Y%m%d}-{report.language}.pdf"
        report.file.save(name, ContentFile(pdf), save=False)
        report.status = ReportStatus.DONE
        report.progress = 100
        report.error = ""
        report.finished_at = timezone.now()
        with tenant_transaction(report.agency_id):
            report.save(update_fields=["file", "status", "progress", "error", "finished_at"])
    except Exception as error:
        with tenant_transaction(report.agency_id):
            SponsorReport.objects.filter(pk=report.pk).update(
                status=ReportStatus.FAILED, error=str(error)[:300], finished_at=timezone.now()
            )
        raise
    return report


@transaction.atomic
def share_link_create(
    *, agency: Agency, report: SponsorReport, actor, days: int = 14
) -> ReportShareLink:
    """A sponsor link to a finished report, valid for `days` days (1 to 90)."""
    if report.agency_id != agency.pk:
        raise ValidationError(_("This report belongs to another agency."))
    if report.status != ReportStatus.DONE:
        raise ValidationError(_("Only a finished report can be shared."))
    if not 1 <= days <= SHARE_MAX_DAYS:
        raise ValidationError(
            {"days": _("A link is valid for 1 to %(n)s days.") % {"n": SHARE_MAX_DAYS}}
        )
    link = ReportShareLink(
        agency=agency,
        report=report,
        expires_at=timezone.now() + timedelta(days=days),
        created_by=actor,
    )
    link.full_clean()
    link.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="sponsor_report_share.create",
        obj=link,
        after={"report": report.pk, "expires_at": link.expires_at.isoformat()},
    )
    return link


@transaction.atomic
def share_link_revoke(*, agency: Agency, link: ReportShareLink, actor) -> ReportShareLink:
    """Revoke a link at once; revoking twice keeps the first time (one audit entry)."""
    link = ReportShareLink.objects.select_for_update().get(pk=link.pk, agency=agency)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="sponsor_report_share.revoke",
            obj=link,
            after={"revoked_at": link.revoked_at.isoformat()},
        )
    return link


def report_download_record(
    *,
    report: SponsorReport,
    link: ReportShareLink | None = None,
    user=None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ReportDownload:
    return ReportDownload.objects.create(
        agency_id=report.agency_id,
        report=report,
        share_link=link,
        user=user if user is not None and user.is_authenticated else None,
        ip_address=ip_address or None,
        user_agent=user_agent[:200],
    )
