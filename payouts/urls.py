from __future__ import annotations

from core.lazy_urls import path, views_of

adjustments = views_of("payouts.views.adjustments")
bank = views_of("payouts.views.bank")
evidence = views_of("payouts.views.evidence")
fx = views_of("payouts.views.fx")
income = views_of("payouts.views.income")
portal = views_of("payouts.views.portal")
reconciliation = views_of("payouts.views.reconciliation")
sample_files = views_of("payouts.views.sample_files")
settings = views_of("payouts.views.settings")
statements = views_of("payouts.views.statements")

app_name = "payouts"

urlpatterns = [
    path("", statements.index, name="index"),
    path("statements/new/", statements.statement_create, name="statement_create"),
    path("statements/import/", statements.statement_import_view, name="statement_import"),
    path("statements/import/sample.csv", sample_files.statements_sample, name="statements_sample"),
    path("statements/<id:pk>/", statements.statement_detail, name="statement"),
    path("statements/<id:pk>/edit/", statements.statement_edit, name="statement_edit"),
    path("statements/<id:pk>/adjust/", adjustments.adjustment_add, name="adjustment_add"),
    path("statements/<id:pk>/hold/", adjustments.hold_place, name="hold_place"),
    path("statements/<id:pk>/dispute/", adjustments.dispute_open, name="dispute_open"),
    path("statements/<id:pk>/pay-creator/", adjustments.creator_payment, name="creator_payment"),
    path("statements/<id:pk>/lines/new/", statements.line_add, name="line_add"),
    path("lines/<id:pk>/edit/", statements.line_edit, name="line_edit"),
    path("lines/<id:pk>/delete/", statements.line_delete, name="line_delete"),
    path("holds/<id:pk>/release/", adjustments.hold_release, name="hold_release"),
    path("disputes/<id:pk>/close/", adjustments.dispute_close, name="dispute_close"),
    path("disputes/<id:pk>/evidence/", evidence.dispute_evidence, name="dispute_evidence"),
    path("evidence/<id:pk>/download/", evidence.evidence_download, name="evidence_download"),
    path("bank/", bank.bank_accounts, name="bank_accounts"),
    path("bank/<id:pk>/import/", bank.bank_import, name="bank_import"),
    path("bank/<id:pk>/sample/<slug:fmt>/", sample_files.bank_sample, name="bank_sample"),
    path("bank/<id:pk>/csv-mapping/", bank.bank_mapping, name="bank_mapping"),
    path("bank/imports/<id:pk>/", bank.bank_import_status, name="bank_import_status"),
    path("bank/transactions/", bank.transactions, name="transactions"),
    path("runs/", reconciliation.runs, name="runs"),
    path("runs/start/", reconciliation.run_start, name="run_start"),
    path("runs/<id:pk>/", reconciliation.run_detail, name="run"),
    path("exceptions/", reconciliation.exceptions, name="exceptions"),
    path("exceptions/manual/", reconciliation.match_manual, name="match_manual"),
    path("exceptions/issues/<id:pk>/resolve/", reconciliation.issue_resolve, name="issue_resolve"),
    path("matches/<id:pk>/<slug:action>/", reconciliation.match_decide, name="match_decide"),
    path("export.csv", reconciliation.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", reconciliation.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("settings/", settings.payout_settings, name="settings"),
    path("commissions/", settings.commissions, name="commissions"),
    path("fx/", fx.fx_rates, name="fx_rates"),
    path("fx/import/", fx.fx_import, name="fx_import"),
    path("fx/<id:pk>/edit/", fx.fx_rate_edit, name="fx_rate_edit"),
    path("fx/<id:pk>/delete/", fx.fx_rate_delete, name="fx_rate_delete"),
    path("creators/<id:pk>/income/", income.creator_income, name="creator_income"),
    path("me/income/", income.portal_income, name="portal_income"),
    path("me/", portal.portal, name="portal"),
    path("me/payouts.csv", portal.portal_csv, name="portal_csv"),
]
