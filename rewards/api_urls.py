from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("rewards.api")

urlpatterns = [
    path("rewards/pools/", api.PoolList.as_view(), name="bonus-pool-list"),
    path("rewards/pools/<id:pk>/", api.PoolDetail.as_view(), name="bonus-pool-detail"),
    path("rewards/rules/", api.RuleList.as_view(), name="bonus-rule-list"),
    path("rewards/rules/<id:pk>/", api.RuleDetail.as_view(), name="bonus-rule-detail"),
    path("rewards/awards/", api.AwardList.as_view(), name="bonus-award-list"),
    path("rewards/awards/<id:pk>/", api.AwardDetail.as_view(), name="bonus-award-detail"),
    path("rewards/evaluate/", api.Evaluate.as_view(), name="bonus-evaluate"),
]
