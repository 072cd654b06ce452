"""The payouts API: statements, bank transactions, matches and runs, filtered and paged."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from payouts.models import PayoutStatement, ReconciliationRun
from payouts.reconciliation import reconcile
from tests.agencies.support import scoping_queries
from tests.factories import CreatorFactory

from .builders import account, credit, statement

D = Decimal
pytestmark = pytest.mark.django_db


def url(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def send(client, method: str, target: str, body: dict | None = None):
    return getattr(client, method)(target, json.dumps(body or {}), content_type="application/json")


def new_statement(agency, **changes) -> dict:
    body = {
        "creator": CreatorFactory(agency=agency).pk,
        "source": "creativity_program",
        "platform_reference": "TT-API-1",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "currency": "EUR",
        "estimated_amount": "100.00",
        "settled_amount": None,
        "status": "estimated",
        "settled_date": None,
    }
    body.update(changes)
    return body


# --- statements -------------------------------------------------------------------------------


def test_statements_are_listed_newest_period_first_with_their_creator(manager_client, agency):
    older = statement(agency, "OLD", "10.00")
    older.period_start, older.period_end = dt.date(2024, 12, 1), dt.date(2024, 12, 31)
    older.save()
    newer = statement(agency, "NEW", "20.00")

    response = manager_client.get(url(agency, "payout-statement-list"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [s["platform_reference"] for s in body["results"]] == ["NEW", "OLD"]
    first = body["results"][0]
    assert first["creator"] == newer.creator_id
    assert first["creator_name"] == newer.creator.display_name
    assert (first["settled_amount"], first["received"], first["open_amount"]) == (
        "20.00",
        "0.00",
        "20.00",
    )


def test_statements_filter_by_status_source_creator_search_and_period(finance_client, agency):
    anna = CreatorFactory(agency=agency, display_name="Anna")
    statement(agency, "TT-A", "10.00", creator=anna)
    statement(agency, "TT-B", "10.00", status="estimated", source="brand_deal")
    march = statement(agency, "TT-C", "10.00")
    march.period_start, march.period_end = dt.date(2025, 3, 1), dt.date(2025, 3, 31)
    march.save()

    def refs(**query):
        response = finance_client.get(url(agency, "payout-statement-list"), query)
        assert response.status_code == 200, response.content
        return sorted(s["platform_reference"] for s in response.json()["results"])

    assert refs(status="estimated") == ["TT-B"]
    assert refs(source="brand_deal") == ["TT-B"]
    assert refs(creator=anna.pk) == ["TT-A"]
    assert refs(q="ann") == ["TT-A"]
    assert refs(q="tt-c") == ["TT-C"]
    assert refs(period_from="2025-02-01") == ["TT-C"]
    assert refs(period_to="2025-02-01") == ["TT-A", "TT-B"]


@pytest.mark.parametrize(
    "query",
    [{"status": "paid"}, {"period_from": "31-01-2025"}, {"creator": "x"}, {"currency": "XXX"}],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(finance_client, agency, query):
    response = finance_client.get(url(agency, "payout-statement-list"), query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_another_agencys_creator_is_refused_as_a_filter(finance_client, agency, other_agency):
    theirs = CreatorFactory(agency=other_agency)

    response = finance_client.get(url(agency, "payout-statement-list"), {"creator": theirs.pk})

    assert response.status_code == 400
    assert "creator" in response.json()


def test_statements_come_in_pages(finance_client, agency):
    for i in range(7):
        statement(agency, f"TT-{i}", "10.00")

    first = finance_client.get(url(agency, "payout-statement-list"), {"page_size": 5}).json()
    second = finance_client.get(
        url(agency, "payout-statement-list"), {"page_size": 5, "page": 2}
    ).json()

    assert (first["count"], len(first["results"]), len(second["results"])) == (7, 5, 2)
    assert first["next"] and second["previous"] and second["next"] is None


def test_finance_creates_a_statement_and_it_is_audited(finance_client, finance, agency):
    response = send(
        finance_client, "post", url(agency, "payout-statement-list"), new_statement(agency)
    )

    assert response.status_code == 201, response.content
    created = PayoutStatement.objects.get(platform_reference="TT-API-1")
    assert response.json()["id"] == created.pk
    assert created.agency == agency and created.status == "estimated"
    entry = AuditLog.objects.get(action="payout_statement.create")
    assert (entry.actor, entry.object_id) == (finance, str(created.pk))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"platform_reference": ""}, "platform_reference"),
        ({"estimated_amount": "-1.00"}, "estimated_amount"),
        ({"estimated_amount": "1.005"}, "estimated_amount"),
        ({"status": "settled"}, "settled_amount"),
        ({"status": "reconciled"}, "status"),
        ({"period_end": "2024-12-31"}, "period_end"),
        ({"currency": "XXX"}, "currency"),
    ],
)
def test_a_bad_statement_is_refused_with_the_field_and_nothing_is_written(
    finance_client, agency, changes, field
):
    response = send(
        finance_client,
        "post",
        url(agency, "payout-statement-list"),
        new_statement(agency, **changes),
    )

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not PayoutStatement.objects.exists()
    assert not AuditLog.objects.filter(action="payout_statement.create").exists()


def test_a_statement_cannot_name_another_agencys_creator(finance_client, agency, other_agency):
    body = new_statement(agency, creator=CreatorFactory(agency=other_agency).pk)

    response = send(finance_client, "post", url(agency, "payout-statement-list"), body)

    assert response.status_code == 400 and "creator" in response.json()
    assert not PayoutStatement.objects.exists()


def test_the_same_reference_twice_is_refused(finance_client, agency):
    statement(agency, "TT-API-1", "10.00")

    response = send(
        finance_client, "post", url(agency, "payout-statement-list"), new_statement(agency)
    )

    assert response.status_code == 400
    assert PayoutStatement.objects.count() == 1


def test_a_manager_reads_but_cannot_create(manager_client, agency):
    response = send(
        manager_client, "post", url(agency, "payout-statement-list"), new_statement(agency)
    )

    assert response.status_code == 403
    assert not PayoutStatement.objects.exists()


def test_the_detail_shows_adjustments_holds_and_disputes(finance_client, finance, agency):
    from payouts.services import adjustment_add, dispute_open, hold_place

    s = statement(agency, "TT-1", "10.00")
    adjustment_add(statement=s, actor=finance, kind="refund", amount=D("-1.00"), reason="Refund")
    hold_place(statement=s, actor=finance, reason="KYC")
    dispute_open(statement=s, actor=finance, transaction_data="views 1-3 Jan")

    body = finance_client.get(url(agency, "payout-statement-detail", pk=s.pk)).json()

    assert body["status"] == "disputed"
    assert [a["reason"] for a in body["adjustments"]] == ["Refund"]
    assert [h["reason"] for h in body["holds"]] == ["KYC"]
    assert [d["transaction_data"] for d in body["disputes"]] == ["views 1-3 Jan"]


def test_a_statement_is_settled_by_patch_and_audited(finance_client, finance, agency):
    s = statement(agency, "TT-1", "10.00", status="estimated")

    response = send(
        finance_client,
        "patch",
        url(agency, "payout-statement-detail", pk=s.pk),
        {"status": "settled", "settled_amount": "9.50", "settled_date": "2025-02-01"},
    )

    assert response.status_code == 200, response.content
    s.refresh_from_db()
    assert (s.status, s.settled_amount) == ("settled", D("9.50"))
    entry = AuditLog.objects.get(action="payout_statement.update")
    assert entry.actor == finance and entry.after["status"] == "settled"


def test_a_patch_that_jumps_the_lifecycle_is_refused(finance_client, agency):
    s = statement(agency, "TT-1", "10.00")

    response = send(
        finance_client,
        "patch",
        url(agency, "payout-statement-detail", pk=s.pk),
        {"status": "estimated"},
    )

    assert response.status_code == 400 and "status" in response.json()
    s.refresh_from_db()
    assert s.status == "settled"
    assert not AuditLog.objects.filter(action="payout_statement.update").exists()


# --- bank transactions, matches, runs -------------------------------------------------------


def test_bank_transactions_filter_by_account_direction_dates_and_openness(finance_client, agency):
    main = account(agency)
    other = account(agency, iban="DE89370400440532013000")
    credit(agency, "10.00", booking_date=dt.date(2025, 2, 1), remittance="TT-1")
    credit(agency, "20.00", booking_date=dt.date(2025, 2, 10), debit=True)
    credit(agency, "30.00", booking_date=dt.date(2025, 3, 1), bank_account=other)
    statement(agency, "TT-1", "10.00")
    reconcile(agency=agency)  # the 10.00 credit is now fully allocated

    def amounts(**query):
        response = finance_client.get(url(agency, "bank-transaction-list"), query)
        assert response.status_code == 200, response.content
        return sorted(t["amount"] for t in response.json()["results"])

    assert amounts() == ["10.00", "20.00", "30.00"]
    assert amounts(bank_account=main.pk) == ["10.00", "20.00"]
    assert amounts(credit_debit="debit") == ["20.00"]
    assert amounts(booked_from="2025-02-05", booked_to="2025-02-28") == ["20.00"]
    assert amounts(open="true") == ["30.00"]
    assert amounts(q="tt-1") == ["10.00"]


def test_another_agencys_bank_account_is_refused_as_a_filter(finance_client, agency, other_agency):
    response = finance_client.get(
        url(agency, "bank-transaction-list"), {"bank_account": account(other_agency).pk}
    )

    assert response.status_code == 400 and "bank_account" in response.json()


def test_matches_are_listed_with_rule_confidence_and_status(finance_client, agency):
    a = statement(agency, "TT-1", "10.00")
    statement(agency, "TT-2", "50.00")
    statement(agency, "TT-3", "50.00")
    credit(agency, "10.00", remittance="TT-1")
    credit(agency, "50.00")
    reconcile(agency=agency)

    confirmed = finance_client.get(url(agency, "payout-match-list"), {"status": "confirmed"})
    proposed = finance_client.get(url(agency, "payout-match-list"), {"status": "proposed"})
    for_a = finance_client.get(url(agency, "payout-match-list"), {"statement": a.pk})

    [match] = confirmed.json()["results"]
    assert (match["statement_reference"], match["rule"], match["confidence"]) == (
        "TT-1",
        "reference",
        "1.000",
    )
    assert proposed.json()["count"] == 2
    assert [m["statement"] for m in for_a.json()["results"]] == [a.pk]


def test_starting_a_run_queues_it_and_the_task_completes_it(
    finance_client, finance, agency, monkeypatch, django_capture_on_commit_callbacks
):
    from payouts import tasks

    queued = []
    monkeypatch.setattr(tasks.reconciliation_run, "delay", lambda *args: queued.append(args))
    statement(agency, "TT-1", "10.00")
    credit(agency, "10.00", remittance="TT-1")

    with django_capture_on_commit_callbacks(execute=True):
        response = send(finance_client, "post", url(agency, "reconciliation-run-list"))

    assert response.status_code == 202, response.content
    run = ReconciliationRun.objects.get()
    assert (response.json()["id"], response.json()["status"]) == (run.pk, "queued")
    assert queued == [(agency.pk, run.pk)]
    assert AuditLog.objects.filter(action="reconciliation.start", actor=finance).exists()
    tasks.reconciliation_run(*queued[0])  # what the worker does with the message
    detail = finance_client.get(url(agency, "reconciliation-run-detail", pk=run.pk)).json()
    assert (detail["status"], detail["matched_count"], detail["percent"]) == ("completed", 1, 100)
    assert finance_client.get(url(agency, "reconciliation-run-list")).json()["count"] == 1


def test_a_manager_cannot_start_a_run(manager_client, agency):
    response = send(manager_client, "post", url(agency, "reconciliation-run-list"))

    assert response.status_code == 403
    assert not ReconciliationRun.objects.exists()


# --- query counts -----------------------------------------------------------------------------


def _rows(agency, size: int) -> None:
    """`size` statements, `size` credits, matched (confirmed and proposed) by a run."""
    for i in range(size):
        statement(agency, f"TT-{i:03d}", f"{10 + i}.00")
        credit(agency, f"{10 + i}.00", remittance=f"TT-{i:03d}" if i % 2 else "payout")
    reconcile(agency=agency)
    ReconciliationRun.objects.bulk_create(ReconciliationRun(agency=agency) for _ in range(size))


@pytest.mark.parametrize("size", [5, 60])
@pytest.mark.parametrize(
    ("name", "queries", "what"),
    [
        ("payout-statement-list", 2, "count, the page of statements with their creators"),
        ("bank-transaction-list", 2, "count, the page of transactions with their accounts"),
        ("payout-match-list", 2, "count, the page of matches with their statements"),
        ("reconciliation-run-list", 2, "count, the page of runs"),
    ],
)
def test_each_api_list_costs_the_same_queries_for_5_or_60_rows(
    finance_client, agency, size, name, queries, what, django_assert_num_queries
):
    _rows(agency, size)
    target = url(agency, name)
    finance_client.get(target)
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), then: {what}.
    with django_assert_num_queries(5 + queries + scoping_queries()):
        response = finance_client.get(target)
    assert response.status_code == 200
    assert response.json()["count"] >= size
