from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("platforms.api")

urlpatterns = [
    path("platform-accounts/", api.PlatformAccountList.as_view(), name="platform-account-list"),
    path(
        "platform-accounts/<id:pk>/disconnect/",
        api.PlatformAccountDisconnect.as_view(),
        name="platform-account-disconnect",
    ),
]
