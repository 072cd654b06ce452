from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("moderation.views")

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("messages/", views.inbox, name="inbox"),
    path("cases/<id:pk>/", views.case_detail, name="case"),
    path("cases/<id:pk>/action/", views.case_action, name="case-action"),
    path("cases/<id:pk>/reply/", views.case_reply_view, name="case-reply"),
    path("policies/", views.policies, name="policies"),
    path("policies/<id:pk>/", views.policy_detail, name="policy"),
    path("policies/<id:pk>/preview/", views.policy_preview, name="policy-preview"),
    path("settings/", views.sla_settings, name="settings"),
    path("crisis/", views.crisis, name="crisis"),
    path("outbox/", views.outbox, name="outbox"),
    path("import/", views.message_import, name="import"),
    path("me/", views.portal, name="portal"),
]
