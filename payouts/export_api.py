"""The API twins of the reconciliation exports: the staff report as CSV or XLSX for a period,
and a creator's own payouts as CSV.

The same responses as the pages (`exports.export_response`, `exports.report_rows`): the CSV
streamed while the rows are read, every text cell formula-safe, only the agency's own rows,
never cached. The period is checked by the page's form (`ExportForm`), so a bad one is a 400
with the same messages.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from agencies.api_base import AgencyAPIMixin
from core.spreadsheets import csv_streaming_response
from core.xlsx import XLSX_TYPE
from creators.models import Creator

from .exports import CREATOR_COLUMNS, export_response, report_rows, table
from .forms import ExportForm
from .permissions import PAYOUTS_PORTAL, PAYOUTS_READ

_PERIOD = [
    OpenApiParameter(
        "period_from", OpenApiTypes.DATE, description="Statements ending on or after this day."
    ),
    OpenApiParameter(
        "period_to", OpenApiTypes.DATE, description="Statements starting on or before this day."
    ),
]
_BAD_PERIOD = OpenApiResponse(description="A malformed date, or a period ending before it starts.")


class _FileAPI(AgencyAPIMixin, APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False):
        # A file answers whatever the client accepts (text/csv, a spreadsheet type): forced,
        # the negotiation falls back to JSON (for errors) instead of answering 406.
        return super().perform_content_negotiation(request, force=True)


class _ReconciliationExport(_FileAPI):
    read_roles = PAYOUTS_READ
    fmt = "csv"

    def get(self, request: Request, *args, **kwargs):
        form = ExportForm(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError({k: list(v) for k, v in form.errors.items()})
        return export_response(
            self.agency,
            self.fmt,
            period_from=form.cleaned_data["period_from"],
            period_to=form.cleaned_data["period_to"],
        )


@extend_schema(
    tags=["payouts"],
    parameters=_PERIOD,
    responses={(200, "text/csv"): OpenApiTypes.STR, 400: _BAD_PERIOD},
)
class ReconciliationExportCsv(_ReconciliationExport):
    """The reconciliation report (one row per statement and currency the money arrived in)
    as CSV, for the statements overlapping the period (all when none is given)."""

    fmt = "csv"


@extend_schema(
    tags=["payouts"],
    parameters=_PERIOD,
    responses={(200, XLSX_TYPE): OpenApiTypes.BINARY, 400: _BAD_PERIOD},
)
class ReconciliationExportXlsx(_ReconciliationExport):
    """The reconciliation report as an XLSX workbook: text kept as text, amounts as
    numbers."""

    fmt = "xlsx"


@extend_schema(tags=["creator portal"], responses={(200, "text/csv"): OpenApiTypes.STR})
class MyPayoutsExport(_FileAPI):
    """The signed-in creator's own payouts and their reconciliation, as CSV (the portal's
    download)."""

    read_roles = PAYOUTS_PORTAL

    def get(self, request: Request, *args, **kwargs):
        creator = Creator.objects.for_agency(self.agency).filter(user=request.user).first()
        if creator is None:
            raise Http404
        rows = report_rows(self.agency, creator=creator)
        return csv_streaming_response(
            "my-payouts.csv", CREATOR_COLUMNS, table(rows, CREATOR_COLUMNS)
        )
