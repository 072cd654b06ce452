"""Deliverables: the list across campaigns, adding and editing one, its review, marking it
posted and recording its metrics by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import add_service_errors, submit_form

from .. import selectors, services
from ..forms import DeliverableForm, PostedForm, ReviewForm, SnapshotForm
from ..holds import deliverable_holds
from ..models import Deliverable, DeliverableStatus
from ..permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW, KPI_WRITE
from .common import flash_errors, form_page, get_campaign, page


def _deliverable(request: HttpRequest, pk: int) -> Deliverable:
    return get_for_agency(
        Deliverable.objects.select_related(
            "creator", "campaign__sponsor", "campaign__checklist__approver", "experiment"
        ),
        request.agency,
        pk=pk,
    )


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def deliverable_list(request: HttpRequest) -> HttpResponse:
    """Every campaign's deliverables, soonest due first: `?status=` (e.g. drafts waiting
    for approval) and `?overdue=1` (not posted by their due date, in the agency's today)."""
    status = request.GET.get("status", "")
    if status not in DeliverableStatus.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    deliverables = selectors.deliverable_list(
        agency=request.agency, status=status, overdue_on=timezone.localdate() if overdue else None
    )
    page_obj = page(request, deliverables)
    # Why a deliverable on this page may not be marked posted now (campaigns/holds.py).
    holds = deliverable_holds(agency_id=request.agency.pk, deliverable_ids=[d.pk for d in page_obj])
    for deliverable in page_obj:
        deliverable.hold = holds.get(deliverable.pk, "")
    context = {
        "page_obj": page_obj,
        "status": status,
        "overdue": overdue,
        "statuses": DeliverableStatus.choices,
        "today": timezone.localdate(),
    }
    return render(request, "campaigns/deliverable_list.html", context)


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def deliverable_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request, pk)
    form = DeliverableForm(request.POST or None, campaign=campaign)
    back = reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk})
    done = submit_form(
        request,
        form,
        lambda data: services.deliverable_create(
            campaign=campaign, actor=request.user, fields=data
        ),
        success=_("Deliverable added."),
        redirect_to=back,
    )
    return done or form_page(
        request,
        form,
        title=_("New deliverable for %(code)s") % {"code": campaign.code},
        back=back,
        submit=_("Add deliverable"),
    )


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def deliverable_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = _deliverable(request, pk)
    context = {
        "deliverable": deliverable,
        "missing": services.caption_missing(deliverable),
        "reviews": deliverable.reviews.select_related("actor")[:50],
        "snapshots": deliverable.snapshots.all()[:20],
        "conversions": deliverable.conversions.count(),
        "can_review": deliverable.status == DeliverableStatus.SUBMITTED
        and services.can_review(deliverable, request.user),
        "can_edit": request.membership.role in CAMPAIGN_EDIT,
        "can_write_kpis": request.membership.role in KPI_WRITE,
        "review_form": ReviewForm(),
        "posted_form": PostedForm(),
        "snapshot_form": SnapshotForm(),
        "today": timezone.localdate(),
        # Why it may not be marked posted now (crisis mode's freeze; campaigns/holds.py).
        "hold": deliverable_holds(
            agency_id=request.agency.pk, deliverable_ids=[deliverable.pk]
        ).get(deliverable.pk, ""),
    }
    return render(request, "campaigns/deliverable_detail.html", context)


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def deliverable_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = _deliverable(request, pk)
    form = DeliverableForm(
        request.POST or None, instance=deliverable, campaign=deliverable.campaign
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if not fields.get("due_date"):
            fields["due_date"] = deliverable.due_date
        try:
            services.deliverable_update(deliverable=deliverable, actor=request.user, fields=fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Deliverable saved."))
            return redirect("campaigns:deliverable-detail", agency_slug=request.agency.slug, pk=pk)
    return form_page(
        request,
        form,
        title=_("Edit deliverable"),
        back=reverse(
            "campaigns:deliverable-detail", kwargs={"agency_slug": request.agency.slug, "pk": pk}
        ),
        submit=_("Save"),
    )


def _back_to_deliverable(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect("campaigns:deliverable-detail", agency_slug=request.agency.slug, pk=pk)


@agency_view(allow=CAMPAIGN_EDIT)
@require_POST
def deliverable_review(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = _deliverable(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or request changes."))
        return _back_to_deliverable(request, pk)
    try:
        services.deliverable_review(
            deliverable=deliverable,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Decision recorded."))
    return _back_to_deliverable(request, pk)


@agency_view(allow=CAMPAIGN_EDIT)
@require_POST
def deliverable_posted(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = _deliverable(request, pk)
    form = PostedForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return _back_to_deliverable(request, pk)
    try:
        services.deliverable_mark_posted(
            deliverable=deliverable, actor=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Marked as posted."))
    return _back_to_deliverable(request, pk)


@agency_view(allow=KPI_WRITE)
@require_POST
def snapshot_create(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = _deliverable(request, pk)
    form = SnapshotForm(request.POST)
    if form.is_valid():
        try:
            services.snapshot_record(
                deliverable=deliverable, actor=request.user, fields=form.cleaned_data
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("Metrics recorded."))
            return _back_to_deliverable(request, pk)
    else:
        for field, errors in form.errors.items():
            for message in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {message}" if label else message)
    return _back_to_deliverable(request, pk)
