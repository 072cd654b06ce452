from __future__ import annotations

from core.lazy_urls import path, views_of

portal_views = views_of("campaigns.portal_views")
campaigns = views_of("campaigns.views.campaigns")
contracts = views_of("campaigns.views.contracts")
deliverables = views_of("campaigns.views.deliverables")
experiments = views_of("campaigns.views.experiments")
kpis = views_of("campaigns.views.kpis")
sponsors = views_of("campaigns.views.sponsors")

app_name = "campaigns"

urlpatterns = [
    path("", campaigns.campaign_list, name="list"),
    path("new/", campaigns.campaign_create, name="create"),
    path("<id:pk>/", campaigns.campaign_detail, name="detail"),
    path("<id:pk>/edit/", campaigns.campaign_edit, name="edit"),
    path("<id:pk>/checklist/", campaigns.checklist_edit, name="checklist"),
    path("<id:pk>/deliverables/new/", deliverables.deliverable_create, name="deliverable-create"),
    path("<id:pk>/metrics/import/", kpis.metrics_import, name="metrics-import"),
    path("<id:pk>/conversions/new/", kpis.conversion_create, name="conversion-create"),
    path("<id:pk>/experiments/new/", experiments.experiment_create, name="experiment-create"),
    path("experiments/<id:pk>/edit/", experiments.experiment_edit, name="experiment-edit"),
    path("deliverables/", deliverables.deliverable_list, name="deliverable-list"),
    path("deliverables/<id:pk>/", deliverables.deliverable_detail, name="deliverable-detail"),
    path("deliverables/<id:pk>/edit/", deliverables.deliverable_edit, name="deliverable-edit"),
    path(
        "deliverables/<id:pk>/review/", deliverables.deliverable_review, name="deliverable-review"
    ),
    path(
        "deliverables/<id:pk>/posted/", deliverables.deliverable_posted, name="deliverable-posted"
    ),
    path("deliverables/<id:pk>/metrics/", deliverables.snapshot_create, name="snapshot-create"),
    path("sponsors/", sponsors.sponsor_list, name="sponsor-list"),
    path("sponsors/new/", sponsors.sponsor_create, name="sponsor-create"),
    path("sponsors/<id:pk>/", sponsors.sponsor_detail, name="sponsor-detail"),
    path("sponsors/<id:pk>/edit/", sponsors.sponsor_edit, name="sponsor-edit"),
    path("contracts/", contracts.contract_list, name="contract-list"),
    path("contracts/new/", contracts.contract_create, name="contract-create"),
    path("contracts/fee-guide/", contracts.contract_fee_guide, name="contract-fee-guide"),
    path("contracts/<id:pk>/", contracts.contract_detail, name="contract-detail"),
    path("contracts/<id:pk>/edit/", contracts.contract_edit, name="contract-edit"),
    path("contracts/<id:pk>/status/", contracts.contract_transition, name="contract-transition"),
    path(
        "contracts/<id:pk>/pdf/upload/", contracts.contract_pdf_upload, name="contract-pdf-upload"
    ),
    path("contracts/<id:pk>/pdf/", contracts.contract_pdf, name="contract-pdf"),
    path("creators/<id:pk>/contracts/", contracts.creator_contracts, name="creator-contracts"),
    path("mine/", portal_views.portal, name="portal"),
    path("mine/<id:pk>/", portal_views.portal_deliverable, name="portal-deliverable"),
    path("mine/<id:pk>/submit/", portal_views.portal_submit, name="portal-submit"),
    path("mine/<id:pk>/posted/", portal_views.portal_posted, name="portal-posted"),
]
