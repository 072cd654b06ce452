from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("leads.views")

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="list"),
    path("<id:pk>/", views.lead_detail, name="detail"),
    path("export.csv", views.lead_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.lead_export, {"fmt": "xlsx"}, name="export_xlsx"),
]
