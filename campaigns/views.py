"""Staff pages: sponsors, contracts, campaigns, deliverables, KPIs, experiments (sponsor
reports have their own app, reports/).

Thin: parse, authorise (agency_view + permissions), call one service or selector, render.
Times on these pages are shown and read in the agency's timezone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.downloads import private_file_response
from agencies.formflow import add_service_errors, submit_form
from agencies.models import CURRENCY_CHOICES
from agencies.tenancy import agency_view, get_for_agency
from core.numbers import ascii_int
from creators.models import Creator

from . import selectors, services
from .charts import campaign_charts
from .forms import (
    CampaignForm,
    ChecklistForm,
    ContractForm,
    ContractPdfForm,
    ContractTransitionForm,
    ConversionForm,
    DeliverableForm,
    ExperimentForm,
    PostedForm,
    ReviewForm,
    SnapshotForm,
    SnapshotImportForm,
    SponsorForm,
)
from .holds import deliverable_holds
from .metrics_csv import CsvImportError
from .models import (
    Campaign,
    Checklist,
    Contract,
    ContractStatus,
    Deliverable,
    DeliverableStatus,
    Experiment,
    Sponsor,
)
from .permissions import (
    CAMPAIGN_EDIT,
    CAMPAIGN_VIEW,
    CONTRACT_EDIT,
    CONTRACT_OVERRIDE,
    KPI_WRITE,
)
from .revenue import campaign_revenue

PAGE_SIZE = 25


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request, form, *, title: str, back: str, submit: str, extra: dict | None = None):
    context = {"form": form, "title": title, "back": back, "submit": submit, **(extra or {})}
    return render(request, "campaigns/form.html", context, status=400 if form.errors else 200)


# --- campaigns ------------------------------------------------------------------------------


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
        "page_obj": _page(request, campaigns),
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
    return done or _form_page(
        request,
        form,
        title=_("New campaign"),
        back=reverse("campaigns:list", kwargs={"agency_slug": request.agency.slug}),
        submit=_("Create campaign"),
    )


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = get_for_agency(
        Campaign.objects.select_related("sponsor", "contract"), request.agency, pk=pk
    )
    campaign.agency = request.agency  # already loaded; saves a query wherever it is used
    return campaign


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
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
    page_obj = _page(request, deliverables)
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
    campaign = _campaign(request, pk)
    form = CampaignForm(request.POST or None, instance=campaign, agency=request.agency)
    back = reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk})
    done = submit_form(
        request,
        form,
        lambda data: services.campaign_update(campaign=campaign, actor=request.user, fields=data),
        success=_("Campaign saved."),
        redirect_to=back,
    )
    return done or _form_page(
        request,
        form,
        title=_("Edit campaign %(code)s") % {"code": campaign.code},
        back=back,
        submit=_("Save"),
    )


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
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
    return done or _form_page(
        request,
        form,
        title=_("Disclosure checklist for %(code)s") % {"code": campaign.code},
        back=back,
        submit=_("Save checklist"),
    )


# --- deliverables ---------------------------------------------------------------------------


def _deliverable(request: HttpRequest, pk: int) -> Deliverable:
    return get_for_agency(
        Deliverable.objects.select_related(
            "creator", "campaign__sponsor", "campaign__checklist__approver", "experiment"
        ),
        request.agency,
        pk=pk,
    )


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def deliverable_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
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
    return done or _form_page(
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
    return _form_page(
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


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


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
        _flash_errors(request, error)
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
        _flash_errors(request, error)
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
            _flash_errors(request, error)
        else:
            messages.success(request, _("Metrics recorded."))
            return _back_to_deliverable(request, pk)
    else:
        for field, errors in form.errors.items():
            for message in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {message}" if label else message)
    return _back_to_deliverable(request, pk)


# --- KPIs -----------------------------------------------------------------------------------


@agency_view(allow=KPI_WRITE)
@require_http_methods(["GET", "POST"])
def metrics_import(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = SnapshotImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # Read at most one byte past the limit: the service refuses anything longer.
            data = upload.read(settings.CSV_IMPORT_MAX_BYTES + 1)
            count = services.snapshots_import(campaign=campaign, actor=request.user, data=data)
        except CsvImportError as error:
            errors = error.errors
            form.add_error("file", _("Nothing was imported: fix the rows below and try again."))
        else:
            messages.success(request, _("Imported %(n)s snapshots.") % {"n": count})
            return redirect("campaigns:detail", agency_slug=request.agency.slug, pk=pk)
    context = {
        "form": form,
        "campaign": campaign,
        "errors": errors[:200],
        "error_count": len(errors),
    }
    return render(
        request, "campaigns/metrics_import.html", context, status=400 if form.errors else 200
    )


@agency_view(allow=KPI_WRITE)
@require_http_methods(["GET", "POST"])
def conversion_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = ConversionForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.conversion_record(
                campaign=campaign, actor=request.user, fields=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if event.deliverable_id:
                messages.success(request, _("Conversion recorded and attributed."))
            else:
                messages.warning(
                    request,
                    _("Conversion recorded; no posted deliverable's window covers it."),
                )
            return redirect("campaigns:detail", agency_slug=request.agency.slug, pk=pk)
    return _form_page(
        request,
        form,
        title=_("Record a conversion for %(code)s") % {"code": campaign.code},
        back=reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk}),
        submit=_("Record conversion"),
    )


# --- experiments ----------------------------------------------------------------------------


@agency_view(allow=CAMPAIGN_EDIT)
@require_http_methods(["GET", "POST"])
def experiment_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = ExperimentForm(request.POST or None, initial={"start_date": timezone.localdate()})
    back = reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk})
    done = submit_form(
        request,
        form,
        lambda data: services.experiment_create(campaign=campaign, actor=request.user, fields=data),
        success=_("Experiment created. Assign deliverables to variant A or B."),
        redirect_to=back,
    )
    return done or _form_page(
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
    return done or _form_page(
        request,
        form,
        title=_("Edit experiment"),
        back=back,
        submit=_("Save"),
        extra={"weekly_hint": True},
    )


# --- sponsors -------------------------------------------------------------------------------


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def sponsor_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    context = {
        "page_obj": _page(request, selectors.sponsor_list(agency=request.agency, search=search)),
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
    return done or _form_page(
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
    return done or _form_page(
        request,
        form,
        title=_("Edit sponsor"),
        back=reverse(
            "campaigns:sponsor-detail", kwargs={"agency_slug": request.agency.slug, "pk": pk}
        ),
        submit=_("Save"),
    )


# --- contracts ------------------------------------------------------------------------------


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
    page_obj = _page(request, deliverables)
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


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in ContractStatus.values:
        status = ""
    # ?ending=30: usage rights or exclusivity ending within 30 days (the cockpit's link).
    ending = ascii_int(request.GET.get("ending"), max_digits=3)
    contracts = selectors.contract_list(
        agency=request.agency,
        search=search,
        status=status,
        ending_within=ending,
        today=timezone.localdate(),
    )
    context = {
        "page_obj": _page(request, contracts),
        "search": search,
        "status": status,
        "ending": ending,
        "statuses": ContractStatus.choices,
        "can_edit": request.membership.role in CONTRACT_EDIT,
    }
    return render(request, "campaigns/contract_list.html", context)


@agency_view(allow=CONTRACT_EDIT)
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest) -> HttpResponse:
    return _contract_save(request, None)


@agency_view(allow=CONTRACT_EDIT)
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_for_agency(Contract, request.agency, pk=pk)
    if contract.status != ContractStatus.DRAFT:
        messages.error(request, _("Only a draft contract can be edited; move it back to draft."))
        return redirect("campaigns:contract-detail", agency_slug=request.agency.slug, pk=pk)
    return _contract_save(request, contract)


def _contract_save(request: HttpRequest, contract: Contract | None) -> HttpResponse:
    form = ContractForm(request.POST or None, instance=contract, agency=request.agency)
    conflicts = []
    if request.method == "POST" and form.is_valid():
        # The service refuses unconfirmed exclusivity conflicts (the API's rule too).
        confirmed = form.cleaned_data.get("confirm_conflicts", False)
        try:
            if contract is None:
                contract = services.contract_create(
                    agency=request.agency,
                    actor=request.user,
                    fields=form.service_fields(),
                    creators=list(form.cleaned_data["creators"]),
                    confirm_conflicts=confirmed,
                )
            else:
                services.contract_update(
                    contract=contract,
                    actor=request.user,
                    fields=form.service_fields(),
                    creators=list(form.cleaned_data["creators"]),
                    confirm_conflicts=confirmed,
                )
        except ValidationError as error:
            if isinstance(error, services.ExclusivityConflict):
                conflicts = error.conflicts
            add_service_errors(form, error)
        else:
            messages.success(request, _("Contract saved as a draft."))
            return redirect(
                "campaigns:contract-detail", agency_slug=request.agency.slug, pk=contract.pk
            )
    back = (
        reverse(
            "campaigns:contract-detail",
            kwargs={"agency_slug": request.agency.slug, "pk": contract.pk},
        )
        if contract
        else reverse("campaigns:contract-list", kwargs={"agency_slug": request.agency.slug})
    )
    if form.is_bound:
        creator_ids = request.POST.getlist("creators")
        currency = request.POST.get("currency", "")
    else:
        creator_ids = [c.pk for c in form.fields["creators"].initial or []]
        currency = form.initial.get("currency") or form.fields["currency"].initial or ""
    return _form_page(
        request,
        form,
        title=_("Edit contract") if contract else _("New contract"),
        back=back,
        submit=_("Save draft"),
        extra={"conflicts": conflicts, "fee_guide": _fee_guide(request, creator_ids, currency)},
    )


def _fee_guide(request: HttpRequest, creator_ids, currency: str) -> selectors.FeeGuide:
    """Parse picked creator ids and the contract currency loosely: it is only guidance."""
    ids = [pk for pk in (ascii_int(str(v)) for v in creator_ids) if pk is not None]
    if currency not in dict(CURRENCY_CHOICES):
        currency = ""
    return selectors.contract_fee_guide(
        agency=request.agency, creator_ids=ids, contract_currency=currency
    )


@agency_view(allow=CONTRACT_EDIT)
@require_GET
def contract_fee_guide(request: HttpRequest) -> HttpResponse:
    """The contract form's suggested-fee panel, refreshed by htmx as creators are picked."""
    guide = _fee_guide(request, request.GET.getlist("creators"), request.GET.get("currency", ""))
    return render(request, "campaigns/_fee_guide.html", {"fee_guide": guide})


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_for_agency(
        Contract.objects.select_related("sponsor", "account_manager").prefetch_related("creators"),
        request.agency,
        pk=pk,
    )
    role = request.membership.role
    context = {
        "contract": contract,
        "conflicts": services.contract_conflicts(contract),
        "next_statuses": [
            (value, label)
            for value, label in ContractStatus.choices
            if value in services.TRANSITIONS[contract.status]
        ],
        "can_edit": role in CONTRACT_EDIT,
        "can_override": role in CONTRACT_OVERRIDE,
        "pdf_form": ContractPdfForm(),
    }
    return render(request, "campaigns/contract_detail.html", context)


@agency_view(allow=CONTRACT_EDIT)
@require_POST
def contract_transition(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_for_agency(Contract, request.agency, pk=pk)
    form = ContractTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid next status."))
    else:
        try:
            services.contract_transition(
                contract=contract,
                actor=request.user,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as error:
            _flash_errors(request, error)
        else:
            messages.success(request, _("Contract status changed."))
    return redirect("campaigns:contract-detail", agency_slug=request.agency.slug, pk=pk)


@agency_view(allow=CONTRACT_EDIT)
@require_POST
def contract_pdf_upload(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_for_agency(Contract, request.agency, pk=pk)
    form = ContractPdfForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the signed PDF to upload."))
    else:
        try:
            services.contract_attach_signed_pdf(
                contract=contract, actor=request.user, upload=form.cleaned_data["signed_pdf"]
            )
        except ValidationError as error:
            _flash_errors(request, error)
        else:
            messages.success(request, _("Signed PDF stored."))
    return redirect("campaigns:contract-detail", agency_slug=request.agency.slug, pk=pk)


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def contract_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_for_agency(Contract, request.agency, pk=pk)
    if not contract.signed_pdf:
        raise Http404
    return private_file_response(
        contract.signed_pdf.open("rb"),
        filename=f"contract-{contract.pk}.pdf",
        content_type="application/pdf",
    )


@agency_view(allow=CAMPAIGN_VIEW)
@require_GET
def creator_contracts(request: HttpRequest, pk: int) -> HttpResponse:
    creator = get_for_agency(Creator, request.agency, pk=pk)
    rows = selectors.creator_contracts(agency=request.agency, creator=creator)
    return render(request, "campaigns/creator_contracts.html", {"creator": creator, "rows": rows})
