"""Sponsor reports: the figures of one report, and the services that request and render it.

`sponsor_report_data` reuses `selectors.campaign_dashboard` for the same campaign and period,
so every figure in the PDF equals the dashboard's; the charts are the dashboard's SVG
functions. Rendering happens in `campaigns.tasks.sponsor_report_render` (or the
`sponsor_report` command), never in a web request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency
from agencies.rls import tenant_transaction
from agencies.tenancy import enter_agency_of
from creators.models import Creator

from . import selectors
from .charts import campaign_charts
from .checklist import missing_items
from .models import (
    Campaign,
    Checklist,
    Deliverable,
    ReportDownload,
    ReportShareLink,
    ReportStatus,
    SponsorReport,
)
from .selectors import Dashboard, ExperimentSummary

# The engagement-over-time chart covers at most this many days of the period.
SERIES_MAX_DAYS = 90
SHARE_SALT = "campaigns.report-share"
SHARE_MAX_DAYS = 90


@dataclass(frozen=True)
class DisclosureRow:
    deliverable_id: int
    creator_name: str
    kind: str
    status: str
    due_date: date
    posted_at: datetime | None
    approved_at: datetime | None
    approver: str
    missing: list[str]

    @property
    def compliant(self) -> bool:
        return not self.missing


@dataclass
class SponsorReportData:
    agency: Agency
    campaign: Campaign
    period_start: date
    period_end: date
    since: datetime
    until: datetime
    dashboard: Dashboard
    charts: dict[str, str]
    experiments: list[ExperimentSummary]
    checklist: Checklist | None
    disclosure: list[DisclosureRow]
    moderation: object | None  # moderation.selectors.ModerationMetrics
    generated_at: datetime

    @property
    def disclosure_compliant(self) -> int:
        return sum(row.compliant for row in self.disclosure)

    @property
    def disclosure_missing(self) -> list[DisclosureRow]:
        return [row for row in self.disclosure if not row.compliant]

    @property
    def deliverable_groups(self) -> list[tuple[str, list[tuple[object, DisclosureRow | None]]]]:
        """(creator name, [(dashboard row, disclosure row)]) in the dashboard's order: one
        table carries each deliverable's results and its checklist status, approver and dates
        (two 200-row tables made a report twice as long and twice as slow to render)."""
        disclosure = {row.deliverable_id: row for row in self.disclosure}
        groups: list[tuple[str, list]] = []
        for row in self.dashboard.deliverables:
            if not groups or groups[-1][2] != row.creator_id:
                groups.append((row.creator_name, [], row.creator_id))
            groups[-1][1].append((row, disclosure.get(row.id)))
        return [(name, rows) for name, rows, _creator in groups]

    @property
    def moderation_levels(self) -> list[tuple[str, object]]:
        """(level label, SLA figure) for each escalation level, in order."""
        if self.moderation is None:
            return []
        from moderation.models import Level

        return [(Level(level).label, f) for level, f in sorted(self.moderation.per_level.items())]

    @property
    def leads(self) -> int:
        """The campaign's consented conversation leads in the period: lead conversions the
        DM sequence recorded (consent and a valid e-mail address given), not tracker leads."""
        return self.dashboard.conversation_leads


def report_period(
    campaign: Campaign, period_start: date | None = None, period_end: date | None = None
) -> tuple[date, date, datetime, datetime]:
    """The period's dates (default: the campaign's) and its bounds in the agency's timezone;
    the end is the last moment of `period_end`, or now if that is earlier."""
    tz = campaign.agency.tzinfo
    start = period_start or campaign.start_date
    end = period_end or campaign.end_date
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) - timedelta(
        microseconds=1
    )
    return start, end, since, min(until, max(timezone.now(), since))


def _disclosure_rows(campaign: Campaign, checklist: Checklist | None) -> list[DisclosureRow]:
    rows = []
    deliverables = (
        Deliverable.objects.filter(campaign=campaign)
        .select_related("creator", "approved_by")
        .order_by("creator__display_name", "creator_id", "due_date", "id")
    )
    for d in deliverables:
        missing = (
            missing_items(
                d.caption,
                disclosure_text=checklist.disclosure_text,
                hashtags=checklist.required_hashtags,
                mentions=checklist.required_mentions,
            )
            if checklist is not None
            else []
        )
        rows.append(
            DisclosureRow(
                deliverable_id=d.pk,
                creator_name=d.creator.display_name,
                kind=d.get_kind_display(),
                status=d.get_status_display(),
                due_date=d.due_date,
                posted_at=d.posted_at,
                approved_at=d.approved_at,
                approver=(d.approved_by.get_full_name() or d.approved_by.email)
                if d.approved_by
                else "",
                missing=missing,
            )
        )
    return rows


def _moderation(campaign: Campaign, since: datetime, until: datetime, creator_ids: list[int]):
    from moderation.selectors import moderation_metrics

    creators = list(Creator.objects.filter(agency=campaign.agency, pk__in=creator_ids))
    return moderation_metrics(
        agency=campaign.agency,
        start=since,
        end=until,
        campaign_code=campaign.code,
        creators=creators,
    )


def sponsor_report_data(
    *,
    campaign: Campaign,
    period_start: date | None = None,
    period_end: date | None = None,
    language: str = "en",
) -> SponsorReportData:
    """Every figure of a sponsor report, from the dashboard's own selectors for the same
    campaign and period. Chart titles are translated into `language`."""
    start, end, since, until = report_period(campaign, period_start, period_end)
    dashboard = selectors.campaign_dashboard(campaign=campaign, since=since, until=until)
    days = min(SERIES_MAX_DAYS, (end - start).days + 1)
    series = selectors.engagement_series(campaign=campaign, days=days, until=until)
    checklist = Checklist.objects.filter(campaign=campaign).first()
    with translation.override(language):
        charts = campaign_charts(
            dashboard,
            series,
            labels={
                "views": _("Views per creator"),
                "engagement": _("Engagement rate per creator"),
                "funnel": _("Completion funnel"),
                "series": _("Engagement rate over time"),
                "empty": _("No data yet"),
            },
        )
    return SponsorReportData(
        agency=campaign.agency,
        campaign=campaign,
        period_start=start,
        period_end=end,
        since=since,
        until=until,
        dashboard=dashboard,
        charts=charts,
        experiments=selectors.experiment_summaries(
            campaign=campaign, dashboard=dashboard, today=min(end, timezone.localdate())
        ),
        checklist=checklist,
        disclosure=_disclosure_rows(campaign, checklist),
        moderation=_moderation(campaign, since, until, [c.creator_id for c in dashboard.creators]),
        generated_at=timezone.now(),
    )


# --- services -----------------------------------------------------------------------------


def sponsor_report_list(*, campaign: Campaign):
    """The campaign's reports with their share links (two queries)."""
    return (
        SponsorReport.objects.filter(agency=campaign.agency, campaign=campaign)
        .select_related("created_by")
        .prefetch_related("share_links")
    )


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
    from .tasks import sponsor_report_render as task

    transaction.on_commit(lambda: task.delay(report.agency_id, report.pk))
    return report


def _set_progress(report: SponsorReport, status: str, progress: int) -> None:
    # Saved outside the render's work so a polling page sees it; one narrow update.
    with tenant_transaction(report.agency_id):
        SponsorReport.objects.filter(pk=report.pk).update(status=status, progress=progress)
    report.status, report.progress = status, progress


def sponsor_report_render(*, report: SponsorReport) -> SponsorReport:
    """Render a queued report to its PDF file. Idempotent: a finished report is left alone.
    A failure is recorded on the report (status failed, a short reason) and re-raised."""
    from .report_pdf import render_report_pdf

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


# --- share links ----------------------------------------------------------------------------


def share_token(link: ReportShareLink) -> str:
    return signing.dumps(link.pk, salt=SHARE_SALT)


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


def share_link_resolve(token: str) -> ReportShareLink | None:
    """The active link behind a token, or None for a bad signature, an unknown, revoked or
    expired link, or a report without a file (the caller answers 404 for all alike)."""
    try:
        pk = signing.loads(token, salt=SHARE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int) or not 0 < pk < 2**63:
        return None
    if not enter_agency_of("share_link", pk):  # its agency, through the system scope
        return None
    link = ReportShareLink.objects.select_related("report__campaign").filter(pk=pk).first()
    if link is None or not link.is_active(timezone.now()):
        return None
    if link.report.status != ReportStatus.DONE or not link.report.file:
        return None
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
