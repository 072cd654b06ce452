"""Bank accounts, their CSV column mapping, bank statement imports and the transactions
they brought in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agencies.tenancy import agency_view, get_for_agency

from .. import selectors, services
from ..filters import TransactionFilter
from ..forms import BankAccountForm, BankImportForm, ColumnMappingForm
from ..models import BankAccount, BankImport, ImportStatus
from ..permissions import PAYOUTS_READ, PAYOUTS_WRITE
from .common import add_errors, page


@agency_view(allow=PAYOUTS_READ, write=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def bank_accounts(request: HttpRequest) -> HttpResponse:
    form = BankAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_create(
                agency=request.agency, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Bank account added."))
            return redirect("payouts:bank_accounts", agency_slug=request.agency.slug)
    accounts = BankAccount.objects.for_agency(request.agency)
    imports = BankImport.objects.for_agency(request.agency).select_related("bank_account")[:20]
    return render(
        request,
        "payouts/bank_accounts.html",
        {"accounts": accounts, "imports": imports, "form": form, "can_write": request.can_write},
        status=400 if form.errors else 200,
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def bank_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_agency(BankAccount, request.agency, pk=pk)
    form = ColumnMappingForm(
        request.POST or None, initial=ColumnMappingForm.initial_for(account.csv_mapping)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_update(
                account=account,
                actor=request.user,
                changes={"csv_mapping": form.mapping.to_dict()},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("CSV column mapping saved."))
            return redirect("payouts:bank_accounts", agency_slug=request.agency.slug)
    return render(
        request,
        "payouts/bank_mapping.html",
        {"form": form, "account": account},
        status=400 if form.errors else 200,
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def bank_import(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_agency(BankAccount, request.agency, pk=pk)
    form = BankImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.bank_file_upload(
                account=account,
                actor=request.user,
                upload=form.cleaned_data["file"],
                format=form.cleaned_data["format"] or None,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if result.status == ImportStatus.QUEUED:
                messages.success(
                    request, _("The file is queued for import; this page shows how it goes.")
                )
                return redirect(
                    "payouts:bank_import_status", agency_slug=request.agency.slug, pk=result.pk
                )
            messages.success(
                request,
                _("%(n)s transactions read, %(new)s new, %(dup)s already imported.")
                % {
                    "n": result.transaction_count,
                    "new": result.new_count,
                    "dup": result.duplicate_count,
                },
            )
            return redirect("payouts:bank_accounts", agency_slug=request.agency.slug)
    return render(
        request,
        "payouts/bank_import.html",
        {
            "form": form,
            "account": account,
            "background_mb": f"{settings.BANK_IMPORT_ASYNC_BYTES / 1024 / 1024:g}",
        },
        status=400 if form.errors else 200,
    )


@agency_view(allow=PAYOUTS_READ)
@require_GET
def bank_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A bank statement import and how it went; htmx refreshes it while it runs."""
    bank_import = get_for_agency(
        BankImport.objects.select_related("bank_account"), request.agency, pk=pk
    )
    template = (
        "payouts/_bank_import_status.html" if request.htmx else "payouts/bank_import_status.html"
    )
    return render(request, template, {"bank_import": bank_import})


@agency_view(allow=PAYOUTS_READ)
@require_GET
def transactions(request: HttpRequest) -> HttpResponse:
    filters = TransactionFilter(
        request.GET or None,
        queryset=selectors.transaction_list(agency=request.agency),
        request=request,
    )
    return render(
        request,
        "payouts/transactions.html",
        {"form": filters.form, "page_obj": page(request, filters.qs)},
    )
