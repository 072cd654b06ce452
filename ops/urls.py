"""Operations endpoints, outside any agency: include at the top level of config/urls.py."""

from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("ops.views")

app_name = "ops"

urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
]
