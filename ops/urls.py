"""Operations endpoints, outside any agency: include at the top level of config/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
]
