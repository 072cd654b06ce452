from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("cockpit/", api.CockpitView.as_view(), name="cockpit"),
]
