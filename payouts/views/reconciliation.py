"""Reconciliation: runs, the exception queue, deciding and making matches, closing issues,
and the reconciliation report export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.tenancy import agency_view, get_for_agency

from .. import reconciliation, selectors
from ..exports import export_response
from ..forms import ExportForm, ManualMatchForm
from ..models import BankTransaction, Match, PayoutStatement, ReconciliationIssue, ReconciliationRun
from ..permissions import PAYOUTS_READ, PAYOUTS_WRITE
from ..reconciliation import issues as reconciliation_issues
from .common import can_write, page


@agency_view(allow=PAYOUTS_READ)
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payouts/runs.html",
        {
            "page_obj": page(request, selectors.run_list(agency=request.agency)),
            "can_write": can_write(request),
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
            "page_obj": page(request, selectors.exception_queue(agency=request.agency)),
            "issues": selectors.open_reconciliation_issues(agency=request.agency)[:ISSUES_SHOWN],
            "can_write": can_write(request),
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
