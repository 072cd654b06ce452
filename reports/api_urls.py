from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("reports.api")

urlpatterns = [
    path(
        "campaigns/<id:pk>/reports/",
        api.SponsorReportList.as_view(),
        name="sponsor-report-list",
    ),
    path("reports/<id:pk>/", api.SponsorReportDetail.as_view(), name="sponsor-report-detail"),
    path(
        "reports/<id:pk>/download/",
        api.SponsorReportDownload.as_view(),
        name="sponsor-report-download",
    ),
]
