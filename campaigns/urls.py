from __future__ import annotations

from django.urls import path

from . import portal_views, views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<id:pk>/", views.campaign_detail, name="detail"),
    path("<id:pk>/edit/", views.campaign_edit, name="edit"),
    path("<id:pk>/checklist/", views.checklist_edit, name="checklist"),
    path("<id:pk>/deliverables/new/", views.deliverable_create, name="deliverable-create"),
    path("<id:pk>/metrics/import/", views.metrics_import, name="metrics-import"),
    path("<id:pk>/conversions/new/", views.conversion_create, name="conversion-create"),
    path("<id:pk>/experiments/new/", views.experiment_create, name="experiment-create"),
    path("experiments/<id:pk>/edit/", views.experiment_edit, name="experiment-edit"),
    path("deliverables/", views.deliverable_list, name="deliverable-list"),
    path("deliverables/<id:pk>/", views.deliverable_detail, name="deliverable-detail"),
    path("deliverables/<id:pk>/edit/", views.deliverable_edit, name="deliverable-edit"),
    path("deliverables/<id:pk>/review/", views.deliverable_review, name="deliverable-review"),
    path("deliverables/<id:pk>/posted/", views.deliverable_posted, name="deliverable-posted"),
    path("deliverables/<id:pk>/metrics/", views.snapshot_create, name="snapshot-create"),
    path("sponsors/", views.sponsor_list, name="sponsor-list"),
    path("sponsors/new/", views.sponsor_create, name="sponsor-create"),
    path("sponsors/<id:pk>/", views.sponsor_detail, name="sponsor-detail"),
    path("sponsors/<id:pk>/edit/", views.sponsor_edit, name="sponsor-edit"),
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/fee-guide/", views.contract_fee_guide, name="contract-fee-guide"),
    path("contracts/<id:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<id:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<id:pk>/status/", views.contract_transition, name="contract-transition"),
    path("contracts/<id:pk>/pdf/upload/", views.contract_pdf_upload, name="contract-pdf-upload"),
    path("contracts/<id:pk>/pdf/", views.contract_pdf, name="contract-pdf"),
    path("creators/<id:pk>/contracts/", views.creator_contracts, name="creator-contracts"),
    path("mine/", portal_views.portal, name="portal"),
    path("mine/<id:pk>/", portal_views.portal_deliverable, name="portal-deliverable"),
    path("mine/<id:pk>/submit/", portal_views.portal_submit, name="portal-submit"),
    path("mine/<id:pk>/posted/", portal_views.portal_posted, name="portal-posted"),
]
