"""TikTok's webhook callback (one address for the whole app; the account names the agency)."""

from __future__ import annotations

from django.urls import path

from . import webhook_views

app_name = "platforms_webhooks"

urlpatterns = [
    path("tiktok/", webhook_views.tiktok_webhook, name="tiktok"),
]
