"""The one address TikTok redirects to after authorisation (TIKTOK_REDIRECT_URI)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "platforms_oauth"

urlpatterns = [
    path("tiktok/callback/", views.oauth_callback, name="tiktok-callback"),
]
