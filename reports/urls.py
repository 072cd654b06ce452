"""A campaign's sponsor-report pages. They sit under the campaign's URLs and keep their
`campaigns:` names: config/urls.py mounts these patterns inside the campaigns namespace
(`campaigns:report-section` is what the campaign page loads), so campaigns never imports
this app."""

from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("reports.views")

urlpatterns = [
    path("<id:pk>/reports/", views.report_section, name="report-section"),
    path("<id:pk>/reports/new/", views.report_request, name="report-request"),
    path("reports/<id:pk>/download/", views.report_download, name="report-download"),
    path("reports/<id:pk>/share/", views.report_share_create, name="report-share-create"),
    path("reports/links/<id:pk>/revoke/", views.report_share_revoke, name="report-share-revoke"),
]
