from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("creators.api")
application_api = views_of("creators.application_api")
insight_api = views_of("creators.insights.api")

urlpatterns = [
    path("creators/", api.CreatorList.as_view(), name="creator-list"),
    path("creators/<id:pk>/", api.CreatorDetail.as_view(), name="creator-detail"),
    path("creators/<id:pk>/offboard/", api.CreatorOffboard.as_view(), name="creator-offboard"),
    path(
        "creators/<id:pk>/reactivate/",
        api.CreatorReactivate.as_view(),
        name="creator-reactivate",
    ),
    path(
        "creators/<id:pk>/social-accounts/",
        api.SocialAccountList.as_view(),
        name="creator-socialaccount-list",
    ),
    path(
        "creators/<id:pk>/social-accounts/<id:account_pk>/",
        api.SocialAccountDetail.as_view(),
        name="creator-socialaccount-detail",
    ),
    path("me/creator/", api.MyCreatorProfile.as_view(), name="me-creator"),
    # program applications
    path(
        "creators/applications/",
        application_api.ApplicationList.as_view(),
        name="application-list",
    ),
    path(
        "creators/applications/wait/",
        application_api.ReapplyWait.as_view(),
        name="application-wait",
    ),
    path(
        "creators/applications/<id:pk>/",
        application_api.ApplicationDetail.as_view(),
        name="application-detail",
    ),
    path(
        "creators/applications/<id:pk>/decide/",
        application_api.ApplicationDecide.as_view(),
        name="application-decide",
    ),
    path(
        "creators/applications/<id:pk>/withdraw/",
        application_api.ApplicationWithdraw.as_view(),
        name="application-withdraw",
    ),
    # insights
    path(
        "creators/<id:pk>/snapshots/",
        insight_api.SnapshotList.as_view(),
        name="creator-snapshot-list",
    ),
    path("creators/<id:pk>/videos/", insight_api.VideoList.as_view(), name="creator-video-list"),
    path(
        "creators/<id:pk>/eligibility/",
        insight_api.CreatorEligibility.as_view(),
        name="creator-eligibility",
    ),
    path(
        "creators/<id:pk>/estimates/",
        insight_api.CreatorEstimates.as_view(),
        name="creator-estimates",
    ),
    path("eligibility/", insight_api.RosterEligibility.as_view(), name="eligibility-list"),
    path("rate-card/", insight_api.RateCard.as_view(), name="rate-card"),
    path("me/eligibility/", insight_api.MyEligibility.as_view(), name="me-eligibility"),
    path("me/estimates/", insight_api.MyEstimates.as_view(), name="me-estimates"),
    path("me/snapshots/", insight_api.MySnapshots.as_view(), name="me-snapshots"),
]
