from __future__ import annotations

from django.urls import path

from . import api, evidence_api, fx_api, income_api

urlpatterns = [
    path("payouts/statements/", api.StatementList.as_view(), name="payout-statement-list"),
    path(
        "payouts/statements/import/",
        api.StatementImport.as_view(),
        name="payout-statement-import",
    ),
    path(
        "payouts/statements/<id:pk>/",
        api.StatementDetail.as_view(),
        name="payout-statement-detail",
    ),
    path(
        "payouts/statements/<id:pk>/lines/",
        api.StatementLineList.as_view(),
        name="payout-line-list",
    ),
    path(
        "payouts/statements/<id:statement_pk>/lines/<id:pk>/",
        api.StatementLineDetail.as_view(),
        name="payout-line-detail",
    ),
    path(
        "payouts/bank-transactions/",
        api.TransactionList.as_view(),
        name="bank-transaction-list",
    ),
    path("payouts/matches/", api.MatchList.as_view(), name="payout-match-list"),
    path("payouts/runs/", api.RunList.as_view(), name="reconciliation-run-list"),
    path("payouts/runs/<id:pk>/", api.RunDetail.as_view(), name="reconciliation-run-detail"),
    path(
        "payouts/creators/<id:pk>/income/",
        income_api.CreatorIncome.as_view(),
        name="payout-creator-income",
    ),
    path("me/income/", income_api.MyIncome.as_view(), name="me-income"),
    path(
        "payouts/disputes/<id:pk>/evidence/",
        evidence_api.DisputeEvidenceList.as_view(),
        name="dispute-evidence-list",
    ),
    path(
        "payouts/evidence/<id:pk>/download/",
        evidence_api.EvidencePackDownload.as_view(),
        name="dispute-evidence-download",
    ),
    path("payouts/fx-rates/", fx_api.FxRateList.as_view(), name="fx-rate-list"),
    path("payouts/fx-rates/<id:pk>/", fx_api.FxRateDetail.as_view(), name="fx-rate-detail"),
    path(
        "payouts/reference-rates/",
        fx_api.ReferenceRateList.as_view(),
        name="reference-rate-list",
    ),
    path(
        "payouts/reference-rates/import/",
        fx_api.ReferenceRateImport.as_view(),
        name="reference-rate-import",
    ),
]
