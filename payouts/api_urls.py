from __future__ import annotations

from core.lazy_urls import path, views_of

api = views_of("payouts.api")
bank_api = views_of("payouts.bank_api")
decision_api = views_of("payouts.decision_api")
detail_api = views_of("payouts.detail_api")
evidence_api = views_of("payouts.evidence_api")
export_api = views_of("payouts.export_api")
fx_api = views_of("payouts.fx_api")
income_api = views_of("payouts.income_api")

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
        "payouts/statements/<id:pk>/adjustments/",
        detail_api.AdjustmentList.as_view(),
        name="payout-adjustment-list",
    ),
    path(
        "payouts/statements/<id:pk>/holds/",
        detail_api.HoldList.as_view(),
        name="payout-hold-list",
    ),
    path(
        "payouts/statements/<id:pk>/disputes/",
        detail_api.DisputeList.as_view(),
        name="payout-dispute-list",
    ),
    path(
        "payouts/statements/<id:pk>/creator-payments/",
        detail_api.CreatorPaymentList.as_view(),
        name="creator-payment-list",
    ),
    path(
        "payouts/holds/<id:pk>/release/",
        detail_api.HoldRelease.as_view(),
        name="payout-hold-release",
    ),
    path(
        "payouts/disputes/<id:pk>/close/",
        detail_api.DisputeClose.as_view(),
        name="payout-dispute-close",
    ),
    path("payouts/bank-accounts/", bank_api.BankAccountList.as_view(), name="bank-account-list"),
    path(
        "payouts/bank-accounts/<id:pk>/imports/",
        bank_api.BankFileUpload.as_view(),
        name="bank-file-upload",
    ),
    path("payouts/bank-imports/", bank_api.BankImportList.as_view(), name="bank-import-list"),
    path(
        "payouts/bank-imports/<id:pk>/",
        bank_api.BankImportDetail.as_view(),
        name="bank-import-detail",
    ),
    path(
        "payouts/bank-transactions/",
        api.TransactionList.as_view(),
        name="bank-transaction-list",
    ),
    path("payouts/matches/", api.MatchList.as_view(), name="payout-match-list"),
    path(
        "payouts/matches/manual/",
        decision_api.MatchManual.as_view(),
        name="payout-match-manual",
    ),
    *(
        path(
            f"payouts/matches/<id:pk>/{decision}/",
            decision_api.MatchDecision.as_view(decision=decision),
            name=f"payout-match-{decision}",
        )
        for decision in ("confirm", "reject", "unmatch")
    ),
    path("payouts/issues/", decision_api.IssueList.as_view(), name="reconciliation-issue-list"),
    path(
        "payouts/issues/<id:pk>/resolve/",
        decision_api.IssueResolve.as_view(),
        name="reconciliation-issue-resolve",
    ),
    path(
        "payouts/export.csv",
        export_api.ReconciliationExportCsv.as_view(),
        name="reconciliation-export-csv",
    ),
    path(
        "payouts/export.xlsx",
        export_api.ReconciliationExportXlsx.as_view(),
        name="reconciliation-export-xlsx",
    ),
    path("payouts/runs/", api.RunList.as_view(), name="reconciliation-run-list"),
    path("payouts/runs/<id:pk>/", api.RunDetail.as_view(), name="reconciliation-run-detail"),
    path(
        "payouts/creators/<id:pk>/income/",
        income_api.CreatorIncome.as_view(),
        name="payout-creator-income",
    ),
    path("me/income/", income_api.MyIncome.as_view(), name="me-income"),
    path("me/payouts.csv", export_api.MyPayoutsExport.as_view(), name="me-payouts-export"),
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
