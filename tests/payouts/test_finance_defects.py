"""Finance pages as reported in issue 16: every count on a run leads somewhere, the statements
list keeps the estimate out of the "Settled" column, "Pay the creator" is prefilled and goes
away once paid in full, the runs page's tab title is plain text, and the creator's payout rows
open their trail."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from creators.models import Creator
from payouts.models import PayoutStatement, ReconciliationRun
from payouts.reconciliation import reconcile, run_execute
from payouts.services import creator_payment_record

from .builders import credit, statement

pytestmark = pytest.mark.django_db
D = Decimal


def page(agency, name: str, **kwargs) -> str:
    return reverse(f"payouts:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_runs_unmatched_and_ambiguous_counts_link_to_their_lists(
    finance_client, agency, django_capture_on_commit_callbacks
):
    # given: one credit nobody claims, one credit two statements of the same amount want
    statement(agency, "TT-A", "50.00")
    statement(agency, "TT-B", "50.00")
    credit(agency, "50.00", remittance="payout")
    credit(agency, "999.00", remittance="nothing of ours")

    # when
    with django_capture_on_commit_callbacks(execute=True):  # the run's task, eagerly
        finance_client.post(page(agency, "run_start"))
    run = ReconciliationRun.objects.get(agency=agency)
    response = finance_client.get(page(agency, "run", pk=run.pk))

    # then
    run.refresh_from_db()
    assert (run.unmatched_count, run.ambiguous_count) == (1, 1)
    html = response.content.decode()
    unmatched = re.search(r'<a href="([^"]+)" data-testid="run-unmatched"[^>]*>1</a>', html)
    assert unmatched and unmatched.group(1) == page(agency, "transactions") + "?open=true"
    assert f'href="{page(agency, "exceptions")}" data-testid="run-ambiguous">1</a>' in html
    # and the link's list holds the unmatched credit
    listed = finance_client.get(unmatched.group(1))
    assert "nothing of ours" in text_of(listed)


def test_a_run_with_nothing_unmatched_shows_a_plain_zero(finance_client, agency):
    statement(agency, "TT-1", "10.00")
    credit(agency, "10.00", remittance="TT-1")
    run = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    assert run.matched_count == 1

    response = finance_client.get(page(agency, "run", pk=run.pk))

    assert 'data-testid="run-unmatched"' not in response.content.decode()


def test_the_statements_list_shows_the_estimate_apart_from_the_settled_amount(
    finance_client, agency
):
    statement(agency, "EST-1", "96.40", status="estimated")
    statement(agency, "SET-1", "412.50")

    response = finance_client.get(page(agency, "index"))

    html = response.content.decode()
    rows = {
        ref: row
        for row in re.findall(r"<tr>.*?</tr>", html, re.S)
        for ref in ("EST-1", "SET-1")
        if ref in row
    }
    settled = {
        ref: text_of_html(re.search(r'data-testid="settled">(.*?)</td>', row, re.S).group(1))
        for ref, row in rows.items()
    }
    assert "96.40" not in settled["EST-1"] and "not settled" in settled["EST-1"]
    assert "96.40" in rows["EST-1"]  # in the Estimated column
    assert "412.50" in settled["SET-1"]


def text_of_html(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_pay_the_creator_is_prefilled_then_gone_once_paid_in_full(finance_client, agency):
    s = statement(agency, "TT-PAY", "200.00")
    credit(agency, "200.00", remittance="TT-PAY")
    reconcile(agency=agency)
    detail = page(agency, "statement", pk=s.pk)
    pay = page(agency, "creator_payment", pk=s.pk)
    assert pay in finance_client.get(detail).content.decode()

    form = finance_client.get(pay)

    # 20% default commission: 160.00 of the 200.00 is the creator's
    assert form.context["form"].initial["amount"] == D("160.00")
    assert form.context["form"].initial["currency"] == "EUR"
    creator_payment_record(
        statement=PayoutStatement.objects.get(pk=s.pk),
        actor=None,
        paid_on=dt.date(2025, 2, 10),
        reference="PAY-1",
        amount=D("160.00"),
        currency="EUR",
    )
    assert pay not in finance_client.get(detail).content.decode()
    assert finance_client.get(pay).status_code == 302  # nothing left: back to the statement


def test_the_runs_page_title_is_plain_text(finance_client, agency):
    response = finance_client.get(page(agency, "runs"))

    (title,) = re.findall(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert "<" not in title and "&lt;" not in title
    assert "Reconciliation" in title


def test_the_creators_payout_rows_open_their_trail(agency, creator_user, creator_client):
    own = Creator.objects.get(user=creator_user)
    s = statement(agency, "MINE-1", "10.00", creator=own)

    html = creator_client.get(page(agency, "portal")).content.decode()

    assert f'<a href="#payout-{s.pk}">MINE-1</a>' in html
    assert f'id="payout-{s.pk}"' in html
