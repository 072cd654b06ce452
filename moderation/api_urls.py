from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("moderation/policies/", api.PolicyList.as_view(), name="moderation-policy-list"),
    path("moderation/messages/", api.MessageList.as_view(), name="moderation-message-list"),
    path("moderation/cases/", api.CaseList.as_view(), name="moderation-case-list"),
    path("moderation/cases/<id:pk>/", api.CaseDetail.as_view(), name="moderation-case-detail"),
    path("moderation/outbox/", api.OutboxList.as_view(), name="moderation-outbox-list"),
    path("moderation/webhook/", api.webhook, name="moderation-webhook"),
]
