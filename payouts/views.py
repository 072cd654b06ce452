"""Payouts pages: thin views over services and selectors.

Reads are open to owners, finance and account managers; every write to owners and finance
(payouts/permissions.py). A form with errors answers 400 and shows them next to the fields.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.downloads import private_download
from agencies.formflow import submit_form
from agencies.spreadsheets import csv_streaming_response
from agencies.tenancy import agency_view, get_for_agency
from campaigns.templatetags.campaign_tags import money as format_money
from creators.models import Creator

from . import reconciliation, samples, selectors, services
from .commission import breakdowns
from .exports import CREATOR_COLUMNS, export_response, report_rows, table
from .filters import StatementFilter, TransactionFilter
from .forms import (
    AdjustmentForm,
    BankAccountForm,
    BankImportForm,
    ColumnMappingForm,
    CommissionForm,
    CreatorPaymentForm,
    DisputeCloseForm,
    DisputeForm,
    ExportForm,
    HoldForm,
    ManualMatchForm,
    PayoutLineForm,
    PayoutSettingsForm,
    StatementForm,
    StatementImportForm,
)
from .line_import import LINE_COLUMNS, statement_lines_import
from .models import (
    BankAccount,
    BankImport,
    BankTransaction,
    Dispute,
    Hold,
    ImportStatus,
    Match,
    PayoutLine,
    PayoutStatement,
    ReconciliationIssue,
    ReconciliationRun,
)
from .permissions import PAYOUTS_PORTAL, PAYOUTS_READ, PAYOUTS_WRITE
from .reconciliation import issues as reconciliation_issues
from .statement_columns import COLUMNS
from .statement_import import StatementImportError, statement_import

PAGE_SIZE = 50


def _can_write(request: HttpRequest) -> bool:
    return request.membership.role in PAYOUTS_WRITE


def _page(request: HttpRequest, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _add_errors(form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """A service's ValidationError shown on the form, next to the field it names."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        field = (rename or {}).get(field, field)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _form_page(request, form, *, title: str, back: str, intro: str = "", submit: str = ""):
    return render(
        request,
        "payouts/form.html",
        {"form": form, "title": title, "back": back, "intro": intro, "submit": submit},
        status=400 if form.errors else 200,
    )


def _index_url(request: HttpRequest) -> str:
    return reverse("payouts:index", kwargs={"agency_slug": request.agency.slug})


def _statement_url(request: HttpRequest, statement) -> str:
    return reverse(
        "payouts:statement", kwargs={"agency_slug": request.agency.slug, "pk": statement.pk}
    )


# --- Statements -------------------------------------------------------------------------------


@agency_view(allow=PAYOUTS_READ)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    filters = StatementFilter(
        request.GET or None,
        queryset=selectors.statement_list(agency=request.agency),
        request=request,
    )
    return render(
        request,
        "payouts/index.html",
        {
            "form": filters.form,
            "page_obj": _page(request, filters.qs),
            "can_write": _can_write(request),
        },
    )


@agency_view(allow=PAYOUTS_READ)
@require_GET
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = PayoutStatement.objects.select_related("creator", "contract").prefetch_related(
        "lines",
        "adjustments",
        "holds",
        "disputes",
        Prefetch("matches", queryset=Match.objects.select_related("transaction")),
        *selectors.trail_prefetches(),
    )
    statement = get_for_agency(qs, request.agency, pk=pk)
    trail = selectors.statement_trail(statement)
    return render(
        request,
        "payouts/statement_detail.html",
        {
            "statement": statement,
            "trail": trail,
            "breakdown": trail.breakdown,
            "can_write": _can_write(request),
        },
    )


def _line_page(request, form, statement, *, title: str):
    return _form_page(request, form, title=title, back=_statement_url(request, statement))


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    form = PayoutLineForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: services.payout_line_add(statement=statement, actor=request.user, **data),
        success=_("Line item added."),
        redirect_to=_statement_url(request, statement) + "#lines",
    )
    return done or _line_page(
        request,
        form,
        statement,
        title=_("Add a line item to %(ref)s") % {"ref": statement.platform_reference},
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_for_agency(PayoutLine.objects.select_related("statement"), request.agency, pk=pk)
    form = PayoutLineForm(request.POST or None, initial=PayoutLineForm.initial_for(line))
    done = submit_form(
        request,
        form,
        lambda data: services.payout_line_update(line=line, actor=request.user, changes=data),
        success=_("Line item saved."),
        redirect_to=_statement_url(request, line.statement) + "#lines",
    )
    return done or _line_page(
        request,
        form,
        line.statement,
        title=_("Edit the line item %(asset)s") % {"asset": line.asset_reference},
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_POST
def line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_for_agency(PayoutLine.objects.select_related("statement"), request.agency, pk=pk)
    services.payout_line_delete(line=line, actor=request.user)
    messages.success(request, _("Line item removed."))
    return redirect(_statement_url(request, line.statement) + "#lines")


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def statement_create(request: HttpRequest) -> HttpResponse:
    form = StatementForm(request.POST or None, agency=request.agency)
    done = submit_form(
        request,
        form,
        lambda data: services.statement_create(
            agency=request.agency, actor=request.user, data=data
        ),
        success=_("Statement saved."),
        redirect_to=lambda statement: _statement_url(request, statement),
    )
    return done or _form_page(
        request,
        form,
        title=_("New payout statement"),
        back=_index_url(request),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def statement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    form = StatementForm(request.POST or None, instance=statement, agency=request.agency)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in services.STATEMENT_FIELDS}
        try:
            services.statement_update(
                statement=get_for_agency(PayoutStatement, request.agency, pk=pk),
                actor=request.user,
                changes=changes,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Statement saved."))
            return redirect(_statement_url(request, statement))
    return _form_page(
        request,
        form,
        title=_("Edit %(ref)s") % {"ref": statement.platform_reference},
        back=_statement_url(request, statement),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def statement_import_view(request: HttpRequest) -> HttpResponse:
    form = StatementImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        lines = form.cleaned_data["kind"] == StatementImportForm.LINES
        service = statement_lines_import if lines else statement_import
        if upload.size > settings.STATEMENT_IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than the import limit."))
        else:
            try:
                result = service(agency=request.agency, actor=request.user, data=upload.read())
            except StatementImportError as exc:
                errors = exc.errors[:100]
                form.add_error("file", _("Nothing was imported; fix the rows below."))
            else:
                messages.success(request, result.summary())
                for warning in getattr(result, "warnings", [])[:20]:
                    messages.warning(request, str(warning))
                return redirect("payouts:index", agency_slug=request.agency.slug)
    return render(
        request,
        "payouts/statement_import.html",
        {"form": form, "errors": errors, "columns": COLUMNS, "line_columns": LINE_COLUMNS},
        status=400 if form.errors else 200,
    )


# --- Adjustments, holds, disputes, payments to the creator ------------------------------------


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    form = AdjustmentForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: services.adjustment_add(statement=statement, actor=request.user, **data),
        success=_("Adjustment recorded."),
        redirect_to=_statement_url(request, statement),
    )
    return done or _form_page(
        request,
        form,
        title=_("Adjust %(ref)s") % {"ref": statement.platform_reference},
        back=_statement_url(request, statement),
        intro=_("An invalid-activity deduction, a refund or a policy-violation penalty."),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def hold_place(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    form = HoldForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: services.hold_place(statement=statement, actor=request.user, **data),
        success=_("The payout is on hold."),
        redirect_to=_statement_url(request, statement),
    )
    return done or _form_page(
        request,
        form,
        title=_("Put %(ref)s on hold") % {"ref": statement.platform_reference},
        back=_statement_url(request, statement),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_POST
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_for_agency(Hold.objects.select_related("statement"), request.agency, pk=pk)
    try:
        services.hold_release(hold=hold, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Hold released."))
    return redirect(_statement_url(request, hold.statement))


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def dispute_open(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    form = DisputeForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: services.dispute_open(statement=statement, actor=request.user, **data),
        success=_("Dispute opened."),
        redirect_to=_statement_url(request, statement),
    )
    return done or _form_page(
        request,
        form,
        title=_("Dispute %(ref)s") % {"ref": statement.platform_reference},
        back=_statement_url(request, statement),
        intro=_("Record what you send the platform; the time it was opened is kept."),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def dispute_close(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_for_agency(Dispute.objects.select_related("statement"), request.agency, pk=pk)
    form = DisputeCloseForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: services.dispute_close(dispute=dispute, actor=request.user, **data),
        success=_("Dispute closed."),
        redirect_to=_statement_url(request, dispute.statement),
    )
    return done or _form_page(
        request,
        form,
        title=_("Close the dispute on %(ref)s") % {"ref": dispute.statement.platform_reference},
        back=_statement_url(request, dispute.statement),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def creator_payment(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(
        PayoutStatement.objects.select_related("creator"), request.agency, pk=pk
    )
    nets = breakdowns(request.agency, [statement])[0].nets
    open_nets = [n for n in nets if n.to_pay > 0]
    if request.method == "GET" and not open_nets:
        messages.info(request, _("Nothing is left to pay the creator for this payout."))
        return redirect(_statement_url(request, statement))
    form = CreatorPaymentForm(
        request.POST or None,
        currencies=[n.currency for n in nets],
        initial=CreatorPaymentForm.initial_for(
            open_nets, today=timezone.localdate(timezone=request.agency.tzinfo)
        ),
    )
    done = submit_form(
        request,
        form,
        lambda data: services.creator_payment_record(
            statement=statement, actor=request.user, **data
        ),
        success=_("Payment to the creator recorded."),
        redirect_to=_statement_url(request, statement),
    )
    return done or _form_page(
        request,
        form,
        title=_("Pay %(creator)s for %(ref)s")
        % {"creator": statement.creator.display_name, "ref": statement.platform_reference},
        back=_statement_url(request, statement),
        intro=" ".join(
            _("Net to the creator: %(due)s, already paid: %(paid)s, still to pay: %(left)s.")
            % {
                "due": format_money(n.due, n.currency),
                "paid": format_money(n.paid, n.currency),
                "left": format_money(n.to_pay, n.currency),
            }
            for n in nets
        ),
    )


# --- Sample files to try the imports with (payouts/samples.py) ---------------------------------


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    # The samples name the agency's creators and bank account: never cached, like any export.
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return private_download(response)


@agency_view(allow=PAYOUTS_WRITE)
@require_GET
def statements_sample(request: HttpRequest) -> HttpResponse:
    data = samples.statements_csv(request.agency)
    return _download(data, "payout-statements-sample.csv", "text/csv; charset=utf-8")


BANK_SAMPLES = {
    "camt053": (samples.bank_camt053, "xml", "application/xml"),
    "mt940": (samples.bank_mt940, "sta", "text/plain; charset=iso-8859-1"),
}


@agency_view(allow=PAYOUTS_WRITE)
@require_GET
def bank_sample(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    account = get_for_agency(BankAccount, request.agency, pk=pk)
    if fmt not in BANK_SAMPLES:
        raise Http404
    write, extension, content_type = BANK_SAMPLES[fmt]
    account.agency = request.agency  # the sample's dates follow the agency's day
    return _download(write(account), f"bank-statement-sample-{fmt}.{extension}", content_type)


# --- Bank accounts, imports and transactions --------------------------------------------------


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
            _add_errors(form, exc)
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
            _add_errors(form, exc)
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
            _add_errors(form, exc)
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
        {"form": filters.form, "page_obj": _page(request, filters.qs)},
    )


# --- Reconciliation ---------------------------------------------------------------------------


@agency_view(allow=PAYOUTS_READ)
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payouts/runs.html",
        {
            "page_obj": _page(request, selectors.run_list(agency=request.agency)),
            "can_write": _can_write(request),
            "summary": selectors.reconciliation_summary(request.agency),
            "form": ExportForm(),
        },
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    run = reconciliation.run_start(agency=request.agency, actor=request.user)
    return redirect("payouts:run", agency_slug=request.agency.slug, pk=run.pk)


@agency_view(allow=PAYOUTS_READ)
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for_agency(ReconciliationRun, request.agency, pk=pk)
    template = "payouts/_run_progress.html" if request.htmx else "payouts/run_detail.html"
    return render(request, template, {"run": run})


@agency_view(allow=PAYOUTS_READ)
@require_GET
def exceptions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payouts/exceptions.html",
        {
            "page_obj": _page(request, selectors.exception_queue(agency=request.agency)),
            "issues": selectors.open_reconciliation_issues(agency=request.agency)[:ISSUES_SHOWN],
            "can_write": _can_write(request),
            "confirmed": selectors.recent_confirmed(agency=request.agency),
            "manual_form": ManualMatchForm(),
        },
    )


_DECISIONS = {
    "confirm": reconciliation.match_confirm,
    "reject": reconciliation.match_reject,
    "unmatch": reconciliation.match_unmatch,
}


@agency_view(allow=PAYOUTS_WRITE)
@require_POST
def match_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    match = get_for_agency(Match, request.agency, pk=pk)
    service = _DECISIONS.get(action)
    if service is None:
        raise Http404
    try:
        service(match=match, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return redirect("payouts:exceptions", agency_slug=request.agency.slug)


ISSUES_SHOWN = 100


@agency_view(allow=PAYOUTS_WRITE)
@require_POST
def issue_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_for_agency(ReconciliationIssue, request.agency, pk=pk)
    try:
        reconciliation_issues.issue_resolve(
            issue=issue, actor=request.user, resolution=request.POST.get("resolution", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Issue closed."))
    return redirect("payouts:exceptions", agency_slug=request.agency.slug)


@agency_view(allow=PAYOUTS_WRITE)
@require_POST
def match_manual(request: HttpRequest) -> HttpResponse:
    form = ManualMatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a statement id and a bank transaction id."))
    else:
        statement = get_for_agency(
            PayoutStatement, request.agency, pk=form.cleaned_data["statement"]
        )
        txn = get_for_agency(BankTransaction, request.agency, pk=form.cleaned_data["transaction"])
        try:
            reconciliation.match_manual(statement=statement, transaction_=txn, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Matched."))
    return redirect("payouts:exceptions", agency_slug=request.agency.slug)


@agency_view(allow=PAYOUTS_READ)
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The reconciliation report for the period in the query string (or everything)."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "payouts/export.html", {"form": form}, status=400)
    return export_response(
        request.agency,
        fmt,
        period_from=form.cleaned_data["period_from"],
        period_to=form.cleaned_data["period_to"],
    )


# --- Settings and commission ------------------------------------------------------------------


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def payout_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.payout_settings(agency=request.agency)
    form = PayoutSettingsForm(request.POST or None, initial=PayoutSettingsForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            services.payout_settings_update(
                agency=request.agency, actor=request.user, changes=form.changes()
            )
        except ValidationError as exc:
            _add_errors(
                form,
                exc,
                rename={
                    "default_commission_rate": "default_commission_percent",
                    "fx_tolerance": "fx_tolerance_percent",
                },
            )
        else:
            messages.success(request, _("Payout settings saved."))
            return redirect("payouts:settings", agency_slug=request.agency.slug)
    return _form_page(
        request,
        form,
        title=_("Payout settings"),
        back=_index_url(request),
        intro=_("How reconciliation matches deposits, and the agency's default commission."),
    )


@agency_view(allow=PAYOUTS_READ, write=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def commissions(request: HttpRequest) -> HttpResponse:
    form = CommissionForm(request.POST or None, agency=request.agency)
    if request.method == "POST" and form.is_valid():
        try:
            services.commission_set(
                creator=form.cleaned_data["creator"], actor=request.user, rate=form.rate
            )
        except ValidationError as exc:
            _add_errors(form, exc, rename={"rate": "percent"})
        else:
            messages.success(request, _("Commission saved."))
            return redirect("payouts:commissions", agency_slug=request.agency.slug)
    default = selectors.payout_settings(agency=request.agency).default_commission_rate
    return render(
        request,
        "payouts/commissions.html",
        {
            "form": form,
            "page_obj": _page(request, selectors.creators_with_commission(agency=request.agency)),
            "default_percent": default * 100,
            "can_write": request.can_write,
        },
        status=400 if form.errors else 200,
    )


# --- The creator's own payouts ----------------------------------------------------------------


def _own_creator(request: HttpRequest) -> Creator:
    creator = Creator.objects.for_agency(request.agency).filter(user=request.user).first()
    if creator is None:
        raise Http404
    return creator


@agency_view(allow=PAYOUTS_PORTAL)
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    creator = _own_creator(request)
    statements = list(selectors.reconciliation_report(agency=request.agency, creator=creator))
    trails = selectors.statement_trails(agency=request.agency, statements=statements)
    return render(request, "payouts/portal.html", {"trails": trails})


@agency_view(allow=PAYOUTS_PORTAL)
@require_GET
def portal_csv(request: HttpRequest) -> HttpResponse:
    rows = report_rows(request.agency, creator=_own_creator(request))
    return csv_streaming_response("my-payouts.csv", CREATOR_COLUMNS, table(rows, CREATOR_COLUMNS))
