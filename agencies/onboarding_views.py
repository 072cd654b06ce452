"""Pages that start an agency: platform staff's agency list and form, and an owner's "New
agency" page in the agency switcher. Both call `onboarding.agency_onboard`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.formflow import add_service_errors

from . import onboarding
from .models import Agency
from .onboarding_forms import AgencyCreateForm, StaffAgencyCreateForm
from .permissions import AGENCY_CREATE
from .tenancy import agency_view, user_has_mfa


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def platform_staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Platform staff only (`is_staff`), with an authenticator app: these pages act across
    agencies. Anyone else gets a 404, as if the pages did not exist."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_staff:
            raise Http404
        if not user_has_mfa(request.user):
            messages.warning(
                request,
                _(
                    "Platform staff pages need two-factor authentication. Set up an "
                    "authenticator app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper


@platform_staff_view
@require_GET
def staff_agencies(request: HttpRequest) -> HttpResponse:
    # Only the agencies table: it is not tenant data, so no agency scope is needed to list it.
    agencies = Agency.objects.order_by("name", "pk").only(
        "name", "slug", "timezone", "default_currency", "created_at"
    )
    page = Paginator(agencies, 50).get_page(request.GET.get("page"))
    return render(request, "agencies/onboarding/staff_list.html", {"page_obj": page})


@platform_staff_view
@require_http_methods(["GET", "POST"])
def staff_agency_create(request: HttpRequest) -> HttpResponse:
    form = StaffAgencyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = onboarding.agency_onboard(
                **form.cleaned_data, actor=request.user, base_url=_base_url(request)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Shown once, not redirected to: the link may carry the invitation's token.
            response = render(request, "agencies/onboarding/staff_created.html", {"result": result})
            add_never_cache_headers(response)
            return response
    return render(request, "agencies/onboarding/staff_create.html", {"form": form})


@agency_view(allow=AGENCY_CREATE)
@require_http_methods(["GET", "POST"])
def agency_create(request: HttpRequest) -> HttpResponse:
    """An owner starts a further agency (from the switcher) and becomes its owner."""
    current = request.agency
    form = AgencyCreateForm(
        request.POST or None,
        initial={"timezone": current.timezone, "currency": current.default_currency},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = onboarding.agency_onboard(
                **form.cleaned_data,
                owner=request.user,
                actor=request.user,
                base_url=_base_url(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(agency)s is ready and you are its owner. Invite your team under Team.")
                % {"agency": result.agency.name},
            )
            return redirect("agencies:dashboard", agency_slug=result.agency.slug)
    return render(request, "agencies/onboarding/create.html", {"form": form})
