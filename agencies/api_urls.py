from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("audit/", api.AuditLogList.as_view(), name="audit-log"),
]
