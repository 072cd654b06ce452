from __future__ import annotations

from django.urls import path

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.profile, name="profile"),
    path("insights/", portal_views.insights, name="insights"),
]
