"""Sponsors: the list, adding, showing and editing one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import submit_form

from .. import selectors, services
from ..forms import SponsorForm
from ..models import Sponsor
from ..permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW
from .common import form_page, page


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def sponsor_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    context = {
        "page_obj": page(request, selectors.sponsor_list(agency=request.agency, search=search)),
        "search": search,
        "can_edit": request.membership.role in CAMPAIGN_EDIT,
    }
    return render(request, "campaigns/sponsor_list.html", context)


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def sponsor_create(request: HttpRequest) -> HttpResponse:
    form = SponsorForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: services.sponsor_create(
            agency=request.agency, actor=request.user, fields=data
        ),
        success=_("Sponsor added."),
        redirect_to=lambda sponsor: reverse(
            "campaigns:sponsor-detail",
            kwargs={"agency_slug": request.agency.slug, "pk": sponsor.pk},
        ),
    )
    return done or form_page(
        request,
        form,
        title=_("New sponsor"),
        back=reverse("campaigns:sponsor-list", kwargs={"agency_slug": request.agency.slug}),
        submit=_("Add sponsor"),
    )


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def sponsor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sponsor = get_for_agency(Sponsor, request.agency, pk=pk)
    context = {
        "sponsor": sponsor,
        "contracts": sponsor.contracts.order_by("-start_date")[:50],
        "campaigns": sponsor.campaigns.order_by("-start_date")[:50],
        "can_edit": request.membership.role in CAMPAIGN_EDIT,
    }
    return render(request, "campaigns/sponsor_detail.html", context)


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def sponsor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sponsor = get_for_agency(Sponsor, request.agency, pk=pk)
    form = SponsorForm(request.POST or None, instance=sponsor)
    done = submit_form(
        request,
        form,
        lambda data: services.sponsor_update(sponsor=sponsor, actor=request.user, fields=data),
        success=_("Sponsor saved."),
        redirect_to=reverse(
            "campaigns:sponsor-detail", kwargs={"agency_slug": request.agency.slug, "pk": pk}
        ),
    )
    return done or form_page(
        request,
        form,
        title=_("Edit sponsor"),
        back=reverse(
            "campaigns:sponsor-detail", kwargs={"agency_slug": request.agency.slug, "pk": pk}
        ),
        submit=_("Save"),
    )
