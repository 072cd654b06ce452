"""The creator portal: a creator sees their own profile and nothing of anyone else."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.tenancy import agency_view

from . import selectors
from .insights.views import insight_context
from .models import Creator
from .permissions import PORTAL_VIEW


def own_creator(request: HttpRequest) -> Creator:
    """The roster entry linked to the signed-in creator in this agency, or 404."""
    creator = selectors.own_creator(agency=request.agency, user=request.user)
    if creator is None:
        raise Http404
    return creator


@agency_view(allow=PORTAL_VIEW)
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "creators/portal/profile.html", {"creator": own_creator(request)})


@agency_view(allow=PORTAL_VIEW)
@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """The creator's own eligibility, estimates and metrics history (no accuracy figures
    against payouts: those are the agency's working numbers)."""
    # Their own date of birth: the age rule says when they turn 18.
    context = insight_context(
        request, own_creator(request), personal_data=True, with_accuracy=False
    )
    return render(request, "creators/portal/insights.html", context)
