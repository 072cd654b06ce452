from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("payouts/statements/", api.StatementList.as_view(), name="payout-statement-list"),
    path(
        "payouts/statements/import/",
        api.StatementImport.as_view(),
        name="payout-statement-import",
    ),
    path(
        "payouts/statements/<int:pk>/",
        api.StatementDetail.as_view(),
        name="payout-statement-detail",
    ),
    path(
        "payouts/statements/<int:pk>/lines/",
        api.StatementLineList.as_view(),
        name="payout-line-list",
    ),
    path(
        "payouts/statements/<int:statement_pk>/lines/<int:pk>/",
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
    path("payouts/runs/<int:pk>/", api.RunDetail.as_view(), name="reconciliation-run-detail"),
]
