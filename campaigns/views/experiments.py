"""Experiments: creating and editing a campaign's A/B test."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import submit_form

from .. import services
from ..forms import ExperimentForm
from ..models import Experiment
from ..permissions import CAMPAIGN_EDIT
from .common import form_page, get_campaign


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def experiment_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request, pk)
    form = ExperimentForm(request.POST or None, initial={"start_date": timezone.localdate()})
    back = reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk})
    done = submit_form(
        request,
        form,
        lambda data: services.experiment_create(campaign=campaign, actor=request.user, fields=data),
        success=_("Experiment created. Assign deliverables to variant A or B."),
        redirect_to=back,
    )
    return done or form_page(
        request,
        form,
        title=_("New experiment for %(code)s") % {"code": campaign.code},
        back=back,
        submit=_("Create experiment"),
        extra={"weekly_hint": True},
    )


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def experiment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = get_for_agency(
        Experiment.objects.select_related("campaign"), request.agency, pk=pk
    )
    form = ExperimentForm(request.POST or None, instance=experiment)
    back = reverse(
        "campaigns:detail",
        kwargs={"agency_slug": request.agency.slug, "pk": experiment.campaign_id},
    )
    done = submit_form(
        request,
        form,
        lambda data: services.experiment_update(
            experiment=experiment, actor=request.user, fields=data
        ),
        success=_("Experiment saved."),
        redirect_to=back,
    )
    return done or form_page(
        request,
        form,
        title=_("Edit experiment"),
        back=back,
        submit=_("Save"),
        extra={"weekly_hint": True},
    )
