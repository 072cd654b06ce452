"""Payout statements: the list, a statement and its line items, creating and editing one,
and importing statements or their lines from a CSV file."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import submit_form

from .. import selectors, services
from ..filters import StatementFilter
from ..forms import PayoutLineForm, StatementForm, StatementImportForm
from ..line_import import LINE_COLUMNS, statement_lines_import
from ..models import Match, PayoutLine, PayoutStatement
from ..permissions import PAYOUTS_READ, PAYOUTS_WRITE
from ..statement_columns import COLUMNS
from ..statement_import import StatementImportError, statement_import
from .common import add_errors, can_write, form_page, index_url, page, statement_url


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
            "page_obj": page(request, filters.qs),
            "can_write": can_write(request),
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
            "can_write": can_write(request),
        },
    )


def _line_page(request, form, statement, *, title: str):
    return form_page(request, form, title=title, back=statement_url(request, statement))


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
        redirect_to=statement_url(request, statement) + "#lines",
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
        redirect_to=statement_url(request, line.statement) + "#lines",
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
    return redirect(statement_url(request, line.statement) + "#lines")


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
        redirect_to=lambda statement: statement_url(request, statement),
    )
    return done or form_page(
        request,
        form,
        title=_("New payout statement"),
        back=index_url(request),
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
            add_errors(form, exc)
        else:
            messages.success(request, _("Statement saved."))
            return redirect(statement_url(request, statement))
    return form_page(
        request,
        form,
        title=_("Edit %(ref)s") % {"ref": statement.platform_reference},
        back=statement_url(request, statement),
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
