"""What changes a statement after it arrives: adjustments, holds, disputes, and recording
the payment to the creator."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from campaigns.templatetags.campaign_tags import money as format_money
from core.formflow import submit_form

from .. import services
from ..commission import breakdowns
from ..forms import AdjustmentForm, CreatorPaymentForm, DisputeCloseForm, DisputeForm, HoldForm
from ..models import Dispute, Hold, PayoutStatement
from ..permissions import PAYOUTS_WRITE
from .common import form_page, statement_url


def _statement_form(
    request: HttpRequest,
    statement: PayoutStatement,
    form: BaseForm,
    write: Callable[[dict], object],
    *,
    success: str,
    title: str,
    intro: str = "",
) -> HttpResponse:
    """A form that changes one statement: on a valid POST `write(cleaned_data)` (the
    service), a message and back to the statement; otherwise the form page."""
    back = statement_url(request, statement)
    done = submit_form(request, form, write, success=success, redirect_to=back)
    return done or form_page(request, form, title=title, back=back, intro=intro)


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    return _statement_form(
        request,
        statement,
        AdjustmentForm(request.POST or None),
        lambda data: services.adjustment_add(statement=statement, actor=request.user, **data),
        success=_("Adjustment recorded."),
        title=_("Adjust %(ref)s") % {"ref": statement.platform_reference},
        intro=_("An invalid-activity deduction, a refund or a policy-violation penalty."),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def hold_place(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    return _statement_form(
        request,
        statement,
        HoldForm(request.POST or None),
        lambda data: services.hold_place(statement=statement, actor=request.user, **data),
        success=_("The payout is on hold."),
        title=_("Put %(ref)s on hold") % {"ref": statement.platform_reference},
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
    return redirect(statement_url(request, hold.statement))


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def dispute_open(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_agency(PayoutStatement, request.agency, pk=pk)
    return _statement_form(
        request,
        statement,
        DisputeForm(request.POST or None),
        lambda data: services.dispute_open(statement=statement, actor=request.user, **data),
        success=_("Dispute opened."),
        title=_("Dispute %(ref)s") % {"ref": statement.platform_reference},
        intro=_("Record what you send the platform; the time it was opened is kept."),
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def dispute_close(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_for_agency(Dispute.objects.select_related("statement"), request.agency, pk=pk)
    return _statement_form(
        request,
        dispute.statement,
        DisputeCloseForm(request.POST or None),
        lambda data: services.dispute_close(dispute=dispute, actor=request.user, **data),
        success=_("Dispute closed."),
        title=_("Close the dispute on %(ref)s") % {"ref": dispute.statement.platform_reference},
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
        return redirect(statement_url(request, statement))
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
        redirect_to=statement_url(request, statement),
    )
    return done or form_page(
        request,
        form,
        title=_("Pay %(creator)s for %(ref)s")
        % {"creator": statement.creator.display_name, "ref": statement.platform_reference},
        back=statement_url(request, statement),
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
