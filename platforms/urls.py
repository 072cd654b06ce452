from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("platforms.views")

app_name = "platforms"

urlpatterns = [
    path("", views.agency_accounts, name="accounts"),
    path("creators/<id:pk>/", views.creator_accounts, name="creator-accounts"),
    path("creators/<id:pk>/tiktok/link/", views.creator_link_start, name="creator-link"),
    path("accounts/<id:pk>/disconnect/", views.account_disconnect, name="disconnect"),
    path("oauth/tiktok/complete/", views.oauth_complete, name="oauth-complete"),
    path("me/", views.portal_accounts, name="portal-accounts"),
    path("me/tiktok/link/", views.portal_link_start, name="portal-link"),
    path("me/<id:pk>/disconnect/", views.portal_disconnect, name="portal-disconnect"),
]
