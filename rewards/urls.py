from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("rewards.views")

app_name = "rewards"

urlpatterns = [
    path("", views.award_list, name="awards"),
    path("evaluate/", views.evaluate_now, name="evaluate"),
    path("campaigns/<id:pk>/", views.campaign_bonuses, name="campaign"),
    path("campaigns/<id:pk>/pools/new/", views.pool_create, name="pool-create"),
    path("pools/<id:pk>/edit/", views.pool_edit, name="pool-edit"),
    path("pools/<id:pk>/delete/", views.pool_delete, name="pool-delete"),
    path("pools/<id:pk>/rules/new/", views.rule_create, name="rule-create"),
    path("rules/<id:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("rules/<id:pk>/delete/", views.rule_delete, name="rule-delete"),
]
