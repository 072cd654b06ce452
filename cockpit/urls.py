from __future__ import annotations

from django.urls import path

from . import views

app_name = "cockpit"

urlpatterns = [
    path("digest/", views.digest_preferences, name="digest"),
]
