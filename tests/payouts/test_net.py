"""A creator's net from money that arrived: commission on what was received (or on the
settled amount, as the agency chooses), bank and FX costs borne by the creator or absorbed by
the agency, everything in the currency the money arrived in, and "expected" (never "due")
until it arrives. The statement page, the staff export and the portal show one trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from agencies.models import AuditLog
from creators.models import Creator
from payouts.commission import breakdowns
from payouts.models import BankTransaction, CreatorPayment, Match, PayoutStatement
from payouts.reconciliation import reconcile
from payouts.selectors import statement_trail
from payouts.services import creator_payment_record
from tests.agencies.support import scoping_queries

from .builders import credit, settings_row, statement

pytestmark = pytest.mark.django_db
D = Decimal


def page(agency, name: str, **kwargs) -> str:
    return reverse(f"payouts:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def fresh(s: PayoutStatement) -> PayoutStatement:
    return PayoutStatement.objects.get(pk=s.pk)


def net_of(agency, s: PayoutStatement):
    (row,) = breakdowns(agency, [fresh(s)])
    return row


@pytest.fixture
def short_by_a_fee(agency):
    """100.00 EUR settled, 98.00 EUR reached the bank (a 2.00 transfer fee)."""
    s = statement(agency, "TTCR-100", "100.00")
    credit(agency, "98.00", remittance="Payout TTCR-100")
    reconcile(agency=agency)
    return fresh(s)


@pytest.fixture
def fx_paid(agency):
    """100.00 USD settled, 90.00 EUR arrived; the reference rate 0.92 makes it 92.00 EUR."""
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"})
    s = statement(agency, "TTCR-USD-1", "100.00", currency="USD")
    credit(agency, "90.00", remittance="TTCR-USD-1")
    reconcile(agency=agency)
    return fresh(s)


# --- the arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basis", "bearer", "commission", "due", "agency_keeps"),
    [
        ("received", "creator", "19.60", "78.40", "19.60"),  # 20% of 98
        ("settled", "creator", "20.00", "78.00", "20.00"),  # 20% of 100; the fee off the net
        ("received", "agency", "19.60", "80.40", "17.60"),  # the commission absorbs the fee
        ("settled", "agency", "20.00", "80.00", "18.00"),
    ],
)
def test_commission_and_net_follow_the_basis_and_who_bears_the_costs(
    agency, short_by_a_fee, basis, bearer, commission, due, agency_keeps
):
    settings_row(agency, commission_basis=basis, costs_borne_by=bearer)

    row = net_of(agency, short_by_a_fee)

    (net,) = row.nets
    assert (net.currency, net.received, net.costs) == ("EUR", D("98.00"), D("2.00"))
    assert (net.commission, net.due, net.agency_keeps) == (D(commission), D(due), D(agency_keeps))
    assert net.due + net.agency_keeps == net.received
    assert row.expected is None


def test_a_usd_statement_paid_in_eur_is_settled_with_the_creator_in_eur(agency, fx_paid):
    row = net_of(agency, fx_paid)

    (net,) = row.nets
    assert (net.currency, net.received, net.costs) == ("EUR", D("90.00"), D("2.00"))
    assert (net.commission, net.due) == (D("18.00"), D("72.00"))
    (deposit,) = statement_trail(fresh(fx_paid)).deposits
    assert (deposit.implied_rate, deposit.reference_rate) == (D("0.9"), D("0.92"))


def test_on_the_settled_basis_the_fx_commission_is_on_the_settled_amount_at_the_reference_rate(
    agency, fx_paid
):
    settings_row(agency, commission_basis="settled")
    (net,) = net_of(agency, fx_paid).nets
    assert (net.basis_amount, net.commission, net.due) == (D("92.00"), D("18.40"), D("71.60"))


def test_an_unsettled_statement_is_expected_from_its_estimate_never_due(agency):
    s = statement(agency, "TT-EST", "50.00", status="estimated")

    row = net_of(agency, s)

    assert row.nets == () and not row.settled
    assert (row.expected.from_estimate, row.expected.commission, row.expected.to_creator) == (
        True,
        D("10.00"),
        D("40.00"),
    )


def test_a_reversed_deposit_counts_for_nothing_and_the_repayment_does(agency):
    s = statement(agency, "TTCR-REV", "100.00")
    credit(agency, "100.00", remittance="TTCR-REV", end_to_end_id="E2E-REV-1")
    reconcile(agency=agency)
    assert net_of(agency, s).nets[0].due == D("80.00")
    # The bank takes it back ...
    credit(
        agency,
        "100.00",
        debit=True,
        reversal=True,
        end_to_end_id="E2E-REV-1",
        booking_date=dt.date(2025, 2, 6),
    )
    reconcile(agency=agency)

    row = net_of(agency, s)
    assert row.nets == () and row.expected.to_creator == D("80.00")
    trail = statement_trail(fresh(s))
    (back,) = trail.reversed_deposits
    assert (back.returned_on, trail.deposits) == (dt.date(2025, 2, 6), ())

    # ... and the platform pays again a week later.
    credit(agency, "100.00", remittance="TTCR-REV again", booking_date=dt.date(2025, 2, 10))
    reconcile(agency=agency)
    trail = statement_trail(fresh(s))
    assert [d.booking_date for d in trail.deposits] == [dt.date(2025, 2, 10)]
    assert len(trail.reversed_deposits) == 1
    assert trail.nets[0].due == D("80.00")


@settings(max_examples=40)
@given(
    arrived=st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2),
    costs=st.decimals(min_value=D("-50"), max_value=D("50"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("1"), places=4),
    basis=st.sampled_from(["received", "settled"]),
    bearer=st.sampled_from(["creator", "agency"]),
)
def test_the_creators_net_and_what_the_agency_keeps_add_up_to_what_arrived(
    agency, arrived, costs, rate, basis, bearer
):
    settings_row(
        agency, default_commission_rate=rate, commission_basis=basis, costs_borne_by=bearer
    )
    s = PayoutStatement.objects.filter(agency=agency).first() or statement(agency, "P", "1.00")
    txn = BankTransaction(amount=arrived, currency="EUR", booking_date=dt.date(2025, 2, 1))
    s.trail_matches = [
        Match(
            transaction=txn,
            amount=arrived,
            statement_amount=arrived,
            difference=costs,
            status="confirmed",
        )
    ]

    (net,) = breakdowns(agency, [s])[0].nets

    assert net.due + net.agency_keeps == arrived
    assert net.commission == net.commission.quantize(D("0.01"))


# --- paying the creator ---------------------------------------------------------------------


def test_the_payment_form_is_prefilled_with_what_is_left_in_the_currency_that_arrived(
    agency, finance_client, fx_paid
):
    response = finance_client.get(page(agency, "creator_payment", pk=fx_paid.pk))

    assert response.status_code == 200
    assert response.context["form"].initial["amount"] == D("72.00")
    assert "currency" not in response.context["form"].fields
    posted = finance_client.post(
        page(agency, "creator_payment", pk=fx_paid.pk),
        {"paid_on": "2025-02-20", "reference": "PAY-1", "amount": "72.00"},
    )
    assert posted.status_code == 302
    payment = CreatorPayment.objects.get()
    assert (payment.amount, payment.currency) == (D("72.00"), "EUR")


def test_pay_the_creator_is_not_offered_once_paid_in_full(agency, finance, finance_client, fx_paid):
    creator_payment_record(
        statement=fx_paid, actor=finance, paid_on=dt.date(2025, 2, 20), reference="P", amount=D(72)
    )

    detail = finance_client.get(page(agency, "statement", pk=fx_paid.pk)).content.decode()
    form = finance_client.get(page(agency, "creator_payment", pk=fx_paid.pk))

    assert "Pay the creator" not in detail and "Paid in full" in detail
    assert form.status_code == 302
    again = finance_client.post(
        page(agency, "creator_payment", pk=fx_paid.pk),
        {"paid_on": "2025-02-21", "reference": "P2", "amount": "0.01"},
    )
    assert again.status_code == 400
    assert again.context["form"].errors["amount"] == ["Only 0.00 EUR is still to pay the creator."]
    assert CreatorPayment.objects.count() == 1


# --- the three surfaces ---------------------------------------------------------------------


def test_the_statement_page_shows_the_trail_with_rate_costs_commission_and_net(
    agency, finance_client, fx_paid
):
    body = finance_client.get(page(agency, "statement", pk=fx_paid.pk)).content.decode()

    for text in [
        "$100.00",  # platform amount
        "Rate 1 USD = 0.9000 EUR",
        "reference rate 0.9200",
        "€90.00",  # the deposit, received
        "€2.00",  # costs
        "\u2212€18.00",  # commission
        "€72.00",  # net and still to pay
        "20% · Agency default",
    ]:
        assert text in body, text


def test_the_portal_shows_the_same_trail_without_agency_internals(
    agency, creator_user, creator_client
):
    own = Creator.objects.get(user=creator_user)
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"})
    statement(agency, "TTCR-USD-9", "100.00", currency="USD", creator=own)
    statement(agency, "TT-EST-9", "40.00", status="estimated", creator=own)
    credit(agency, "90.00", remittance="TTCR-USD-9")
    reconcile(agency=agency)

    body = creator_client.get(page(agency, "portal")).content.decode()

    for text in ["Rate 1 USD = 0.9000 EUR", "€2.00", "\u2212€18.00", "Your net", "€72.00"]:
        assert text in body, text
    assert "Expected for you" in body and "€32.00" in body  # the estimate: 40 less 20%
    assert "Agency default" not in body and "20%" not in body


def test_the_staff_export_has_one_row_per_trail_in_the_currency_that_arrived(
    agency, finance_client, fx_paid
):
    statement(agency, "TT-EST", "50.00", status="estimated")
    response = finance_client.get(page(agency, "export_csv"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {r["statement_reference"]: r for r in csv.DictReader(io.StringIO(body))}

    fx = rows["TTCR-USD-1"]
    assert (fx["platform_amount"], fx["platform_currency"], fx["currency"]) == (
        "100.00",
        "USD",
        "EUR",
    )
    assert (fx["received"], fx["costs"], fx["commission"], fx["due_to_creator"]) == (
        "90.00",
        "2.00",
        "18.00",
        "72.00",
    )
    assert fx["fx_rates"] == "1 USD = 0.90000000 EUR (reference 0.92000000)"
    estimate = rows["TT-EST"]
    assert (estimate["due_to_creator"], estimate["expected_to_creator"]) == ("", "40.00")
    assert estimate["settled"] == "no"


@pytest.mark.parametrize("size", [3, 30])
def test_the_staff_export_costs_the_same_queries_for_3_or_30(
    agency, finance_client, size, django_assert_num_queries
):
    for i in range(size):
        statement(agency, f"TTCR-{i:03}", "10.00")
        credit(agency, "10.00", remittance=f"TTCR-{i:03}")
    reconcile(agency=agency)
    url = page(agency, "export_csv")
    # savepoint, session, user, membership + agency, release; the session saved (savepoint,
    # update, release); payout settings, rates per creator; the statements with creators
    # and contracts, their matches with deposits and returns, their payments.
    with django_assert_num_queries(13 + scoping_queries()):
        response = finance_client.get(url)
        b"".join(response.streaming_content)


# --- settings ---------------------------------------------------------------------------------


def test_the_basis_and_the_cost_bearer_are_set_on_the_settings_page_and_audited(
    agency, finance, finance_client
):
    data = {
        "default_commission_percent": "20",
        "date_window_days": "10",
        "fx_tolerance_percent": "3",
        "fee_allowance": "25.00",
        "fx_reference_rates": "",
        "commission_basis": "settled",
        "costs_borne_by": "agency",
    }
    response = finance_client.post(page(agency, "settings"), data)

    assert response.status_code == 302
    entry = AuditLog.objects.get(action="payout_settings.update")
    assert (entry.before["commission_basis"], entry.after["commission_basis"]) == (
        "received",
        "settled",
    )
    assert entry.after["costs_borne_by"] == "agency"
    form = finance_client.get(page(agency, "settings")).context["form"]
    assert (form.initial["commission_basis"], form.initial["costs_borne_by"]) == (
        "settled",
        "agency",
    )

    refused = finance_client.post(page(agency, "settings"), {**data, "costs_borne_by": "nobody"})
    assert refused.status_code == 400
    assert "costs_borne_by" in refused.context["form"].errors
    assert AuditLog.objects.filter(action="payout_settings.update").count() == 1
