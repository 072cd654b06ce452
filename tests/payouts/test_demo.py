"""The demo's payouts (payouts/demo.py, run by `manage.py seed_demo`): the creator login's
portal shows a reconciled payout with its deposit, a USD payout paid in EUR with its rate and
costs, and a payout whose deposit came back and was paid again; a second run adds nothing."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, AuditLog
from creators.demo import DEMO_PASSWORD
from payouts.models import BankTransaction, CreatorPayment, Match, PayoutLine, PayoutStatement
from payouts.selectors import statement_trail

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())
    return Agency.objects.get(slug="northstar")


def trail(ref: str):
    return statement_trail(PayoutStatement.objects.get(platform_reference=ref))


def test_the_demo_payouts_are_built_through_the_bank_file_and_reconciliation(demo):
    reconciled = trail("TTCR-NS-DEMO-0001")
    fx = trail("TTCF-NS-DEMO-0002")
    returned = trail("TTBD-NS-DEMO-0003")
    estimated = trail("TTCR-NS-DEMO-0004")

    assert [d.amount for d in reconciled.deposits] == [D("412.50")]
    assert reconciled.nets[0].to_pay == 0 and reconciled.payments
    (deposit,) = fx.deposits
    assert (deposit.currency, deposit.implied_rate, deposit.reference_rate) == (
        "EUR",
        D("0.9136"),
        D("0.92"),
    )
    assert (fx.nets[0].currency, fx.nets[0].costs, fx.nets[0].to_pay) == (
        "EUR",
        D("1.60"),
        D("182.72"),
    )
    (back,) = returned.reversed_deposits
    (again,) = returned.deposits
    assert back.returned_on is not None and again.booking_date > back.returned_on
    assert returned.nets[0].to_pay == 0
    assert estimated.breakdown.expected.from_estimate and estimated.nets == ()
    # the portal creator's one return (the agency's books have a return of their own)
    returns = BankTransaction.objects.filter(agency=demo, is_reversal=True)
    assert returns.filter(remittance_info__contains="TTBD-NS-DEMO-0003").count() == 1
    # (the demo's campaign bonuses, rewards/demo.py, carry the campaign code too)
    lines = PayoutLine.objects.filter(agency=demo, campaign_code="GLOW-26")
    assert lines.exclude(statement__source="bonus").count() == 2
    assert AuditLog.objects.filter(agency=demo, action="match.reverse").exists()


def test_the_creator_login_sees_the_three_stories_in_the_portal(demo):
    client = Client()
    assert client.login(username="creator@northstar.test", password=DEMO_PASSWORD)

    response = client.get(reverse("payouts:portal", kwargs={"agency_slug": demo.slug}))

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert response.status_code == 200
    for shown in [
        "TTCR-NS-DEMO-0001",
        "Rate 1 USD = 0.9136 EUR · reference rate 0.9200",
        "Bank and currency costs",
        "€1.60",
        "Deposit returned",
        "returned by the bank on",
        "Paid in full",
        "Expected for you",
    ]:
        assert shown in text, shown


def test_running_the_demo_again_adds_no_payouts(demo):
    before = [
        model.objects.count()
        for model in (PayoutStatement, BankTransaction, Match, CreatorPayment, PayoutLine)
    ]
    out = StringIO()
    call_command("seed_demo", stdout=out)
    after = [
        model.objects.count()
        for model in (PayoutStatement, BankTransaction, Match, CreatorPayment, PayoutLine)
    ]
    assert before == after
    assert "Demo payouts for creator@northstar.test: 0 sets added" in out.getvalue()
