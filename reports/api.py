"""The sponsor-report API: request a report, poll its state, download the PDF. Thin: the
serializer checks shapes, `reports.services` does the work (rendering in a Celery task)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers

from agencies.api_base import AgencyAPIMixin
from campaigns.models import Campaign, ReportStatus, SponsorReport
from campaigns.permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW

from .downloads import report_file_response
from .serializers import SponsorReportSerializer
from .services import sponsor_report_request


class Base(AgencyAPIMixin):
    read_roles = CAMPAIGN_VIEW
    write_roles = CAMPAIGN_EDIT


class SponsorReportList(Base, generics.ListCreateAPIView):
    """A campaign's reports, newest first; POST queues a new one (202-like: status queued)."""

    queryset = SponsorReport.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = SponsorReportSerializer

    def campaign(self) -> Campaign:
        return get_object_or_404(Campaign.objects.for_agency(self.agency), pk=self.kwargs["pk"])

    def get_queryset(self):
        return SponsorReport.objects.for_agency(self.agency).filter(campaign=self.campaign())

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = sponsor_report_request(
                agency=self.agency,
                campaign=self.campaign(),
                actor=self.request.user,
                language=data.get("language", "en"),
                period_start=data.get("period_start"),
                period_end=data.get("period_end"),
            )
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else error.messages
            raise serializers.ValidationError(detail) from None


class SponsorReportDetail(Base, generics.RetrieveAPIView):
    """Poll a report's state and progress."""

    queryset = SponsorReport.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = SponsorReportSerializer

    def get_queryset(self):
        return SponsorReport.objects.for_agency(self.agency)


class SponsorReportDownload(Base, generics.GenericAPIView):
    queryset = SponsorReport.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = SponsorReportSerializer

    def get_queryset(self):
        return SponsorReport.objects.for_agency(self.agency).select_related("campaign")

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            404: OpenApiResponse(description="No such report, or not rendered yet."),
        }
    )
    def get(self, request, *args, **kwargs):
        report = self.get_object()
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404
        return report_file_response(request, report)
