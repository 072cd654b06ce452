"""Sponsor reports, reads: the figures of one report, a campaign's reports, and the share
link behind a sponsor's token.

`sponsor_report_data` reuses `campaigns.selectors.campaign_dashboard` for the same campaign
and period, so every figure in the PDF equals the dashboard's; the charts are the dashboard's
SVG functions. Rendering happens in `reports.tasks.sponsor_report_render` (or the
`sponsor_report` command), never in a web request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core import signing
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency
from agencies.tenancy import enter_agency_of
from campaigns import selectors as campaign_selectors
from campaigns.charts import campaign_charts
from campaigns.checklist import missing_items
from campaigns.models import (
    Campaign,
    Checklist,
    Deliverable,
    ReportShareLink,
    ReportStatus,
    SponsorReport,
)
from campaigns.selectors import Dashboard, ExperimentSummary
from creators.models import Creator
from moderation.models import Level
from moderation.selectors import ModerationMetrics, moderation_metrics

# The engagement-over-time chart covers at most this many days of the period.
SERIES_MAX_DAYS = 90
# The signing salt of share tokens; links already sent carry it, so it keeps the old app name.
SHARE_SALT = "campaigns.report-share"


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
    moderation: ModerationMetrics | None
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
    dashboard = campaign_selectors.campaign_dashboard(campaign=campaign, since=since, until=until)
    days = min(SERIES_MAX_DAYS, (end - start).days + 1)
    series = campaign_selectors.engagement_series(campaign=campaign, days=days, until=until)
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
        experiments=campaign_selectors.experiment_summaries(
            campaign=campaign, dashboard=dashboard, today=min(end, timezone.localdate())
        ),
        checklist=checklist,
        disclosure=_disclosure_rows(campaign, checklist),
        moderation=_moderation(campaign, since, until, [c.creator_id for c in dashboard.creators]),
        generated_at=timezone.now(),
    )


def sponsor_report_list(*, campaign: Campaign):
    """The campaign's reports with their share links (two queries)."""
    return (
        SponsorReport.objects.filter(agency=campaign.agency, campaign=campaign)
        .select_related("created_by")
        .prefetch_related("share_links")
    )


# --- share links ----------------------------------------------------------------------------


def share_token(link: ReportShareLink) -> str:
    return signing.dumps(link.pk, salt=SHARE_SALT)


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
