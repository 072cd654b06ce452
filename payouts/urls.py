from __future__ import annotations

from django.urls import path

from . import evidence_views, fx_views, income_views, views

app_name = "payouts"

urlpatterns = [
    path("", views.index, name="index"),
    path("statements/new/", views.statement_create, name="statement_create"),
    path("statements/import/", views.statement_import_view, name="statement_import"),
    path("statements/import/sample.csv", views.statements_sample, name="statements_sample"),
    path("statements/<id:pk>/", views.statement_detail, name="statement"),
    path("statements/<id:pk>/edit/", views.statement_edit, name="statement_edit"),
    path("statements/<id:pk>/adjust/", views.adjustment_add, name="adjustment_add"),
    path("statements/<id:pk>/hold/", views.hold_place, name="hold_place"),
    path("statements/<id:pk>/dispute/", views.dispute_open, name="dispute_open"),
    path("statements/<id:pk>/pay-creator/", views.creator_payment, name="creator_payment"),
    path("statements/<id:pk>/lines/new/", views.line_add, name="line_add"),
    path("lines/<id:pk>/edit/", views.line_edit, name="line_edit"),
    path("lines/<id:pk>/delete/", views.line_delete, name="line_delete"),
    path("holds/<id:pk>/release/", views.hold_release, name="hold_release"),
    path("disputes/<id:pk>/close/", views.dispute_close, name="dispute_close"),
    path("disputes/<id:pk>/evidence/", evidence_views.dispute_evidence, name="dispute_evidence"),
    path("evidence/<id:pk>/download/", evidence_views.evidence_download, name="evidence_download"),
    path("bank/", views.bank_accounts, name="bank_accounts"),
    path("bank/<id:pk>/import/", views.bank_import, name="bank_import"),
    path("bank/<id:pk>/sample/<slug:fmt>/", views.bank_sample, name="bank_sample"),
    path("bank/<id:pk>/csv-mapping/", views.bank_mapping, name="bank_mapping"),
    path("bank/imports/<id:pk>/", views.bank_import_status, name="bank_import_status"),
    path("bank/transactions/", views.transactions, name="transactions"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<id:pk>/", views.run_detail, name="run"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/manual/", views.match_manual, name="match_manual"),
    path("exceptions/issues/<id:pk>/resolve/", views.issue_resolve, name="issue_resolve"),
    path("matches/<id:pk>/<slug:action>/", views.match_decide, name="match_decide"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("settings/", views.payout_settings, name="settings"),
    path("commissions/", views.commissions, name="commissions"),
    path("fx/", fx_views.fx_rates, name="fx_rates"),
    path("fx/import/", fx_views.fx_import, name="fx_import"),
    path("fx/<id:pk>/edit/", fx_views.fx_rate_edit, name="fx_rate_edit"),
    path("fx/<id:pk>/delete/", fx_views.fx_rate_delete, name="fx_rate_delete"),
    path("creators/<id:pk>/income/", income_views.creator_income, name="creator_income"),
    path("me/income/", income_views.portal_income, name="portal_income"),
    path("me/", views.portal, name="portal"),
    path("me/payouts.csv", views.portal_csv, name="portal_csv"),
]
