from __future__ import annotations

from django.conf import settings

from core.lazy_urls import path, view_named, views_of

onboarding_views = views_of("agencies.onboarding_views")
views = views_of("agencies.views")

app_name = "agencies"

urlpatterns = [
    # The agency home lives in a higher layer (the cockpit): named by a setting, not imported.
    path("", view_named(settings.AGENCY_HOME_VIEW), name="dashboard"),
    path("settings/", views.agency_settings, name="settings"),
    path("logo/<str:name>", views.agency_logo, name="logo"),
    path("new-agency/", onboarding_views.agency_create, name="agency-create"),
    path("team/", views.members, name="members"),
    path("team/invite/", views.invite, name="invite"),
    path("team/<id:pk>/role/", views.member_role, name="member-role"),
    path("team/<id:pk>/remove/", views.member_remove, name="member-remove"),
    path("team/invitations/<id:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("team/invitations/<id:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("audit/", views.audit, name="audit"),
    path("tokens/", views.api_tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.api_token_revoke, name="token-revoke"),
]
