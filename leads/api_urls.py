from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("leads.api")

urlpatterns = [
    path("leads/", api.LeadList.as_view(), name="lead-list"),
    path("leads/<id:pk>/", api.LeadDetail.as_view(), name="lead-detail"),
]
