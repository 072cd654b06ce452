"""The sponsor's public report link, outside any agency: include it at the top level, e.g.
`path("r/", include("reports.share_urls"))` in config/urls.py, and list the namespace
"report_share:" in tests/url_matrix.py NOT_TENANT_SCOPED (authorised by the signed token)."""

from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("reports.views")

app_name = "report_share"

urlpatterns = [
    path("<str:token>/", views.report_shared_download, name="download"),
]
