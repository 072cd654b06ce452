"""Contracts: the list, the draft form with its suggested-fee panel, status changes, the
signed PDF, and a creator's contracts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import CURRENCY_CHOICES
from agencies.tenancy import agency_view, get_for_agency
from core.downloads import private_file_response
from core.formflow import add_service_errors
from core.numbers import ascii_int
from creators.models import Creator

from .. import selectors, services
from ..forms import ContractForm, ContractPdfForm, ContractTransitionForm
from ..models import Contract, ContractStatus
from ..permissions import CAMPAIGN_VIEW, CONTRACT_EDIT, CONTRACT_OVERRIDE
from .common import flash_errors, form_page, page


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
        "page_obj": page(request, contracts),
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
    return form_page(
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
            flash_errors(request, error)
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
            flash_errors(request, error)
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
