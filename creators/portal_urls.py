from __future__ import annotations

from core.lazy_urls import path, views_of

portal_views = views_of("creators.portal_views")

app_name = "portal"

urlpatterns = [
    path("", portal_views.profile, name="profile"),
    path("insights/", portal_views.insights, name="insights"),
]
