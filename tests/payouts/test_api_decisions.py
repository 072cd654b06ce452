"""The API twins of the exceptions queue: confirm, reject and unmatch a match, match by hand,
and resolve reconciliation issues, through the review screen's services (same locks, same
audit entries); 409 for what is already decided."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from payouts.models import Match, ReconciliationIssue
from payouts.reconciliation import match_manual, match_reject
from tests.agencies.support import scoping_queries

from .builders import credit, statement

D = Decimal
pytestmark = pytest.mark.django_db


def url(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def send(client, target: str, body: dict | None = None):
    return client.post(target, json.dumps(body or {}), content_type="application/json")


def proposal(agency, stmt, txn, group="g1") -> Match:
    return Match.objects.create(
        agency=agency,
        statement=stmt,
        transaction=txn,
        amount=txn.amount,
        statement_amount=stmt.settled_amount,
        rule="amount_date",
        confidence=D("0.500"),
        status="proposed",
        group=group,
    )


def actions(agency) -> list[str]:
    return list(
        AuditLog.objects.filter(agency=agency).order_by("pk").values_list("action", flat=True)
    )


# --- confirm, reject, unmatch -----------------------------------------------------------------


def test_confirming_a_proposal_moves_the_money_rejects_its_rival_and_is_audited(
    finance_client, finance, agency
):
    s = statement(agency, "TT-1", "10.00")
    look_alike = statement(agency, "TT-2", "10.00")
    txn = credit(agency, "10.00")
    chosen, rival = proposal(agency, s, txn), proposal(agency, look_alike, txn)

    response = send(finance_client, url(agency, "payout-match-confirm", pk=chosen.pk))

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["status"]) == (chosen.pk, "confirmed")
    txn.refresh_from_db()
    s.refresh_from_db()
    rival.refresh_from_db()
    assert (txn.allocated_amount, s.status, rival.status) == (D("10.00"), "reconciled", "rejected")
    confirm = AuditLog.objects.get(action="match.confirm")
    assert (confirm.actor, confirm.object_id) == (finance, str(chosen.pk))


def test_rejecting_a_proposal_moves_no_money(finance_client, finance, agency):
    s = statement(agency, "TT-1", "10.00")
    txn = credit(agency, "10.00")
    m = proposal(agency, s, txn)

    response = send(finance_client, url(agency, "payout-match-reject", pk=m.pk))

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    txn.refresh_from_db()
    assert txn.allocated_amount == 0
    assert AuditLog.objects.get(action="match.reject").actor == finance


def test_unmatching_gives_the_money_back_on_both_sides(finance_client, finance, agency):
    s = statement(agency, "TT-1", "10.00")
    txn = credit(agency, "10.00")
    m = match_manual(statement=s, transaction_=txn, actor=finance)

    response = send(finance_client, url(agency, "payout-match-unmatch", pk=m.pk))

    assert response.status_code == 200, response.content
    txn.refresh_from_db()
    s.refresh_from_db()
    assert (txn.allocated_amount, s.allocated_amount) == (0, 0)
    assert s.status != "reconciled"
    assert AuditLog.objects.get(action="match.unmatch").actor == finance


@pytest.mark.parametrize("decision", ["confirm", "reject"])
def test_deciding_a_match_already_decided_is_a_409_and_changes_nothing(
    finance_client, finance, agency, decision
):
    m = proposal(agency, statement(agency, "TT-1", "10.00"), credit(agency, "10.00"))
    match_reject(match=m, actor=finance)
    before = actions(agency)

    response = send(finance_client, url(agency, f"payout-match-{decision}", pk=m.pk))

    assert response.status_code == 409
    assert "Only a proposed match" in json.dumps(response.json())
    assert actions(agency) == before
    assert Match.objects.get().status == "rejected"


def test_unmatching_a_proposal_is_a_409(finance_client, agency):
    m = proposal(agency, statement(agency, "TT-1", "10.00"), credit(agency, "10.00"))

    response = send(finance_client, url(agency, "payout-match-unmatch", pk=m.pk))

    assert response.status_code == 409
    assert Match.objects.get().status == "proposed"


def test_a_manager_cannot_decide_and_another_agencys_match_is_a_404(
    manager_client, finance_client, agency, other_agency
):
    mine = proposal(agency, statement(agency, "TT-1", "10.00"), credit(agency, "10.00"))
    theirs = proposal(
        other_agency, statement(other_agency, "TT-9", "10.00"), credit(other_agency, "10.00")
    )

    assert send(manager_client, url(agency, "payout-match-confirm", pk=mine.pk)).status_code == 403
    assert (
        send(finance_client, url(agency, "payout-match-confirm", pk=theirs.pk)).status_code == 404
    )
    assert set(Match.objects.values_list("status", flat=True)) == {"proposed"}


# --- match by hand ----------------------------------------------------------------------------


def test_matching_by_hand_is_201_with_the_match(finance_client, finance, agency):
    s = statement(agency, "TT-1", "10.00")
    txn = credit(agency, "10.00")

    response = send(
        finance_client,
        url(agency, "payout-match-manual"),
        {"statement": s.pk, "transaction": txn.pk},
    )

    assert response.status_code == 201, response.content
    assert (response.json()["rule"], response.json()["status"]) == ("manual", "confirmed")
    assert AuditLog.objects.get(action="match.manual").actor == finance


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"statement": "x", "transaction": 1},
        {"statement": 0, "transaction": 1},
        {"statement": 10**19, "transaction": 1},
    ],
)
def test_a_bad_manual_match_is_a_400(finance_client, agency, body):
    response = send(finance_client, url(agency, "payout-match-manual"), body)

    assert response.status_code == 400
    assert not Match.objects.exists()


def test_a_debit_cannot_pay_a_statement(finance_client, agency):
    s = statement(agency, "TT-1", "10.00")
    debit = credit(agency, "10.00", debit=True)

    response = send(
        finance_client,
        url(agency, "payout-match-manual"),
        {"statement": s.pk, "transaction": debit.pk},
    )

    assert response.status_code == 400
    assert "Only a bank credit" in json.dumps(response.json())
    assert not Match.objects.exists()


def test_another_agencys_statement_or_transaction_is_a_404(finance_client, agency, other_agency):
    mine_s, mine_t = statement(agency, "TT-1", "10.00"), credit(agency, "10.00")
    their_s, their_t = statement(other_agency, "TT-9", "10.00"), credit(other_agency, "10.00")
    target = url(agency, "payout-match-manual")

    assert (
        send(
            finance_client, target, {"statement": their_s.pk, "transaction": mine_t.pk}
        ).status_code
        == 404
    )
    assert (
        send(
            finance_client, target, {"statement": mine_s.pk, "transaction": their_t.pk}
        ).status_code
        == 404
    )
    assert not Match.objects.exists()


# --- reconciliation issues --------------------------------------------------------------------


def issue(agency) -> ReconciliationIssue:
    """A bank return reconciliation could not tie to one credit."""
    txn = credit(agency, "60.00", debit=True, remittance="RETURN")
    return ReconciliationIssue.objects.create(
        agency=agency, kind="unlinked_return", transaction=txn
    )


def test_open_issues_are_listed_and_one_is_resolved_with_its_note(
    manager_client, finance_client, finance, agency
):
    first, second = issue(agency), issue(agency)

    listed = manager_client.get(url(agency, "reconciliation-issue-list")).json()
    assert [i["id"] for i in listed["results"]] == [first.pk, second.pk]

    response = send(
        finance_client,
        url(agency, "reconciliation-issue-resolve", pk=first.pk),
        {"resolution": "  Refund of a   webshop order "},
    )

    assert response.status_code == 200, response.content
    assert response.json()["resolution"] == "Refund of a webshop order"
    assert AuditLog.objects.get(action="reconciliation_issue.resolve").actor == finance
    listed = manager_client.get(url(agency, "reconciliation-issue-list")).json()
    assert [i["id"] for i in listed["results"]] == [second.pk]


@pytest.mark.parametrize("body", [{}, {"resolution": ""}, {"resolution": "   "}])
def test_an_issue_needs_a_note_to_be_resolved(finance_client, agency, body):
    open_issue = issue(agency)

    response = send(
        finance_client, url(agency, "reconciliation-issue-resolve", pk=open_issue.pk), body
    )

    assert response.status_code == 400
    open_issue.refresh_from_db()
    assert open_issue.resolved_at is None


def test_resolving_a_resolved_issue_is_a_409(finance_client, agency):
    open_issue = issue(agency)
    target = url(agency, "reconciliation-issue-resolve", pk=open_issue.pk)
    send(finance_client, target, {"resolution": "Done"})

    response = send(finance_client, target, {"resolution": "Again"})

    assert response.status_code == 409
    open_issue.refresh_from_db()
    assert open_issue.resolution == "Done"
    assert AuditLog.objects.filter(action="reconciliation_issue.resolve").count() == 1


@pytest.mark.parametrize("size", [2, 20])
def test_the_issue_list_costs_the_same_queries_for_2_or_20_issues(
    finance_client, agency, size, django_assert_num_queries
):
    for _ in range(size):
        issue(agency)
    target = url(agency, "reconciliation-issue-list")
    finance_client.get(target)
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), then: count, the page of issues.
    with django_assert_num_queries(5 + 2 + scoping_queries()):
        response = finance_client.get(target)
    assert response.json()["count"] == size
