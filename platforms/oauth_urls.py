"""The one address TikTok redirects to after authorisation (TIKTOK_REDIRECT_URI)."""

from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("platforms.views")

app_name = "platforms_oauth"

urlpatterns = [
    path("tiktok/callback/", views.oauth_callback, name="tiktok-callback"),
]
