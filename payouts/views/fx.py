"""The exchange-rate pages: the agency's own rates, the ECB reference rates, an ECB upload.

Owners, finance and account managers read; owners and finance write (payouts/permissions.py).
The reference rates are shared by every agency, so any agency's finance staff may refresh
them; the upload is audited in that agency's log.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import submit_form

from .. import fx, selectors
from ..forms_fx import (
    FxRateChangeForm,
    FxRateFilter,
    FxRateForm,
    RatesFileForm,
    ReferenceRateFilter,
)
from ..models import FxRate
from ..money import quantize_rate
from ..permissions import PAYOUTS_READ, PAYOUTS_WRITE

PAGE_SIZE = 50


def _rates_url(request: HttpRequest) -> str:
    return reverse("payouts:fx_rates", kwargs={"agency_slug": request.agency.slug})


@agency_view(allow=PAYOUTS_READ, write=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def fx_rates(request: HttpRequest) -> HttpResponse:
    """Both lists, newest day first (`?currency=&date_from=&date_to=`), and the form for
    one of the agency's own rates: a day and pair that already has one is changed."""
    form = FxRateForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: fx.fx_rate_set(agency=request.agency, actor=request.user, **data),
        success=_("Exchange rate saved."),
        redirect_to=_rates_url(request),
    )
    if done:
        return done
    query = request.GET or None
    manual = FxRateFilter(query, queryset=fx.fx_rate_list(agency=request.agency))
    reference = ReferenceRateFilter(query, queryset=fx.reference_rate_list())
    reference_page = Paginator(reference.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in reference_page:
        row.per_unit = quantize_rate(Decimal(1) / row.rate)  # one unit in euro
    fallback = sorted(selectors.payout_settings(agency=request.agency).fx_reference_rates.items())
    return render(
        request,
        "payouts/fx_rates.html",
        {
            "filter_form": manual.form,
            "manual_page": Paginator(manual.qs, PAGE_SIZE).get_page(request.GET.get("manual_page")),
            "page_obj": reference_page,
            "fallback": fallback,
            "form": form,
            "can_write": request.can_write,
        },
        status=400 if form.errors else 200,
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def fx_rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    fx_rate = get_for_agency(FxRate, request.agency, pk=pk)
    form = FxRateChangeForm(request.POST or None, initial={"rate": fx_rate.rate.normalize()})
    done = submit_form(
        request,
        form,
        lambda data: fx.fx_rate_set(
            agency=request.agency,
            actor=request.user,
            date=fx_rate.date,
            base=fx_rate.base,
            quote=fx_rate.quote,
            rate=data["rate"],
        ),
        success=_("Exchange rate saved."),
        redirect_to=_rates_url(request),
    )
    if done:
        return done
    return render(
        request,
        "payouts/form.html",
        {
            "form": form,
            "title": _("The %(pair)s rate of %(date)s")
            % {"pair": f"{fx_rate.base}/{fx_rate.quote}", "date": date_format(fx_rate.date)},
            "intro": _("What one %(base)s was worth in %(quote)s that day.")
            % {"base": fx_rate.base, "quote": fx_rate.quote},
            "back": _rates_url(request),
        },
        status=400 if form.errors else 200,
    )


@agency_view(allow=PAYOUTS_WRITE)
@require_POST
def fx_rate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    fx_rate = get_for_agency(FxRate, request.agency, pk=pk)
    fx.fx_rate_delete(fx_rate=fx_rate, actor=request.user)
    messages.success(request, _("Exchange rate removed."))
    return redirect(_rates_url(request))


@agency_view(allow=PAYOUTS_WRITE)
@require_http_methods(["GET", "POST"])
def fx_import(request: HttpRequest) -> HttpResponse:
    """Upload one of the ECB's reference-rate files into the shared reference table."""
    form = RatesFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = fx.reference_rates_import_upload(
                upload=upload, actor=request.user, agency=request.agency
            )
        except fx.RateFileError as exc:
            problem = exc.render(_)
            problem = problem[:1].upper() + problem[1:]
            form.add_error("file", _("Nothing was imported. %(problem)s") % {"problem": problem})
        else:
            messages.success(
                request,
                _(
                    "%(days)s days of reference rates (%(first)s to %(last)s): %(new)s new, "
                    "%(changed)s changed, %(unchanged)s unchanged."
                )
                % {
                    "days": summary.days,
                    "first": date_format(summary.first),
                    "last": date_format(summary.last),
                    "new": summary.new,
                    "changed": summary.changed,
                    "unchanged": summary.unchanged,
                },
            )
            return redirect(_rates_url(request))
    return render(
        request,
        "payouts/fx_import.html",
        {"form": form, "can_write": True},
        status=400 if form.errors else 200,
    )
