"""What the payouts pages share: pagination, the form page, a service's errors on a form,
who may write, and the URLs of the index and of a statement."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse

from ..permissions import PAYOUTS_WRITE

PAGE_SIZE = 50


def can_write(request: HttpRequest) -> bool:
    """Whether the request's member may change payouts (PAYOUTS_WRITE)."""
    return request.membership.role in PAYOUTS_WRITE


def page(request: HttpRequest, qs):
    """The `?page=` page of `qs`, PAGE_SIZE rows a page (out of range: the last)."""
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def add_errors(form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """A service's ValidationError shown on the form, next to the field it names."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        field = (rename or {}).get(field, field)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def form_page(request, form, *, title: str, back: str, intro: str = "", submit: str = ""):
    """payouts/form.html for `form`; 400 once it has errors so htmx and tests can tell."""
    return render(
        request,
        "payouts/form.html",
        {"form": form, "title": title, "back": back, "intro": intro, "submit": submit},
        status=400 if form.errors else 200,
    )


def index_url(request: HttpRequest) -> str:
    """The payouts index of the request's agency."""
    return reverse("payouts:index", kwargs={"agency_slug": request.agency.slug})


def statement_url(request: HttpRequest, statement) -> str:
    """The page of `statement` in the request's agency."""
    return reverse(
        "payouts:statement", kwargs={"agency_slug": request.agency.slug, "pk": statement.pk}
    )
