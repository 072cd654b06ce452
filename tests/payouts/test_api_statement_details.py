"""The API twins of a statement's detail actions: adjustments, holds, disputes and payments to
the creator, through the services the statement page uses (same status changes and audit
entries), with Idempotency-Key on the POSTs that create money."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from payouts.models import Adjustment, CreatorPayment, Dispute, Hold, PayoutStatement
from payouts.reconciliation import match_manual
from payouts.services import dispute_close, dispute_open, hold_place, hold_release
from tests.agencies.support import scoping_queries

from .builders import credit, statement

D = Decimal
pytestmark = pytest.mark.django_db


def url(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def send(client, target: str, body: dict | None = None, **headers):
    return client.post(target, json.dumps(body or {}), content_type="application/json", **headers)


def audits(agency, action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(agency=agency, action=action))


@pytest.fixture
def reconciled(agency, finance):
    s = statement(agency, "TT-1", "100.00")  # 20% commission: 80.00 due to the creator
    match_manual(statement=s, transaction_=credit(agency, "100.00"), actor=finance)
    return s


ADJUSTMENT = {"kind": "invalid_activity", "amount": "-12.50", "reason": "Bot views removed"}
PAYMENT = {"paid_on": "2025-02-10", "reference": "PAY-77", "amount": "80.00"}


# --- adjustments ------------------------------------------------------------------------------


def test_finance_adjusts_a_statement_it_moves_to_adjusted_and_both_are_audited(
    finance_client, finance, agency
):
    s = statement(agency, "TT-1", "100.00")

    response = send(finance_client, url(agency, "payout-adjustment-list", pk=s.pk), ADJUSTMENT)

    assert response.status_code == 201, response.content
    adjustment = Adjustment.objects.get()
    assert response.json()["id"] == adjustment.pk
    assert (adjustment.kind, adjustment.amount, adjustment.created_by) == (
        "invalid_activity",
        D("-12.50"),
        finance,
    )
    s.refresh_from_db()
    assert s.status == "adjusted"
    [entry] = audits(agency, "payout_adjustment.create")
    assert (entry.actor, entry.after["amount"]) == (finance, "-12.50")
    assert audits(agency, "payout_statement.update")
    listed = finance_client.get(url(agency, "payout-adjustment-list", pk=s.pk)).json()
    assert [a["reason"] for a in listed] == ["Bot views removed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"amount": "1e400"}, "amount"),
        ({"kind": "bonus"}, "kind"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
    ],
)
def test_a_bad_adjustment_is_a_400_naming_the_field_and_writes_nothing(
    finance_client, agency, changes, field
):
    s = statement(agency, "TT-1", "100.00")

    response = send(
        finance_client, url(agency, "payout-adjustment-list", pk=s.pk), {**ADJUSTMENT, **changes}
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Adjustment.objects.exists()
    assert PayoutStatement.objects.get().status == "settled"
    assert not audits(agency, "payout_adjustment.create")


def test_the_same_idempotency_key_adjusts_once_and_answers_the_first_response(
    finance_client, agency, django_capture_on_commit_callbacks
):
    s = statement(agency, "TT-1", "100.00")
    target = url(agency, "payout-adjustment-list", pk=s.pk)

    with django_capture_on_commit_callbacks(execute=True):
        first = send(finance_client, target, ADJUSTMENT, HTTP_IDEMPOTENCY_KEY="adj-1")
    again = send(finance_client, target, ADJUSTMENT, HTTP_IDEMPOTENCY_KEY="adj-1")
    other = send(
        finance_client, target, {**ADJUSTMENT, "amount": "-1.00"}, HTTP_IDEMPOTENCY_KEY="adj-1"
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Adjustment.objects.count() == 1
    assert len(audits(agency, "payout_adjustment.create")) == 1


def test_an_idempotency_key_is_per_user(
    finance_client, owner_client, agency, django_capture_on_commit_callbacks
):
    s = statement(agency, "TT-1", "100.00")
    target = url(agency, "payout-adjustment-list", pk=s.pk)

    with django_capture_on_commit_callbacks(execute=True):
        send(finance_client, target, ADJUSTMENT, HTTP_IDEMPOTENCY_KEY="same")
        theirs = send(owner_client, target, ADJUSTMENT, HTTP_IDEMPOTENCY_KEY="same")

    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Adjustment.objects.count() == 2


def test_a_refused_adjustment_leaves_its_key_for_the_corrected_one(
    finance_client, agency, django_capture_on_commit_callbacks
):
    s = statement(agency, "TT-1", "100.00")
    target = url(agency, "payout-adjustment-list", pk=s.pk)

    with django_capture_on_commit_callbacks(execute=True):
        refused = send(
            finance_client, target, {**ADJUSTMENT, "amount": "0"}, HTTP_IDEMPOTENCY_KEY="k"
        )
        corrected = send(finance_client, target, ADJUSTMENT, HTTP_IDEMPOTENCY_KEY="k")

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert Adjustment.objects.count() == 1


def test_a_malformed_idempotency_key_is_a_400_and_writes_nothing(finance_client, agency):
    s = statement(agency, "TT-1", "100.00")

    response = send(
        finance_client,
        url(agency, "payout-adjustment-list", pk=s.pk),
        ADJUSTMENT,
        HTTP_IDEMPOTENCY_KEY="x" * 256,
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Adjustment.objects.exists()


def test_a_manager_reads_adjustments_but_cannot_add_one(manager_client, agency):
    s = statement(agency, "TT-1", "100.00")
    target = url(agency, "payout-adjustment-list", pk=s.pk)

    assert manager_client.get(target).status_code == 200
    assert send(manager_client, target, ADJUSTMENT).status_code == 403
    assert not Adjustment.objects.exists()


def test_another_agencys_statement_cannot_be_adjusted(finance_client, agency, other_agency):
    theirs = statement(other_agency, "TT-THEIRS", "100.00")

    response = send(finance_client, url(agency, "payout-adjustment-list", pk=theirs.pk), ADJUSTMENT)

    assert response.status_code == 404
    assert not Adjustment.objects.exists()


# --- holds ------------------------------------------------------------------------------------


def test_a_hold_is_placed_then_released_and_the_statement_follows(finance_client, finance, agency):
    s = statement(agency, "TT-1", "100.00")

    placed = send(
        finance_client,
        url(agency, "payout-hold-list", pk=s.pk),
        {"reason": "KYC check", "expected_release": "2025-03-01"},
    )
    assert placed.status_code == 201, placed.content
    s.refresh_from_db()
    assert s.status == "on_hold"
    hold = Hold.objects.get()
    assert placed.json()["released_at"] is None

    released = send(finance_client, url(agency, "payout-hold-release", pk=hold.pk))

    assert released.status_code == 200, released.content
    assert released.json()["released_at"] is not None
    s.refresh_from_db()
    assert s.status == "settled"
    assert [e.actor for e in audits(agency, "payout_hold.create")] == [finance]
    assert [e.actor for e in audits(agency, "payout_hold.release")] == [finance]


def test_releasing_a_hold_twice_is_a_409_and_audited_once(finance_client, finance, agency):
    hold = hold_place(statement=statement(agency, "TT-1", "100.00"), actor=finance, reason="KYC")
    hold_release(hold=hold, actor=finance)

    response = send(finance_client, url(agency, "payout-hold-release", pk=hold.pk))

    assert response.status_code == 409
    assert "already released" in json.dumps(response.json())
    assert len(audits(agency, "payout_hold.release")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "x", "expected_release": "31-01-2025"}, "expected_release"),
        ({}, "reason"),
    ],
)
def test_a_bad_hold_is_a_400_and_writes_nothing(finance_client, agency, body, field):
    s = statement(agency, "TT-1", "100.00")

    response = send(finance_client, url(agency, "payout-hold-list", pk=s.pk), body)

    assert response.status_code == 400
    assert field in response.json()
    assert not Hold.objects.exists()
    assert PayoutStatement.objects.get().status == "settled"


# --- disputes ---------------------------------------------------------------------------------


def test_a_dispute_is_opened_with_its_links_then_closed(finance_client, finance, agency):
    s = statement(agency, "TT-1", "100.00")

    opened = send(
        finance_client,
        url(agency, "payout-dispute-list", pk=s.pk),
        {
            "transaction_data": "16 qualifying videos, 14 paid",
            "links": "https://tiktok.test/v/1\n\n https://tiktok.test/v/2 ",
        },
    )
    assert opened.status_code == 201, opened.content
    dispute = Dispute.objects.get()
    assert dispute.links == "https://tiktok.test/v/1\nhttps://tiktok.test/v/2"
    assert opened.json()["status"] == "open"
    s.refresh_from_db()
    assert s.status == "disputed"

    closed = send(
        finance_client,
        url(agency, "payout-dispute-close", pk=dispute.pk),
        {"status": "resolved", "outcome": "Paid in the next cycle"},
    )

    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["outcome"]) == (
        "resolved",
        "Paid in the next cycle",
    )
    assert audits(agency, "payout_dispute.open")[0].actor == finance
    assert audits(agency, "payout_dispute.close")[0].actor == finance


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"transaction_data": "", "links": ""}, "transaction_data"),
        ({"transaction_data": "x", "links": "javascript:alert(1)"}, "links"),
        ({"transaction_data": "x", "links": "https://ok.test\nnot a url"}, "links"),
        ({"transaction_data": "x", "status": "resolved", "opened_at": "2020-01-01T00:00"}, None),
    ],
)
def test_a_bad_dispute_is_a_400_and_writes_nothing(finance_client, agency, body, field):
    s = statement(agency, "TT-1", "100.00")

    response = send(finance_client, url(agency, "payout-dispute-list", pk=s.pk), body)

    if field is None:  # read-only fields are ignored: the dispute opens now, open
        assert response.status_code == 201
        assert Dispute.objects.get().status == "open"
        assert response.json()["opened_at"][:4] != "2020"
        return
    assert response.status_code == 400
    assert field in response.json()
    assert not Dispute.objects.exists()
    assert PayoutStatement.objects.get().status == "settled"


def test_closing_a_closed_dispute_is_a_409(finance_client, finance, agency):
    dispute = dispute_open(
        statement=statement(agency, "TT-1", "100.00"), actor=finance, transaction_data="x"
    )
    dispute_close(dispute=dispute, actor=finance, status="rejected", outcome="No")

    response = send(
        finance_client,
        url(agency, "payout-dispute-close", pk=dispute.pk),
        {"status": "resolved", "outcome": "Yes"},
    )

    assert response.status_code == 409
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == ("rejected", "No")


@pytest.mark.parametrize(
    "body",
    [{"status": "open", "outcome": "x"}, {"status": "resolved", "outcome": ""}, {}],
)
def test_a_bad_dispute_close_is_a_400_and_leaves_it_open(finance_client, finance, agency, body):
    dispute = dispute_open(
        statement=statement(agency, "TT-1", "100.00"), actor=finance, transaction_data="x"
    )

    response = send(finance_client, url(agency, "payout-dispute-close", pk=dispute.pk), body)

    assert response.status_code == 400
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert not audits(agency, "payout_dispute.close")


# --- payments to the creator ------------------------------------------------------------------


def test_the_payment_to_the_creator_is_recorded_and_audited(
    finance_client, finance, agency, reconciled
):
    response = send(finance_client, url(agency, "creator-payment-list", pk=reconciled.pk), PAYMENT)

    assert response.status_code == 201, response.content
    payment = CreatorPayment.objects.get()
    assert (payment.amount, payment.currency, payment.created_by) == (D("80.00"), "EUR", finance)
    assert response.json()["currency"] == "EUR"
    [entry] = audits(agency, "creator_payment.create")
    assert entry.actor == finance and entry.after["amount"] == "80.00"
    listed = finance_client.get(url(agency, "creator-payment-list", pk=reconciled.pk)).json()
    assert [p["reference"] for p in listed] == ["PAY-77"]


def test_a_retried_payment_with_its_key_is_paid_once(
    finance_client, agency, reconciled, django_capture_on_commit_callbacks
):
    target = url(agency, "creator-payment-list", pk=reconciled.pk)
    half = {**PAYMENT, "amount": "40.00"}

    with django_capture_on_commit_callbacks(execute=True):
        first = send(finance_client, target, half, HTTP_IDEMPOTENCY_KEY="pay-2025-02")
    retried = send(finance_client, target, half, HTTP_IDEMPOTENCY_KEY="pay-2025-02")

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.json()["id"] == first.json()["id"]
    assert CreatorPayment.objects.count() == 1
    assert len(audits(agency, "creator_payment.create")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "80.01"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"reference": ""}, "reference"),
        ({"paid_on": "10-02-2025"}, "paid_on"),
        ({"currency": "USD"}, "currency"),
        ({"currency": "XXX"}, "currency"),
    ],
)
def test_a_bad_payment_is_a_400_and_writes_nothing(
    finance_client, agency, reconciled, changes, field
):
    response = send(
        finance_client,
        url(agency, "creator-payment-list", pk=reconciled.pk),
        {**PAYMENT, **changes},
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not CreatorPayment.objects.exists()
    assert not audits(agency, "creator_payment.create")


def test_an_unreconciled_statement_cannot_be_paid_out(finance_client, agency):
    s = statement(agency, "TT-1", "100.00")

    response = send(finance_client, url(agency, "creator-payment-list", pk=s.pk), PAYMENT)

    assert response.status_code == 400
    assert "Only a reconciled payout can be paid out" in json.dumps(response.json())
    assert not CreatorPayment.objects.exists()


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize(
    ("name", "make"),
    [
        (
            "payout-hold-list",
            lambda s, actor, i: hold_place(statement=s, actor=actor, reason=f"{i}"),
        ),
        (
            "payout-dispute-list",
            lambda s, actor, i: dispute_open(statement=s, actor=actor, transaction_data=f"{i}"),
        ),
    ],
)
def test_each_statement_part_list_costs_the_same_queries_for_2_or_20_rows(
    finance_client, finance, agency, size, name, make, django_assert_num_queries
):
    s = statement(agency, "TT-1", "100.00")
    for i in range(size):
        make(s, finance, i)
    target = url(agency, name, pk=s.pk)
    finance_client.get(target)
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), then: the statement, its rows.
    with django_assert_num_queries(5 + 2 + scoping_queries()):
        response = finance_client.get(target)
    assert response.status_code == 200
    assert len(response.json()) == size
