"""The creator's own payouts, on the page and as a CSV file."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.tenancy import agency_view
from core.spreadsheets import csv_streaming_response
from creators.models import Creator

from .. import selectors
from ..exports import CREATOR_COLUMNS, report_rows, table
from ..permissions import PAYOUTS_PORTAL


def _own_creator(request: HttpRequest) -> Creator:
    creator = Creator.objects.for_agency(request.agency).filter(user=request.user).first()
    if creator is None:
        raise Http404
    return creator


@agency_view(allow=PAYOUTS_PORTAL)
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    creator = _own_creator(request)
    statements = list(selectors.reconciliation_report(agency=request.agency, creator=creator))
    trails = selectors.statement_trails(agency=request.agency, statements=statements)
    return render(request, "payouts/portal.html", {"trails": trails})


@agency_view(allow=PAYOUTS_PORTAL)
@require_GET
def portal_csv(request: HttpRequest) -> HttpResponse:
    rows = report_rows(request.agency, creator=_own_creator(request))
    return csv_streaming_response("my-payouts.csv", CREATOR_COLUMNS, table(rows, CREATOR_COLUMNS))
