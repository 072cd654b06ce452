"""Public invitation links: the token in the URL is the authorisation (see views)."""

from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("agencies.views")

app_name = "invitations"

urlpatterns = [
    path("<str:token>/", views.invitation_accept, name="accept"),
]
