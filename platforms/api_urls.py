from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("platform-accounts/", api.PlatformAccountList.as_view(), name="platform-account-list"),
    path(
        "platform-accounts/<id:pk>/disconnect/",
        api.PlatformAccountDisconnect.as_view(),
        name="platform-account-disconnect",
    ),
]
