"""Staff pages for a campaign's sponsor reports (a section of the campaign page, loaded and
polled by htmx) and the sponsor's download through a share link.

Thin: parse, authorise (agency_view + campaigns.permissions), call one service or selector,
render. `agency_view` shows the page in the agency's timezone.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.tenancy import agency_view, get_for_agency
from campaigns.models import Campaign, ReportShareLink, ReportStatus, SponsorReport
from campaigns.permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW
from core.formflow import add_service_errors
from core.numbers import ascii_int

from .downloads import report_file_response
from .forms import SponsorReportForm
from .selectors import share_link_resolve, share_token, sponsor_report_list
from .services import share_link_create, share_link_revoke, sponsor_report_request


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = get_for_agency(
        Campaign.objects.select_related("sponsor", "contract"), request.agency, pk=pk
    )
    campaign.agency = request.agency  # already loaded; saves a query wherever it is used
    return campaign


def _share_url(request: HttpRequest, link: ReportShareLink) -> str:
    """The sponsor's absolute link."""
    return request.build_absolute_uri(
        reverse("report_share:download", kwargs={"token": share_token(link)})
    )


def _report_section(request: HttpRequest, campaign: Campaign, form=None, status: int = 200):
    reports = list(sponsor_report_list(campaign=campaign)[:10])
    now = timezone.now()
    for report in reports:
        report.active_links = [
            (link, _share_url(request, link))
            for link in report.share_links.all()
            if link.is_active(now)
        ]
    can_request = request.membership.role in CAMPAIGN_EDIT
    if form is None and can_request:
        form = SponsorReportForm(
            initial={"period_start": campaign.start_date, "period_end": campaign.end_date}
        )
    context = {
        "campaign": campaign,
        "reports": reports,
        "form": form,
        "can_request": can_request,
        "polling": any(r.is_pending for r in reports),
    }
    template = "reports/_section.html" if request.htmx else "reports/page.html"
    return render(request, template, context, status=status)


def _back_to_reports(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    url = reverse(
        "campaigns:report-section", kwargs={"agency_slug": request.agency.slug, "pk": campaign_pk}
    )
    return redirect(url)


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def report_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign page's sponsor-report section (loaded and polled by htmx)."""
    return _report_section(request, _campaign(request, pk))


@agency_view(allow=CAMPAIGN_EDIT)
@require_POST
def report_request(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = SponsorReportForm(request.POST)
    if form.is_valid():
        try:
            sponsor_report_request(
                agency=request.agency,
                campaign=campaign,
                actor=request.user,
                language=form.cleaned_data["language"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _report_section(request, campaign, form, status=400)
    if request.htmx:
        return _report_section(request, campaign)
    messages.success(request, _("Report requested. It appears below when it is ready."))
    url = reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk})
    return redirect(f"{url}#reports")


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_for_agency(SponsorReport.objects.select_related("campaign"), request.agency, pk=pk)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404
    return report_file_response(request, report)


@agency_view(allow=CAMPAIGN_EDIT)
@require_POST
def report_share_create(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_for_agency(SponsorReport.objects.select_related("campaign"), request.agency, pk=pk)
    days = ascii_int(request.POST.get("days")) or 14
    try:
        share_link_create(agency=request.agency, report=report, actor=request.user, days=days)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        if request.htmx:
            return _report_section(request, _campaign(request, report.campaign_id), status=400)
        return _back_to_reports(request, report.campaign_id)
    messages.success(request, _("Share link created."))
    if request.htmx:
        return _report_section(request, _campaign(request, report.campaign_id))
    return _back_to_reports(request, report.campaign_id)


@agency_view(allow=CAMPAIGN_EDIT)
@require_POST
def report_share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_for_agency(ReportShareLink.objects.select_related("report"), request.agency, pk=pk)
    share_link_revoke(agency=request.agency, link=link, actor=request.user)
    messages.success(request, _("Share link revoked."))
    if request.htmx:
        return _report_section(request, _campaign(request, link.report.campaign_id))
    return _back_to_reports(request, link.report.campaign_id)


@require_GET
def report_shared_download(request: HttpRequest, token: str) -> HttpResponse:
    """The sponsor's download: no login, authorised by the signed token alone. A bad,
    unknown, expired or revoked token is a 404 like any missing page."""
    link = share_link_resolve(token)
    if link is None:
        raise Http404
    return report_file_response(request, link.report, link=link)
