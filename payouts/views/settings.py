"""The agency's payout settings (matching tolerances, default commission) and each creator's
commission."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.tenancy import agency_view

from .. import selectors, services
from ..forms import CommissionForm, PayoutSettingsForm
from ..permissions import PAYOUTS_READ, PAYOUTS_WRITE
from .common import add_errors, form_page, index_url, page


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
            add_errors(
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
    return form_page(
        request,
        form,
        title=_("Payout settings"),
        back=index_url(request),
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
            add_errors(form, exc, rename={"rate": "percent"})
        else:
            messages.success(request, _("Commission saved."))
            return redirect("payouts:commissions", agency_slug=request.agency.slug)
    default = selectors.payout_settings(agency=request.agency).default_commission_rate
    return render(
        request,
        "payouts/commissions.html",
        {
            "form": form,
            "page_obj": page(request, selectors.creators_with_commission(agency=request.agency)),
            "default_percent": default * 100,
            "can_write": request.can_write,
        },
        status=400 if form.errors else 200,
    )
