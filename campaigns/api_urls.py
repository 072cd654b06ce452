from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("campaigns.api")

urlpatterns = [
    path("sponsors/", api.SponsorList.as_view(), name="sponsor-list"),
    path("sponsors/<id:pk>/", api.SponsorDetail.as_view(), name="sponsor-detail"),
    path("contracts/", api.ContractList.as_view(), name="contract-list"),
    path("contracts/<id:pk>/", api.ContractDetail.as_view(), name="contract-detail"),
    path(
        "contracts/<id:pk>/transition/",
        api.ContractTransition.as_view(),
        name="contract-transition",
    ),
    path("campaigns/", api.CampaignList.as_view(), name="campaign-list"),
    path("campaigns/<id:pk>/", api.CampaignDetail.as_view(), name="campaign-detail"),
    path(
        "campaigns/<id:pk>/dashboard/", api.CampaignDashboard.as_view(), name="campaign-dashboard"
    ),
    path("campaigns/<id:pk>/checklist/", api.ChecklistDetail.as_view(), name="checklist-detail"),
    path(
        "campaigns/<id:pk>/checklist/check/", api.ChecklistCheck.as_view(), name="checklist-check"
    ),
    path("campaigns/<id:pk>/conversions/", api.ConversionList.as_view(), name="conversion-list"),
    path("campaigns/<id:pk>/experiments/", api.ExperimentList.as_view(), name="experiment-list"),
    path("deliverables/", api.DeliverableList.as_view(), name="deliverable-list"),
    path("deliverables/<id:pk>/", api.DeliverableDetail.as_view(), name="deliverable-detail"),
    path(
        "deliverables/<id:pk>/submit/", api.DeliverableSubmit.as_view(), name="deliverable-submit"
    ),
    path(
        "deliverables/<id:pk>/review/", api.DeliverableReview.as_view(), name="deliverable-review"
    ),
    path(
        "deliverables/<id:pk>/posted/", api.DeliverablePosted.as_view(), name="deliverable-posted"
    ),
    path(
        "deliverables/<id:pk>/snapshots/", api.SnapshotList.as_view(), name="deliverable-snapshots"
    ),
]
