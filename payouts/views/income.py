"""The income-mix pages: a creator's income by source and month, for staff (from the
creator's page) and for the creator themself in the portal. Thin: parse, authorise, call the
selector (`payouts.income`), render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.tenancy import agency_view, get_for_agency
from creators.insights.selectors import agency_today
from creators.models import Creator

from ..forms_income import IncomeMixForm
from ..income import income_mix
from ..permissions import PAYOUTS_PORTAL, PAYOUTS_READ


def _page(request: HttpRequest, creator: Creator, *, portal: bool) -> HttpResponse:
    form = IncomeMixForm(request.GET or None)
    months, convert_to = form.choices() if request.GET else (None, "")
    mix = income_mix(
        agency=request.agency,
        creator=creator,
        today=agency_today(request.agency),
        convert_to=convert_to,
        **({"months": months} if months else {}),
    )
    context = {"creator": creator, "mix": mix, "form": form, "portal": portal}
    return render(request, "payouts/income/mix.html", context)


@agency_view(allow=PAYOUTS_READ)
@require_GET
def creator_income(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_for_agency(Creator, request.agency, pk=pk), portal=False)


@agency_view(allow=PAYOUTS_PORTAL)
@require_GET
def portal_income(request: HttpRequest) -> HttpResponse:
    """The signed-in creator's own income mix (their roster entry in this agency, or 404)."""
    creator = Creator.objects.for_agency(request.agency).filter(user=request.user).first()
    if creator is None:
        raise Http404
    return _page(request, creator, portal=True)
