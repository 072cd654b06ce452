from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("leads/", api.LeadList.as_view(), name="lead-list"),
    path("leads/<id:pk>/", api.LeadDetail.as_view(), name="lead-detail"),
]
