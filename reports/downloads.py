"""A report's PDF leaving the app: one download recorded, then the file as a private (never
cached) attachment. The staff page, the API and the sponsor's share link all answer this way."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest

from campaigns.models import ReportShareLink, SponsorReport
from core.downloads import private_file_response

from .services import report_download_record


def report_file_response(
    request: HttpRequest, report: SponsorReport, *, link: ReportShareLink | None = None
) -> FileResponse:
    """Record the download (by the signed-in user, or through `link` for a sponsor) and
    answer the file. The caller has checked that `report` is done and may be read."""
    report_download_record(
        report=report,
        link=link,
        user=request.user if link is None else None,
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("user-agent", ""),
    )
    return private_file_response(
        report.file.open("rb"),
        filename=f"{report.campaign.code}-report-{report.period_start:%Y%m%d}-{report.language}.pdf",
        content_type="application/pdf",
    )
