"""The sponsor-report API: request a report, poll its state, download the PDF. Thin: the
serializer checks shapes, `campaigns.reports` does the work (rendering in a Celery task)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers

from agencies.api_base import AgencyAPIMixin

from .models import Campaign, ReportStatus, SponsorReport
from .permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW
from .reports import report_download_record, sponsor_report_request


class SponsorReportSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(read_only=True)
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    download_ready = serializers.SerializerMethodField()

    class Meta:
        model = SponsorReport
        fields = [
            "id",
            "campaign",
            "period_start",
            "period_end",
            "language",
            "status",
            "progress",
            "error",
            "download_ready",
            "created_at",
            "finished_at",
        ]
        read_only_fields = ["status", "progress", "error", "created_at", "finished_at"]

    def get_download_ready(self, obj: SponsorReport) -> bool:
        return obj.status == ReportStatus.DONE and bool(obj.file)

    def validate(self, attrs):
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"period_end": "The period must end on or after its start."}
            )
        return attrs


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
        from .views import _report_file

        report = self.get_object()
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404
        report_download_record(
            report=report,
            user=request.user,
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("user-agent", ""),
        )
        return _report_file(report)
