"""Public invitation links: the token in the URL is the authorisation (see views)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("<str:token>/", views.invitation_accept, name="accept"),
]
