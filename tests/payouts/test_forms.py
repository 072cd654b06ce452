"""The payouts forms: adjustments, holds, disputes, payments to creators, CSV column
mappings, payout settings and commission. Each write is audited; each bad input answers 400
with the error next to its field and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from payouts.models import (
    Adjustment,
    BankAccount,
    CreatorCommission,
    CreatorPayment,
    Dispute,
    Hold,
    PayoutSettings,
    PayoutStatement,
)
from payouts.reconciliation import match_manual
from payouts.services import dispute_close, dispute_open, hold_place
from tests.factories import CreatorFactory

from .builders import account, credit, statement

D = Decimal
pytestmark = pytest.mark.django_db


def page(agency, name: str, **kwargs) -> str:
    return reverse(f"payouts:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def audits(agency, action: str):
    return list(AuditLog.objects.filter(agency=agency, action=action).order_by("pk"))


def assert_refused(response, field: str | None):
    """400, the error shown next to `field` (or at the top of the form for None)."""
    assert response.status_code == 400
    errors = response.context["form"].errors
    key = field or "__all__"
    assert key in errors, errors
    assert f'id="id_{field}-error"' in response.content.decode() if field else True


# --- Adjustments ------------------------------------------------------------------------------


def test_an_adjustment_is_recorded_moves_the_statement_and_is_audited(
    finance_client, finance, agency
):
    s = statement(agency, "TT-1", "100.00")

    response = finance_client.post(
        page(agency, "adjustment_add", pk=s.pk),
        {"kind": "invalid_activity", "amount": "-12.50", "reason": "Bot views on 3 Jan"},
    )

    assert response.status_code == 302
    adjustment = Adjustment.objects.get()
    assert (adjustment.amount, adjustment.created_by) == (D("-12.50"), finance)
    s.refresh_from_db()
    assert s.status == "adjusted"
    [entry] = audits(agency, "payout_adjustment.create")
    assert entry.actor == finance and entry.after["reason"] == "Bot views on 3 Jan"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "refund", "amount": "0", "reason": "x"}, "amount"),
        ({"kind": "refund", "amount": "abc", "reason": "x"}, "amount"),
        ({"kind": "refund", "amount": "1.005", "reason": "x"}, "amount"),
        ({"kind": "refund", "amount": "-1.00", "reason": "  "}, "reason"),
        ({"kind": "bonus", "amount": "-1.00", "reason": "x"}, "kind"),
    ],
)
def test_a_bad_adjustment_is_refused_and_nothing_is_written(finance_client, agency, data, field):
    s = statement(agency, "TT-1", "100.00")

    response = finance_client.post(page(agency, "adjustment_add", pk=s.pk), data)

    assert_refused(response, field)
    assert not Adjustment.objects.exists()
    assert not audits(agency, "payout_adjustment.create")
    s.refresh_from_db()
    assert s.status == "settled"


# --- Holds ------------------------------------------------------------------------------------


def test_a_hold_is_placed_and_released_each_audited(finance_client, finance, agency):
    s = statement(agency, "TT-1", "100.00")

    placed = finance_client.post(
        page(agency, "hold_place", pk=s.pk),
        {"reason": "Identity check", "expected_release": "2025-03-01"},
    )
    hold = Hold.objects.get()
    s.refresh_from_db()
    on_hold = s.status
    released = finance_client.post(page(agency, "hold_release", pk=hold.pk))

    assert placed.status_code == released.status_code == 302
    assert on_hold == "on_hold"
    assert hold.expected_release == dt.date(2025, 3, 1)
    hold.refresh_from_db()
    s.refresh_from_db()
    assert hold.released_at is not None and s.status == "settled"
    assert [e.actor for e in audits(agency, "payout_hold.create")] == [finance]
    assert [e.actor for e in audits(agency, "payout_hold.release")] == [finance]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "", "expected_release": ""}, "reason"),
        ({"reason": "KYC", "expected_release": "31-02-2025"}, "expected_release"),
    ],
)
def test_a_bad_hold_is_refused_and_nothing_is_written(finance_client, agency, data, field):
    s = statement(agency, "TT-1", "100.00")

    response = finance_client.post(page(agency, "hold_place", pk=s.pk), data)

    assert_refused(response, field)
    assert not Hold.objects.exists()
    assert not audits(agency, "payout_hold.create")


def test_releasing_a_released_hold_says_so_and_changes_nothing(finance_client, finance, agency):
    hold = hold_place(statement=statement(agency, "TT-1", "10.00"), actor=finance, reason="KYC")
    finance_client.post(page(agency, "hold_release", pk=hold.pk))
    hold.refresh_from_db()
    first_release = hold.released_at

    response = finance_client.post(page(agency, "hold_release", pk=hold.pk), follow=True)

    assert "This hold was already released." in response.content.decode()
    hold.refresh_from_db()
    assert hold.released_at == first_release
    assert len(audits(agency, "payout_hold.release")) == 1


# --- Disputes ---------------------------------------------------------------------------------


def test_a_dispute_is_opened_with_its_data_and_links_then_resolved(finance_client, finance, agency):
    s = statement(agency, "TT-1", "100.00")

    opened = finance_client.post(
        page(agency, "dispute_open", pk=s.pk),
        {
            "transaction_data": "Video 123: 40,000 views on 3 Jan not paid",
            "links": "https://tiktok.test/v/123\n\n https://tiktok.test/v/124 ",
        },
    )
    dispute = Dispute.objects.get()
    closed = finance_client.post(
        page(agency, "dispute_close", pk=dispute.pk),
        {"status": "resolved", "outcome": "Platform paid 12.00 extra"},
    )

    assert opened.status_code == closed.status_code == 302
    dispute.refresh_from_db()
    assert dispute.links == "https://tiktok.test/v/123\nhttps://tiktok.test/v/124"
    assert (dispute.status, dispute.outcome) == ("resolved", "Platform paid 12.00 extra")
    assert dispute.opened_at and dispute.closed_at
    assert [e.actor for e in audits(agency, "payout_dispute.open")] == [finance]
    [closing] = audits(agency, "payout_dispute.close")
    assert closing.actor == finance and closing.after["status"] == "resolved"


def test_a_dispute_can_be_rejected_with_its_outcome(finance_client, finance, agency):
    dispute = dispute_open(
        statement=statement(agency, "TT-1", "10.00"), actor=finance, transaction_data="x"
    )

    finance_client.post(
        page(agency, "dispute_close", pk=dispute.pk),
        {"status": "rejected", "outcome": "Views were invalid"},
    )

    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == ("rejected", "Views were invalid")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"transaction_data": "", "links": ""}, "transaction_data"),
        ({"transaction_data": "x", "links": "javascript:alert(1)"}, "links"),
        ({"transaction_data": "x", "links": "https://ok.test\nnot a url"}, "links"),
    ],
)
def test_a_bad_dispute_is_refused_and_nothing_is_written(finance_client, agency, data, field):
    s = statement(agency, "TT-1", "100.00")

    response = finance_client.post(page(agency, "dispute_open", pk=s.pk), data)

    assert_refused(response, field)
    assert not Dispute.objects.exists()
    assert not audits(agency, "payout_dispute.open")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "resolved", "outcome": " "}, "outcome"),
        ({"status": "open", "outcome": "x"}, "status"),
    ],
)
def test_closing_a_dispute_needs_an_outcome(finance_client, finance, agency, data, field):
    dispute = dispute_open(
        statement=statement(agency, "TT-1", "10.00"), actor=finance, transaction_data="x"
    )

    response = finance_client.post(page(agency, "dispute_close", pk=dispute.pk), data)

    assert_refused(response, field)
    dispute.refresh_from_db()
    assert dispute.status == "open" and not audits(agency, "payout_dispute.close")


def test_a_closed_dispute_cannot_be_closed_again(finance_client, finance, agency):
    dispute = dispute_open(
        statement=statement(agency, "TT-1", "10.00"), actor=finance, transaction_data="x"
    )
    dispute_close(dispute=dispute, actor=finance, status="resolved", outcome="Paid")

    response = finance_client.post(
        page(agency, "dispute_close", pk=dispute.pk), {"status": "rejected", "outcome": "No"}
    )

    assert_refused(response, None)
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == ("resolved", "Paid")


# --- Paying the creator -----------------------------------------------------------------------


@pytest.fixture
def reconciled(agency, finance):
    s = statement(agency, "TT-1", "100.00")  # 20% commission: 80.00 due to the creator
    match_manual(statement=s, transaction_=credit(agency, "100.00"), actor=finance)
    return s


def test_the_payment_to_the_creator_is_recorded_and_audited(
    finance_client, finance, agency, reconciled
):
    response = finance_client.post(
        page(agency, "creator_payment", pk=reconciled.pk),
        {"paid_on": "2025-02-10", "reference": "PAY-77", "amount": "80.00"},
    )

    assert response.status_code == 302
    payment = CreatorPayment.objects.get()
    assert (payment.amount, payment.currency, payment.reference) == (D("80.00"), "EUR", "PAY-77")
    [entry] = audits(agency, "creator_payment.create")
    assert entry.actor == finance and entry.after["amount"] == "80.00"
    detail = finance_client.get(page(agency, "statement", pk=reconciled.pk))
    assert "PAY-77" in detail.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"paid_on": "2025-02-10", "reference": "P", "amount": "80.01"}, "amount"),
        ({"paid_on": "2025-02-10", "reference": "P", "amount": "0"}, "amount"),
        ({"paid_on": "2025-02-10", "reference": "", "amount": "10.00"}, "reference"),
        ({"paid_on": "10-02-2025", "reference": "P", "amount": "10.00"}, "paid_on"),
    ],
)
def test_a_bad_payment_to_the_creator_is_refused(finance_client, agency, reconciled, data, field):
    response = finance_client.post(page(agency, "creator_payment", pk=reconciled.pk), data)

    assert_refused(response, field)
    assert not CreatorPayment.objects.exists()
    assert not audits(agency, "creator_payment.create")


def test_an_unreconciled_statement_cannot_be_paid_out(finance_client, agency):
    s = statement(agency, "TT-1", "100.00")

    response = finance_client.post(
        page(agency, "creator_payment", pk=s.pk),
        {"paid_on": "2025-02-10", "reference": "P", "amount": "10.00"},
    )

    assert_refused(response, None)
    assert "Only a reconciled payout can be paid out" in response.content.decode()
    assert not CreatorPayment.objects.exists()


# --- Editing a statement ----------------------------------------------------------------------


def test_a_statement_is_edited_along_its_lifecycle(finance_client, finance, agency):
    s = statement(agency, "TT-1", "100.00", status="estimated")
    data = {
        "creator": s.creator_id,
        "source": s.source,
        "platform_reference": "TT-1",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "currency": "EUR",
        "estimated_amount": "100.00",
        "settled_amount": "97.00",
        "status": "settled",
        "settled_date": "2025-02-03",
    }

    response = finance_client.post(page(agency, "statement_edit", pk=s.pk), data)
    jump = finance_client.post(
        page(agency, "statement_edit", pk=s.pk), {**data, "status": "estimated"}
    )

    assert response.status_code == 302
    s.refresh_from_db()
    assert (s.status, s.settled_amount) == ("settled", D("97.00"))
    assert [e.actor for e in audits(agency, "payout_statement.update")] == [finance]
    assert_refused(jump, "status")
    assert PayoutStatement.objects.get().status == "settled"


# --- CSV column mapping -----------------------------------------------------------------------

ING_MAPPING = {
    "booking_date": "Datum",
    "amount": "Bedrag",
    "direction": "Af Bij",
    "fixed_currency": "EUR",
    "counterparty_name": "Naam / Omschrijving",
    "remittance_info": "Mededelingen, Tag",
    "date_format": "%Y%m%d",
    "decimal_separator": ",",
    "delimiter": ";",
    "skip_lines": "0",
}


def test_a_csv_mapping_is_saved_audited_and_used_by_the_next_import(
    finance_client, finance, agency
):
    acct = account(agency)

    response = finance_client.post(page(agency, "bank_mapping", pk=acct.pk), ING_MAPPING)
    acct.refresh_from_db()
    csv_file = (
        b"Datum;Naam / Omschrijving;Bedrag;Af Bij;Mededelingen;Tag\n"
        b"20250203;TikTok Pte Ltd;120,00;Bij;Payout TT-1;x\n"
        b"20250204;Studio;20,00;Af;Rent;\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    imported = finance_client.post(
        page(agency, "bank_import", pk=acct.pk),
        {"file": SimpleUploadedFile("ing.csv", csv_file), "format": ""},
    )

    assert response.status_code == 302
    assert acct.csv_mapping["remittance_info"] == ["Mededelingen", "Tag"]
    assert acct.csv_mapping["direction"] == "Af Bij"
    [entry] = audits(agency, "bank_account.update")
    assert entry.actor == finance and "csv_mapping" in entry.after
    assert imported.status_code == 302, imported.context["form"].errors
    rows = sorted(acct.transactions.values_list("amount", "credit_debit", "remittance_info"))
    assert rows == [(D("20.00"), "debit", "Rent"), (D("120.00"), "credit", "Payout TT-1 x")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": ""}, "Map either one amount column or credit and debit columns."),
        ({"credit": "Bij"}, "Map either one amount column or credit and debit columns."),
        ({"currency": "Munt"}, "Map a currency column or choose one fixed currency."),
        ({"fixed_currency": ""}, "Map a currency column or choose one fixed currency."),
        ({"decimal_separator": ",", "delimiter": ","}, "must differ"),
    ],
)
def test_an_incomplete_csv_mapping_is_refused_and_nothing_is_saved(
    finance_client, agency, changes, message
):
    acct = account(agency)

    response = finance_client.post(
        page(agency, "bank_mapping", pk=acct.pk), {**ING_MAPPING, **changes}
    )

    assert_refused(response, None)
    assert message in " ".join(response.context["form"].non_field_errors())
    acct.refresh_from_db()
    assert acct.csv_mapping == {}
    assert not audits(agency, "bank_account.update")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"booking_date": ""}, "booking_date"), ({"skip_lines": "-1"}, "skip_lines")],
)
def test_a_csv_mapping_field_error_is_shown_by_its_field(finance_client, agency, changes, field):
    acct = account(agency)

    response = finance_client.post(
        page(agency, "bank_mapping", pk=acct.pk), {**ING_MAPPING, **changes}
    )

    assert_refused(response, field)
    assert BankAccount.objects.get().csv_mapping == {}


# --- Payout settings --------------------------------------------------------------------------

SETTINGS = {
    "default_commission_percent": "15",
    "date_window_days": "14",
    "fx_tolerance_percent": "2.5",
    "fee_allowance": "5.00",
    "fx_reference_rates": "usd/eur 0.92\nGBP/EUR=1,17\n",
}


def test_payout_settings_are_saved_in_their_units_and_audited(finance_client, finance, agency):
    response = finance_client.post(page(agency, "settings"), SETTINGS)

    assert response.status_code == 302
    obj = PayoutSettings.objects.get(agency=agency)
    assert (obj.default_commission_rate, obj.fx_tolerance) == (D("0.1500"), D("0.0250"))
    assert (obj.date_window_days, obj.fee_allowance) == (14, D("5.00"))
    assert obj.fx_reference_rates == {"USD/EUR": "0.92", "GBP/EUR": "1.17"}
    [entry] = audits(agency, "payout_settings.update")
    assert entry.actor == finance and entry.after["date_window_days"] == 14
    form = finance_client.get(page(agency, "settings")).context["form"]
    assert form.initial["fx_reference_rates"] == "GBP/EUR 1.17\nUSD/EUR 0.92"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"default_commission_percent": "150"}, "default_commission_percent"),
        ({"default_commission_percent": "-1"}, "default_commission_percent"),
        ({"fx_tolerance_percent": "60"}, "fx_tolerance_percent"),
        ({"date_window_days": "200"}, "date_window_days"),
        ({"fee_allowance": "-5"}, "fee_allowance"),
        ({"fee_allowance": "5.001"}, "fee_allowance"),
        ({"fx_reference_rates": "USD EUR"}, "fx_reference_rates"),
        ({"fx_reference_rates": "USD/USD 1"}, "fx_reference_rates"),
        ({"fx_reference_rates": "USD/XYZ 1"}, "fx_reference_rates"),
        ({"fx_reference_rates": "USD/EUR 0"}, "fx_reference_rates"),
    ],
)
def test_bad_payout_settings_are_refused_and_nothing_changes(
    finance_client, agency, changes, field
):
    response = finance_client.post(page(agency, "settings"), {**SETTINGS, **changes})

    assert_refused(response, field)
    assert not PayoutSettings.objects.filter(agency=agency).exists()
    assert not audits(agency, "payout_settings.update")


def test_an_account_manager_cannot_open_the_settings(manager_client, agency):
    assert manager_client.get(page(agency, "settings")).status_code == 403


# --- Commission per creator -------------------------------------------------------------------


def test_a_commission_rate_is_set_per_creator_and_audited(finance_client, finance, agency):
    anna = CreatorFactory(agency=agency, display_name="Anna")

    response = finance_client.post(
        page(agency, "commissions"), {"creator": anna.pk, "percent": "12.5"}
    )
    again = finance_client.post(page(agency, "commissions"), {"creator": anna.pk, "percent": "10"})

    assert response.status_code == again.status_code == 302
    assert CreatorCommission.objects.get(creator=anna).rate == D("0.1000")
    entries = audits(agency, "creator_commission.set")
    assert [(e.before, e.after) for e in entries] == [
        ({"rate": None}, {"rate": "0.1250"}),
        ({"rate": "0.1250"}, {"rate": "0.1000"}),
    ]
    listing = finance_client.get(page(agency, "commissions")).content.decode()
    assert "Anna" in listing and "10%" in listing


def test_the_commission_rate_is_used_for_what_the_creator_is_due(finance_client, finance, agency):
    anna = CreatorFactory(agency=agency)
    s = statement(agency, "TT-1", "100.00", creator=anna)
    finance_client.post(page(agency, "commissions"), {"creator": anna.pk, "percent": "12.5"})

    detail = finance_client.get(page(agency, "statement", pk=s.pk))

    # Nothing reached the bank yet: expected, not due.
    expected = detail.context["breakdown"].expected
    assert (expected.commission, expected.to_creator) == (D("12.50"), D("87.50"))


@pytest.mark.parametrize(
    ("percent", "field"),
    [("101", "percent"), ("-1", "percent"), ("abc", "percent"), ("12.345", "percent")],
)
def test_a_bad_commission_rate_is_refused(finance_client, agency, percent, field):
    anna = CreatorFactory(agency=agency)

    response = finance_client.post(
        page(agency, "commissions"), {"creator": anna.pk, "percent": percent}
    )

    assert_refused(response, field)
    assert not CreatorCommission.objects.exists()
    assert not audits(agency, "creator_commission.set")


def test_another_agencys_creator_cannot_get_a_commission(finance_client, agency, other_agency):
    theirs = CreatorFactory(agency=other_agency)

    response = finance_client.post(
        page(agency, "commissions"), {"creator": theirs.pk, "percent": "10"}
    )

    assert_refused(response, "creator")
    assert not CreatorCommission.objects.exists()


def test_an_account_manager_sees_commission_but_cannot_set_it(manager_client, agency):
    anna = CreatorFactory(agency=agency)

    listing = manager_client.get(page(agency, "commissions"))
    response = manager_client.post(
        page(agency, "commissions"), {"creator": anna.pk, "percent": "5"}
    )

    assert listing.status_code == 200 and "<form" not in listing.content.decode().split("</h1>")[1]
    assert response.status_code == 403
    assert not CreatorCommission.objects.exists()
