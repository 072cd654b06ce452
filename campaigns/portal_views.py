"""The creator portal for campaigns: a creator sees only their own deliverables and
checklists, submits drafts and post links. Another creator's deliverable is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import add_service_errors
from creators.portal_views import own_creator

from . import selectors, services
from .forms import PostedForm, SubmitDraftForm
from .models import Deliverable, DeliverableStatus
from .permissions import PORTAL


def _own_deliverable(request: HttpRequest, pk: int) -> Deliverable:
    creator = own_creator(request)
    return get_for_agency(
        Deliverable.objects.filter(creator=creator).select_related(
            "campaign__sponsor", "campaign__checklist", "creator"
        ),
        request.agency,
        pk=pk,
    )


@agency_view(allow=PORTAL)
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    creator = own_creator(request)
    deliverables = selectors.deliverable_list(agency=request.agency, creator=creator)
    context = {"deliverables": deliverables, "today": timezone.localdate()}
    return render(request, "campaigns/portal/list.html", context)


def _detail(request, deliverable, *, submit_form=None, posted_form=None, status=200):
    context = {
        "deliverable": deliverable,
        "checklist": services.deliverables.checklist_of(deliverable.campaign),
        "missing": services.caption_missing(deliverable) if deliverable.caption else [],
        "reviews": deliverable.reviews.all()[:20],
        "submit_form": submit_form
        or SubmitDraftForm(
            initial={
                "caption": deliverable.caption,
                "video_duration_seconds": deliverable.video_duration_seconds,
            }
        ),
        "posted_form": posted_form or PostedForm(),
        "can_submit": deliverable.status in services.deliverables.SUBMITTABLE,
        "can_post": deliverable.status == DeliverableStatus.APPROVED,
        "today": timezone.localdate(),
    }
    return render(request, "campaigns/portal/deliverable.html", context, status=status)


@agency_view(allow=PORTAL)
@require_GET
def portal_deliverable(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _own_deliverable(request, pk))


@agency_view(allow=PORTAL)
@require_POST
def portal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = _own_deliverable(request, pk)
    form = SubmitDraftForm(request.POST)
    if form.is_valid():
        try:
            services.deliverable_submit(
                deliverable=deliverable,
                actor=request.user,
                caption=form.cleaned_data["caption"],
                video_duration_seconds=form.cleaned_data["video_duration_seconds"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft submitted for approval."))
            return redirect("campaigns:portal-deliverable", agency_slug=request.agency.slug, pk=pk)
    return _detail(request, deliverable, submit_form=form, status=400)


@agency_view(allow=PORTAL)
@require_POST
def portal_posted(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = _own_deliverable(request, pk)
    form = PostedForm(request.POST)
    if form.is_valid():
        try:
            services.deliverable_mark_posted(
                deliverable=deliverable, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thanks! The post link is recorded."))
            return redirect("campaigns:portal-deliverable", agency_slug=request.agency.slug, pk=pk)
    return _detail(request, deliverable, posted_form=form, status=400)
