"""The sponsor report's API shape."""

from __future__ import annotations

from rest_framework import serializers

from campaigns.models import ReportStatus, SponsorReport


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
