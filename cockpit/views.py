"""The agency home: the cockpit of the member's role (agencies/urls.py mounts it through the
AGENCY_HOME_VIEW setting, so the tenant layer never imports the apps above it)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agencies.roles import ALL_ROLES, Role
from agencies.tenancy import agency_view
from creators.models import Creator
from creators.selectors import roster_summary

from . import digest, selectors
from .forms import DigestPreferencesForm
from .presenters import figure_rows


@agency_view(allow=ALL_ROLES)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    agency, role = request.agency, request.membership.role
    if role == Role.CREATOR:
        creator = Creator.objects.filter(agency=agency, user=request.user).first()
        if creator is None:
            raise Http404
        overview = selectors.creator_overview(agency, creator=creator, today=timezone.localdate())
        return render(
            request, "cockpit/creator_home.html", {"creator": creator, "overview": overview}
        )
    cockpit = selectors.cockpit_for(agency, user=request.user, role=role)
    context = {
        "cockpit": cockpit,
        "figures": figure_rows(cockpit.figures),
        # finance's home is the money; the roster counts are for the others
        "roster": roster_summary(agency=agency) if role != Role.FINANCE else None,
    }
    return render(request, "cockpit/home.html", context)


@agency_view(allow=ALL_ROLES)
@require_http_methods(["GET", "POST"])
def digest_preferences(request: HttpRequest) -> HttpResponse:
    """The member's own weekly digest: on or off, and its language."""
    subscription = digest.subscription_for(request.membership)
    form = DigestPreferencesForm(
        request.POST or None,
        initial={"weekly_digest": subscription.weekly_digest, "language": subscription.language},
    )
    if request.method == "POST" and form.is_valid():
        digest.digest_preferences_save(membership=request.membership, **form.cleaned_data)
        messages.success(request, _("Your digest settings are saved."))
        return redirect("cockpit:digest", agency_slug=request.agency.slug)
    return render(
        request,
        "cockpit/digest_preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
