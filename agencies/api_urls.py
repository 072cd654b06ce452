from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("agencies.api")

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("audit/", api.AuditLogList.as_view(), name="audit-log"),
    path("members/", api.MemberList.as_view(), name="member-list"),
    path("members/<id:pk>/", api.MemberDetail.as_view(), name="member-detail"),
    path("invitations/", api.InvitationList.as_view(), name="invitation-list"),
    path("invitations/<id:pk>/revoke/", api.InvitationRevoke.as_view(), name="invitation-revoke"),
    path("invitations/<id:pk>/resend/", api.InvitationResend.as_view(), name="invitation-resend"),
]
