from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("cockpit.views")

app_name = "cockpit"

urlpatterns = [
    path("digest/", views.digest_preferences, name="digest"),
]
