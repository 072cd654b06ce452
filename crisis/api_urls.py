from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("crisis.api")

urlpatterns = [
    path("crisis/replies/", api.ReplyList.as_view(), name="crisis-reply-list"),
    path("crisis/replies/<id:pk>/", api.ReplyDetail.as_view(), name="crisis-reply-detail"),
    path("crisis/drills/", api.DrillList.as_view(), name="crisis-drill-list"),
    path("crisis/drills/<id:pk>/", api.DrillDetail.as_view(), name="crisis-drill-detail"),
    path("crisis/frozen/", api.FrozenList.as_view(), name="crisis-frozen-list"),
    path("crisis/frozen/<id:pk>/", api.FrozenDetail.as_view(), name="crisis-frozen-detail"),
    path(
        "crisis/frozen/<id:pk>/release/",
        api.FrozenRelease.as_view(),
        name="crisis-frozen-release",
    ),
]
