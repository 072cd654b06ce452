"""URL matrix entries for payouts/."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from agencies.roles import Role

from .base import CREATOR_ROLES, UrlCase

READ = frozenset({Role.OWNER, Role.FINANCE, Role.MANAGER})
WRITE = frozenset({Role.OWNER, Role.FINANCE})


def _statement(agency, creator):
    from payouts.models import PayoutStatement

    return PayoutStatement.objects.create(
        agency=agency,
        creator=creator,
        source="other",
        platform_reference=f"TT-{uuid.uuid4().hex[:8]}",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 1, 31),
        currency="EUR",
        estimated_amount=Decimal("10.00"),
        settled_amount=Decimal("10.00"),
        status="settled",
        settled_date=dt.date(2025, 2, 1),
    )


def _issue(agency, creator):
    from payouts.models import BankTransaction, ReconciliationIssue

    txn = BankTransaction.objects.create(
        agency=agency,
        bank_account=_account(agency),
        booking_date=dt.date(2025, 2, 3),
        amount=Decimal("60.00"),
        currency="EUR",
        credit_debit="debit",
        remittance_info="RETURN",
        fingerprint=uuid.uuid4().bytes,
    )
    return ReconciliationIssue.objects.create(
        agency=agency, kind="unlinked_return", transaction=txn
    )


def _account(agency):
    from payouts.models import BankAccount

    return BankAccount.objects.get_or_create(
        agency=agency, iban="NL91ABNA0417164300", defaults={"name": "Main", "currency": "EUR"}
    )[0]


def _match(agency, creator):
    from payouts.models import BankTransaction, Match

    txn = BankTransaction.objects.create(
        agency=agency,
        bank_account=_account(agency),
        booking_date=dt.date(2025, 2, 2),
        amount=Decimal("10.00"),
        currency="EUR",
        credit_debit="credit",
        fingerprint=uuid.uuid4().bytes,
    )
    return Match.objects.create(
        agency=agency,
        statement=_statement(agency, creator),
        transaction=txn,
        amount=Decimal("10.00"),
        statement_amount=Decimal("10.00"),
        rule="amount_date",
        confidence=Decimal("0.5"),
        status="proposed",
    )


def _run(agency, creator):
    from payouts.models import ReconciliationRun

    return {"pk": ReconciliationRun.objects.create(agency=agency).pk}


def _statement_pk(agency, creator):
    return {"pk": _statement(agency, creator).pk}


def _account_pk(agency, creator):
    return {"pk": _account(agency).pk}


def _bank_import(agency, creator):
    from payouts.models import BankImport

    bank_import = BankImport.objects.create(
        agency=agency,
        bank_account=_account(agency),
        file_name="big.xml",
        sha256="",
        status="failed",
        error="Nothing was imported.",
    )
    return {"pk": bank_import.pk}


def _hold(agency, creator):
    from payouts.models import Hold

    hold = Hold.objects.create(agency=agency, statement=_statement(agency, creator), reason="KYC")
    return {"pk": hold.pk}


def _dispute(agency, creator):
    from django.utils import timezone

    from payouts.models import Dispute

    dispute = Dispute.objects.create(
        agency=agency,
        statement=_statement(agency, creator),
        opened_at=timezone.now(),
        transaction_data="views",
    )
    return {"pk": dispute.pk}


def _new_line(agency, creator):
    from payouts.models import PayoutLine

    return PayoutLine.objects.create(
        agency=agency,
        statement=_statement(agency, creator),
        asset_reference="video/1",
        amount=Decimal("1.00"),
    )


def _line(agency, creator):
    return {"pk": _new_line(agency, creator).pk}


def _line_of(agency, creator):
    line = _new_line(agency, creator)
    return {"statement_pk": line.statement_id, "pk": line.pk}


def _fx_rate(agency, creator):
    from payouts.models import FxRate

    fx_rate, _created = FxRate.objects.get_or_create(
        agency=agency,
        date=dt.date(2025, 2, 3),
        base="USD",
        quote="EUR",
        defaults={"rate": Decimal("0.92")},
    )
    return {"pk": fx_rate.pk}


def _empty(agency, creator):
    return {}


JSON = {"content_type": "application/json"}

CASES: list[UrlCase] = [
    UrlCase("payouts:index", READ),
    UrlCase("payouts:statement_create", WRITE),
    UrlCase("payouts:statement_create", WRITE, method="post", data=_empty),
    UrlCase("payouts:statement_import", WRITE),
    UrlCase("payouts:statement", READ, kwargs=_statement_pk),
    UrlCase("payouts:statement_edit", WRITE, kwargs=_statement_pk),
    UrlCase("payouts:statement_edit", WRITE, kwargs=_statement_pk, method="post", data=_empty),
    UrlCase("payouts:adjustment_add", WRITE, kwargs=_statement_pk),
    UrlCase("payouts:adjustment_add", WRITE, kwargs=_statement_pk, method="post", data=_empty),
    UrlCase("payouts:hold_place", WRITE, kwargs=_statement_pk),
    UrlCase("payouts:hold_place", WRITE, kwargs=_statement_pk, method="post", data=_empty),
    UrlCase("payouts:line_add", WRITE, kwargs=_statement_pk),
    UrlCase("payouts:line_add", WRITE, kwargs=_statement_pk, method="post", data=_empty),
    UrlCase("payouts:line_edit", WRITE, kwargs=_line),
    UrlCase("payouts:line_edit", WRITE, kwargs=_line, method="post", data=_empty),
    UrlCase("payouts:line_delete", WRITE, kwargs=_line, method="post"),
    UrlCase("payouts:hold_release", WRITE, kwargs=_hold, method="post"),
    UrlCase("payouts:dispute_open", WRITE, kwargs=_statement_pk),
    UrlCase("payouts:dispute_open", WRITE, kwargs=_statement_pk, method="post", data=_empty),
    UrlCase("payouts:dispute_close", WRITE, kwargs=_dispute),
    UrlCase("payouts:dispute_close", WRITE, kwargs=_dispute, method="post", data=_empty),
    UrlCase("payouts:creator_payment", WRITE, kwargs=_statement_pk),
    UrlCase("payouts:creator_payment", WRITE, kwargs=_statement_pk, method="post", data=_empty),
    UrlCase("payouts:bank_accounts", READ),
    UrlCase("payouts:bank_accounts", WRITE, method="post", data=lambda a, c: {"name": ""}),
    UrlCase("payouts:bank_import", WRITE, kwargs=_account_pk),
    UrlCase("payouts:bank_import", WRITE, kwargs=_account_pk, method="post", data=_empty),
    UrlCase("payouts:statements_sample", WRITE),
    UrlCase(
        "payouts:bank_sample", WRITE, kwargs=lambda a, c: {**_account_pk(a, c), "fmt": "mt940"}
    ),
    UrlCase("payouts:bank_mapping", WRITE, kwargs=_account_pk),
    UrlCase("payouts:bank_mapping", WRITE, kwargs=_account_pk, method="post", data=_empty),
    UrlCase("payouts:bank_import_status", READ, kwargs=_bank_import),
    UrlCase(
        "payouts:bank_import_status", READ, kwargs=_bank_import, extra={"HTTP_HX_REQUEST": "true"}
    ),
    UrlCase("payouts:transactions", READ),
    UrlCase("payouts:runs", READ),
    UrlCase("payouts:run_start", WRITE, method="post"),
    UrlCase("payouts:run", READ, kwargs=_run),
    UrlCase("payouts:run", READ, kwargs=_run, extra={"HTTP_HX_REQUEST": "true"}),
    UrlCase("payouts:exceptions", READ),
    UrlCase("payouts:match_manual", WRITE, method="post", data=_empty),
    UrlCase(
        "payouts:issue_resolve",
        WRITE,
        kwargs=lambda a, c: {"pk": _issue(a, c).pk},
        method="post",
        data=lambda a, c: {"resolution": "Refund of a webshop order"},
    ),
    UrlCase(
        "payouts:match_decide",
        WRITE,
        kwargs=lambda a, c: {"pk": _match(a, c).pk, "action": "confirm"},
        method="post",
    ),
    UrlCase("payouts:export_csv", READ),
    UrlCase("payouts:export_xlsx", READ),
    UrlCase("payouts:settings", WRITE),
    UrlCase("payouts:settings", WRITE, method="post", data=_empty),
    UrlCase("payouts:commissions", READ),
    UrlCase("payouts:commissions", WRITE, method="post", data=_empty),
    UrlCase("payouts:fx_rates", READ),
    UrlCase("payouts:fx_rates", WRITE, method="post", data=_empty),
    UrlCase("payouts:fx_import", WRITE),
    UrlCase("payouts:fx_import", WRITE, method="post", data=_empty),
    UrlCase("payouts:fx_rate_edit", WRITE, kwargs=_fx_rate),
    UrlCase("payouts:fx_rate_edit", WRITE, kwargs=_fx_rate, method="post", data=_empty),
    UrlCase("payouts:fx_rate_delete", WRITE, kwargs=_fx_rate, method="post"),
    UrlCase("payouts:portal", CREATOR_ROLES),
    UrlCase("payouts:portal_csv", CREATOR_ROLES),
    # API
    UrlCase("api:payout-statement-list", READ),
    UrlCase("api:payout-statement-list", WRITE, method="post", data=_empty, extra=JSON),
    UrlCase("api:payout-statement-import", WRITE, method="post", data=_empty),
    UrlCase("api:payout-statement-detail", READ, kwargs=_statement_pk),
    UrlCase(
        "api:payout-statement-detail",
        WRITE,
        kwargs=_statement_pk,
        method="patch",
        data=_empty,
        extra=JSON,
    ),
    UrlCase("api:payout-line-list", READ, kwargs=_statement_pk),
    UrlCase(
        "api:payout-line-list", WRITE, kwargs=_statement_pk, method="post", data=_empty, extra=JSON
    ),
    UrlCase("api:payout-line-detail", READ, kwargs=_line_of),
    UrlCase(
        "api:payout-line-detail", WRITE, kwargs=_line_of, method="patch", data=_empty, extra=JSON
    ),
    UrlCase("api:payout-line-detail", WRITE, kwargs=_line_of, method="delete"),
    UrlCase("api:bank-transaction-list", READ),
    UrlCase("api:payout-match-list", READ),
    UrlCase("api:reconciliation-run-list", READ),
    UrlCase("api:reconciliation-run-list", WRITE, method="post", extra=JSON),
    UrlCase("api:reconciliation-run-detail", READ, kwargs=_run),
    UrlCase("api:fx-rate-list", READ),
    UrlCase("api:fx-rate-list", WRITE, method="post", data=_empty, extra=JSON),
    UrlCase("api:fx-rate-detail", READ, kwargs=_fx_rate),
    UrlCase("api:fx-rate-detail", WRITE, kwargs=_fx_rate, method="delete"),
    UrlCase("api:reference-rate-list", READ),
    UrlCase("api:reference-rate-import", WRITE, method="post", data=_empty),
]

# --- income mix ---------------------------------------------------------------------------------


def _a_creator(agency, creator):
    from tests.factories import CreatorFactory

    return {"pk": CreatorFactory(agency=agency).pk}


CASES += [
    UrlCase("payouts:creator_income", READ, kwargs=_a_creator),
    UrlCase("payouts:portal_income", CREATOR_ROLES),
    UrlCase("api:payout-creator-income", READ, kwargs=_a_creator),
    UrlCase("api:me-income", CREATOR_ROLES),
]

# --- dispute evidence packs ---------------------------------------------------------------------


def _evidence_ready(agency, creator):
    from payouts.evidence import evidence_pack_build, evidence_pack_request
    from payouts.models import Dispute
    from tests.campaigns.factories import CampaignFactory

    dispute = Dispute.objects.get(pk=_dispute(agency, creator)["pk"])
    campaign = CampaignFactory(agency=agency, code=f"EV-{uuid.uuid4().hex[:6].upper()}")
    pack = evidence_pack_request(dispute=dispute, actor=None, campaign_code=campaign.code)
    evidence_pack_build(agency=agency, pack_id=pack.pk)
    return {"pk": pack.pk}


def _evidence_code(agency, creator):
    from tests.campaigns.factories import CampaignFactory

    return {"campaign_code": CampaignFactory(agency=agency).code}


CASES += [
    UrlCase("payouts:dispute_evidence", READ, kwargs=_dispute),
    UrlCase("payouts:dispute_evidence", WRITE, kwargs=_dispute, method="post", data=_evidence_code),
    UrlCase("payouts:evidence_download", READ, kwargs=_evidence_ready),
    UrlCase("api:dispute-evidence-list", READ, kwargs=_dispute),
    UrlCase(
        "api:dispute-evidence-list",
        WRITE,
        kwargs=_dispute,
        method="post",
        data=_evidence_code,
        extra=JSON,
    ),
    UrlCase("api:dispute-evidence-download", READ, kwargs=_evidence_ready),
]

# --- API twins of the statement, bank and exceptions screens ----------------------------------


def _match_pk(agency, creator):
    return {"pk": _match(agency, creator).pk}


def _issue_pk(agency, creator):
    return {"pk": _issue(agency, creator).pk}


CASES += [
    UrlCase("api:payout-adjustment-list", READ, kwargs=_statement_pk),
    UrlCase(
        "api:payout-adjustment-list",
        WRITE,
        kwargs=_statement_pk,
        method="post",
        data=_empty,
        extra=JSON,
    ),
    UrlCase("api:payout-hold-list", READ, kwargs=_statement_pk),
    UrlCase(
        "api:payout-hold-list", WRITE, kwargs=_statement_pk, method="post", data=_empty, extra=JSON
    ),
    UrlCase("api:payout-dispute-list", READ, kwargs=_statement_pk),
    UrlCase(
        "api:payout-dispute-list",
        WRITE,
        kwargs=_statement_pk,
        method="post",
        data=_empty,
        extra=JSON,
    ),
    UrlCase("api:creator-payment-list", READ, kwargs=_statement_pk),
    UrlCase(
        "api:creator-payment-list",
        WRITE,
        kwargs=_statement_pk,
        method="post",
        data=_empty,
        extra=JSON,
    ),
    UrlCase("api:payout-hold-release", WRITE, kwargs=_hold, method="post", extra=JSON),
    UrlCase(
        "api:payout-dispute-close", WRITE, kwargs=_dispute, method="post", data=_empty, extra=JSON
    ),
    UrlCase("api:bank-account-list", READ),
    UrlCase(
        "api:bank-account-list", WRITE, method="post", data=lambda a, c: {"name": ""}, extra=JSON
    ),
    UrlCase("api:bank-file-upload", WRITE, kwargs=_account_pk, method="post", data=_empty),
    UrlCase("api:bank-import-list", READ),
    UrlCase("api:bank-import-detail", READ, kwargs=_bank_import),
    UrlCase("api:payout-match-confirm", WRITE, kwargs=_match_pk, method="post", extra=JSON),
    UrlCase("api:payout-match-reject", WRITE, kwargs=_match_pk, method="post", extra=JSON),
    UrlCase("api:payout-match-unmatch", WRITE, kwargs=_match_pk, method="post", extra=JSON),
    UrlCase("api:payout-match-manual", WRITE, method="post", data=_empty, extra=JSON),
    UrlCase("api:reconciliation-issue-list", READ),
    UrlCase(
        "api:reconciliation-issue-resolve",
        WRITE,
        kwargs=_issue_pk,
        method="post",
        data=lambda a, c: {"resolution": "Refund of a webshop order"},
        extra=JSON,
    ),
    UrlCase("api:reconciliation-export-csv", READ),
    UrlCase("api:reconciliation-export-xlsx", READ),
    UrlCase("api:me-payouts-export", CREATOR_ROLES),
]
