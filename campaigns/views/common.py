"""What every page of the campaigns app shares: pagination, the form page, the campaign
lookup and flashing a service's errors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import render

from agencies.tenancy import get_for_agency

from ..models import Campaign

PAGE_SIZE = 25


def page(request: HttpRequest, queryset):
    """The `?page=` page of `queryset`, PAGE_SIZE rows a page (out of range: the last)."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def form_page(request, form, *, title: str, back: str, submit: str, extra: dict | None = None):
    """campaigns/form.html for `form`; 400 once it has errors so htmx and tests can tell."""
    context = {"form": form, "title": title, "back": back, "submit": submit, **(extra or {})}
    return render(request, "campaigns/form.html", context, status=400 if form.errors else 200)


def get_campaign(request: HttpRequest, pk: int) -> Campaign:
    """The request's agency's campaign `pk`; 404 for another agency's, as for a missing one."""
    campaign = get_for_agency(
        Campaign.objects.select_related("sponsor", "contract"), request.agency, pk=pk
    )
    campaign.agency = request.agency  # already loaded; saves a query wherever it is used
    return campaign


def flash_errors(request: HttpRequest, error: ValidationError) -> None:
    """Each message of a service's refusal as an error message on the next page."""
    for message in error.messages:
        messages.error(request, message)
