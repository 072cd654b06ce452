"""Campaigns: the list, creating and editing one, its dashboard and its disclosure
checklist."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agencies.tenancy import agency_view
from core.formflow import submit_form
from core.numbers import ascii_int

from .. import selectors, services
from ..charts import campaign_charts
from ..forms import CampaignForm, ChecklistForm
from ..models import Checklist, DeliverableStatus, Sponsor
from ..permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW, KPI_WRITE
from ..revenue import campaign_revenue
from .common import form_page, get_campaign, page


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    sponsor_id = ascii_int(request.GET.get("sponsor"))
    campaigns = selectors.campaign_list(
        agency=request.agency,
        search=search,
        sponsor_id=sponsor_id,
        sort=request.GET.get("sort", ""),
    )
    context = {
        "page_obj": page(request, campaigns),
        "search": search,
        "sponsor_id": sponsor_id,
        "sponsors": Sponsor.objects.for_agency(request.agency).order_by("brand"),
        "can_edit": request.membership.role in CAMPAIGN_EDIT,
    }
    return render(request, "campaigns/campaign_list.html", context)


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, agency=request.agency)
    done = submit_form(
        request,
        form,
        lambda data: services.campaign_create(
            agency=request.agency, actor=request.user, fields=data
        ),
        success=_("Campaign created. Now set up its checklist."),
        redirect_to=lambda campaign: reverse(
            "campaigns:checklist", kwargs={"agency_slug": request.agency.slug, "pk": campaign.pk}
        ),
    )
    return done or form_page(
        request,
        form,
        title=_("New campaign"),
        back=reverse("campaigns:list", kwargs={"agency_slug": request.agency.slug}),
        submit=_("Create campaign"),
    )


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request, pk)
    dashboard = selectors.campaign_dashboard(campaign=campaign)
    series = selectors.engagement_series(campaign=campaign, days=30)
    charts = campaign_charts(
        dashboard,
        series,
        labels={
            "views": _("Views per creator"),
            "engagement": _("Engagement rate per creator"),
            "funnel": _("Completion funnel"),
            "series": _("Engagement rate over the last 30 days"),
            "empty": _("No metrics yet"),
        },
    )
    checklist = Checklist.objects.filter(campaign=campaign).select_related("approver").first()
    today = timezone.localdate()
    deliverables = selectors.deliverable_list(agency=request.agency, campaign=campaign)
    status = request.GET.get("status", "")
    if status in DeliverableStatus.values:
        deliverables = deliverables.filter(status=status)
    page_obj = page(request, deliverables)
    context = {
        "campaign": campaign,
        "checklist": checklist,
        "dashboard": dashboard,
        "charts": charts,
        "experiments": selectors.experiment_summaries(
            campaign=campaign, dashboard=dashboard, today=today
        ),
        "page_obj": page_obj,
        "status": status,
        "statuses": DeliverableStatus.choices,
        "today": today,
        "can_edit": request.membership.role in CAMPAIGN_EDIT,
        "can_write_kpis": request.membership.role in KPI_WRITE,
        "revenue": campaign_revenue(campaign),
    }
    return render(request, "campaigns/campaign_detail.html", context)


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request, pk)
    form = CampaignForm(request.POST or None, instance=campaign, agency=request.agency)
    back = reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk})
    done = submit_form(
        request,
        form,
        lambda data: services.campaign_update(campaign=campaign, actor=request.user, fields=data),
        success=_("Campaign saved."),
        redirect_to=back,
    )
    return done or form_page(
        request,
        form,
        title=_("Edit campaign %(code)s") % {"code": campaign.code},
        back=back,
        submit=_("Save"),
    )


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request, pk)
    checklist = Checklist.objects.filter(campaign=campaign).first() or Checklist(
        agency=request.agency, campaign=campaign
    )
    form = ChecklistForm(request.POST or None, instance=checklist, agency=request.agency)
    back = reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk})
    done = submit_form(
        request,
        form,
        lambda data: services.checklist_update(campaign=campaign, actor=request.user, fields=data),
        success=_("Checklist saved."),
        redirect_to=back,
    )
    return done or form_page(
        request,
        form,
        title=_("Disclosure checklist for %(code)s") % {"code": campaign.code},
        back=back,
        submit=_("Save checklist"),
    )
