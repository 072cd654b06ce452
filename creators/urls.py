from __future__ import annotations

from core.lazy_urls import path, views_of

application_views = views_of("creators.application_views")
views = views_of("creators.views")
insight_views = views_of("creators.insights.views")

app_name = "creators"

urlpatterns = [
    path("", views.roster_list, name="list"),
    path("new/", views.creator_create, name="create"),
    path("import/", views.roster_import_view, name="import"),
    path("import/template.csv", views.roster_import_template, name="import-template"),
    path("export.csv", views.roster_export, name="export"),
    path("metrics/import/", insight_views.metrics_import_view, name="metrics-import"),
    path(
        "metrics/import/template.csv",
        insight_views.metrics_import_template,
        name="metrics-import-template",
    ),
    path("rate-card/", insight_views.rate_card, name="rate-card"),
    path("rpm/", insight_views.rpm_table, name="rpm"),
    path("rpm/uplift/", insight_views.rpm_uplift, name="rpm-uplift"),
    path("rpm/<id:rate_pk>/delete/", insight_views.rpm_delete, name="rpm-delete"),
    path("applications/", application_views.application_list, name="applications"),
    path("applications/wait/", application_views.reapply_wait, name="application-wait"),
    path("applications/<id:pk>/edit/", application_views.application_edit, name="application-edit"),
    path(
        "applications/<id:pk>/decide/",
        application_views.application_decide,
        name="application-decide",
    ),
    path(
        "applications/<id:pk>/withdraw/",
        application_views.application_withdraw,
        name="application-withdraw",
    ),
    path(
        "<id:pk>/applications/",
        application_views.application_list,
        name="creator-applications",
    ),
    path(
        "<id:pk>/applications/new/",
        application_views.application_create,
        name="application-create",
    ),
    path("<id:pk>/", views.creator_detail, name="detail"),
    path("<id:pk>/insights/", insight_views.creator_insights, name="insights"),
    path("<id:pk>/snapshots/new/", insight_views.snapshot_create, name="snapshot-create"),
    path("<id:pk>/videos/new/", insight_views.video_create, name="video-create"),
    path("<id:pk>/strikes/new/", insight_views.strike_create, name="strike-create"),
    path(
        "<id:pk>/strikes/<id:strike_pk>/resolve/",
        insight_views.strike_resolve,
        name="strike-resolve",
    ),
    path("<id:pk>/edit/", views.creator_edit, name="edit"),
    path("<id:pk>/offboard/", views.creator_offboard, name="offboard"),
    path("<id:pk>/reactivate/", views.creator_reactivate, name="reactivate"),
    path("<id:pk>/accounts/new/", views.social_account_create, name="socialaccount-create"),
    path(
        "<id:pk>/accounts/<id:account_pk>/edit/",
        views.social_account_edit,
        name="socialaccount-edit",
    ),
    path(
        "<id:pk>/accounts/<id:account_pk>/delete/",
        views.social_account_delete,
        name="socialaccount-delete",
    ),
]
