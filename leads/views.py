"""Lead pages: the agency's list (filters by campaign and creator, search, sort, pages), one
lead, and the list as CSV or XLSX. Thin: authorise (`agency_view`), read through selectors
and the shared filters (leads/filters.py), render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.tenancy import agency_view, get_for_agency

from . import exports, selectors
from .filters import LeadFilter
from .permissions import EMAIL_VIEW, LEADS_EXPORT, LEADS_VIEW

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> LeadFilter:
    return LeadFilter(
        request.GET or None, queryset=selectors.lead_list(agency=request.agency), request=request
    )


@agency_view(allow=LEADS_VIEW)
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    """The agency's leads; a filter that names another agency's campaign or creator (or
    anything else invalid) answers 400 with the form's errors and no rows."""
    filters = _filters(request)
    valid = filters.is_valid() if filters.is_bound else True
    page = Paginator(filters.qs if valid else filters.queryset.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    role = request.membership.role
    context = {
        "form": filters.form,
        "page_obj": page,
        "sees_email": role in EMAIL_VIEW,
        "can_export": role in LEADS_EXPORT,
        "query": request.GET.urlencode() if valid else "",
    }
    return render(request, "leads/list.html", context, status=200 if valid else 400)


@agency_view(allow=LEADS_VIEW)
@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_for_agency(selectors.lead_get_queryset(agency=request.agency), request.agency, pk=pk)
    sees_email = request.membership.role in EMAIL_VIEW
    return render(
        request,
        "leads/detail.html",
        {
            "lead": lead,
            "sees_email": sees_email,
            "email": lead.email if sees_email else selectors.masked_email(lead.email),
        },
    )


@agency_view(allow=LEADS_EXPORT)
@require_GET
def lead_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list (all pages) as CSV or XLSX, formula-safe (leads/exports.py)."""
    filters = _filters(request)
    if filters.is_bound and not filters.is_valid():
        page = Paginator(filters.queryset.none(), PAGE_SIZE).get_page(1)
        context = {"form": filters.form, "page_obj": page, "sees_email": True, "can_export": True}
        return render(request, "leads/list.html", context, status=400)
    leads = filters.qs.iterator(chunk_size=500)
    filename = f"leads-{request.agency.slug}.{fmt}"
    tz = request.agency.tzinfo
    if fmt == "csv":
        return exports.csv_response(leads, filename=filename, tz=tz)
    return exports.xlsx_response(leads, filename=filename, tz=tz)
