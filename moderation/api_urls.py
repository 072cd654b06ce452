from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("moderation.api")
operations_api = views_of("moderation.operations_api")

urlpatterns = [
    path("moderation/policies/", api.PolicyList.as_view(), name="moderation-policy-list"),
    path("moderation/messages/", api.MessageList.as_view(), name="moderation-message-list"),
    path("moderation/cases/", api.CaseList.as_view(), name="moderation-case-list"),
    path("moderation/cases/<id:pk>/", api.CaseDetail.as_view(), name="moderation-case-detail"),
    path(
        "moderation/cases/<id:pk>/action/",
        operations_api.CaseAction.as_view(),
        name="moderation-case-action",
    ),
    path(
        "moderation/policies/<id:pk>/versions/",
        operations_api.PolicyVersionList.as_view(),
        name="moderation-policy-versions",
    ),
    path(
        "moderation/policies/<id:pk>/preview/",
        operations_api.PolicyPreview.as_view(),
        name="moderation-policy-preview",
    ),
    path("moderation/sla/", operations_api.SlaRuleList.as_view(), name="moderation-sla-list"),
    path(
        "moderation/sla/<id:pk>/",
        operations_api.SlaRuleDetail.as_view(),
        name="moderation-sla-detail",
    ),
    path(
        "moderation/holidays/",
        operations_api.HolidayList.as_view(),
        name="moderation-holiday-list",
    ),
    path(
        "moderation/holidays/<id:pk>/",
        operations_api.HolidayDetail.as_view(),
        name="moderation-holiday-detail",
    ),
    path("moderation/crisis/", operations_api.CrisisMode.as_view(), name="moderation-crisis"),
    path("moderation/outbox/", api.OutboxList.as_view(), name="moderation-outbox-list"),
    path("moderation/webhook/", api.webhook, name="moderation-webhook"),
]
