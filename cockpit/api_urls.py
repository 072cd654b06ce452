from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("cockpit.api")

urlpatterns = [
    path("cockpit/", api.CockpitView.as_view(), name="cockpit"),
]
