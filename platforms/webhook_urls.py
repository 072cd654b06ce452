"""TikTok's webhook callback (one address for the whole app; the account names the agency)."""

from __future__ import annotations

from core.lazy_urls import path, views_of

webhook_views = views_of("platforms.webhook_views")

app_name = "platforms_webhooks"

urlpatterns = [
    path("tiktok/", webhook_views.tiktok_webhook, name="tiktok"),
]
