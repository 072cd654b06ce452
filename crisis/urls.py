from __future__ import annotations

from core.lazy_urls import path, views_of

views = views_of("crisis.views")

app_name = "crisis"

urlpatterns = [
    path("", views.index, name="index"),
    path("frozen/<id:pk>/release/", views.frozen_release, name="frozen-release"),
    path("frozen/release/", views.frozen_release_all, name="frozen-release-all"),
    path("replies/", views.replies, name="replies"),
    path("replies/<id:pk>/", views.reply_edit, name="reply-edit"),
    path("replies/<id:pk>/delete/", views.reply_delete, name="reply-delete"),
    path("drills/", views.drills, name="drills"),
    path("drills/new/", views.drill_create, name="drill-create"),
    path("drills/<id:pk>/", views.drill_detail, name="drill"),
]
