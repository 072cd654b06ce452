"""The agency home: per role, what is late or at risk (each a count linking to the filtered
list it counts) and this month's figures; the creator's own overview."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.roles import Role
from campaigns.models import DeliverableStatus
from creators.models import Creator
from moderation.cases import case_open
from moderation.models import Case
from payouts.models import CreatorPayment
from payouts.reconciliation import match_manual
from tests.campaigns.factories import ContractFactory, DeliverableFactory, SnapshotFactory
from tests.core.conftest import token_client
from tests.factories import CreatorFactory
from tests.helpers import client_for, member, scoping_queries
from tests.payouts import builders

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)  # a Monday, 11:00 in Amsterdam
TODAY = dt.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def home(agency) -> str:
    return reverse("agencies:dashboard", args=[agency.slug])


def tiles(response) -> dict[str, tuple[int, str]]:
    return {t.key: (t.count, t.url) for t in response.context["cockpit"].attention}


def a_breached_and_a_due_case(agency, assignee=None) -> None:
    breached = case_open(agency=agency, title="Threat", now=NOW - dt.timedelta(days=3))
    soon = case_open(agency=agency, title="Rates", now=NOW)
    Case.objects.filter(pk=breached.pk).update(due_at=NOW - dt.timedelta(minutes=5))
    Case.objects.filter(pk=soon.pk).update(due_at=NOW + dt.timedelta(minutes=30), assignee=assignee)


def money_of_the_month(agency) -> None:
    creator = CreatorFactory(agency=agency)
    s = builders.statement(agency, f"CP-DEC-{creator.pk}", "1000.00", creator=creator)
    txn = builders.credit(agency, "1000.00", booking_date=TODAY - dt.timedelta(days=2))
    match_manual(statement=s, transaction_=txn, actor=None)
    # an open credit of 40 days and a USD one of 3 days: never added to the euros
    builders.credit(agency, "250.00", booking_date=TODAY - dt.timedelta(days=40))
    builders.credit(agency, "99.00", currency="USD", booking_date=TODAY - dt.timedelta(days=3))


def test_the_owner_sees_what_is_late_with_links_to_the_filtered_lists(agency, owner):
    a_breached_and_a_due_case(agency)
    DeliverableFactory(campaign__agency=agency, status=DeliverableStatus.SUBMITTED, due_date=TODAY)
    DeliverableFactory(campaign__agency=agency, due_date=TODAY - dt.timedelta(days=1))
    ContractFactory(
        agency=agency, status="active", usage_rights_until=TODAY + dt.timedelta(days=10)
    )
    ContractFactory(
        agency=agency, status="active", usage_rights_until=TODAY + dt.timedelta(days=90)
    )

    response = client_for(owner).get(home(agency))

    assert response.status_code == 200
    found = tiles(response)
    slug = agency.slug
    assert found["sla_breached"] == (1, f"/a/{slug}/moderation/?status=open&overdue=on")
    assert found["due_within_hour"] == (1, f"/a/{slug}/moderation/?status=open")
    assert found["drafts_waiting"] == (1, f"/a/{slug}/campaigns/deliverables/?status=submitted")
    assert found["deliverables_overdue"] == (1, f"/a/{slug}/campaigns/deliverables/?overdue=1")
    assert found["rights_ending"] == (1, f"/a/{slug}/campaigns/contracts/?ending=30")
    content = response.content.decode()
    assert "case past its SLA" in content
    assert "maandag" not in content  # English for an English reader


def test_each_count_matches_the_list_it_links_to(agency, owner):
    DeliverableFactory(campaign__agency=agency, status=DeliverableStatus.SUBMITTED, due_date=TODAY)
    DeliverableFactory(campaign__agency=agency, due_date=TODAY - dt.timedelta(days=1))
    DeliverableFactory(
        campaign__agency=agency,
        due_date=TODAY - dt.timedelta(days=1),
        status=DeliverableStatus.POSTED,
        posted_at=NOW,
        post_url="https://www.tiktok.com/@a/video/1",
    )
    exclusivity = {"exclusivity_category": "beauty", "exclusivity_start": TODAY}
    ending = ContractFactory(
        agency=agency, status="signed", exclusivity_end=TODAY + dt.timedelta(days=29), **exclusivity
    )
    ContractFactory(
        agency=agency, status="draft", exclusivity_end=TODAY + dt.timedelta(days=5), **exclusivity
    )
    client = client_for(owner)
    found = tiles(client.get(home(agency)))

    for key in ("drafts_waiting", "deliverables_overdue", "rights_ending"):
        count, url = found[key]
        listed = client.get(url).context["page_obj"].paginator.count
        assert listed == count == 1, key
    assert list(client.get(found["rights_ending"][1]).context["page_obj"]) == [ending]


def test_a_community_manager_sees_their_own_queue_and_no_money(agency, community_manager):
    a_breached_and_a_due_case(agency, assignee=community_manager)
    money_of_the_month(agency)

    response = client_for(community_manager).get(home(agency))

    found = tiles(response)
    assert found["sla_breached"][0] == 0  # not theirs
    assert found["due_within_hour"] == (1, f"/a/{agency.slug}/moderation/?status=open&mine=1")
    assert "exceptions" not in found and "drafts_waiting" not in found
    assert response.context["figures"] == []
    assert response.context["cockpit"].unreconciled == []


def test_finance_sees_the_money_per_currency_by_age(agency, finance):
    money_of_the_month(agency)
    a_breached_and_a_due_case(agency)

    response = client_for(finance).get(home(agency))

    assert "sla_breached" not in tiles(response)
    buckets = [
        (b.currency, b.label, b.amount, b.count) for b in response.context["cockpit"].unreconciled
    ]
    assert buckets == [
        ("EUR", "over 30 days", D("250.00"), 1),
        ("USD", "0 to 7 days", D("99.00"), 1),
    ]
    over_30 = response.context["cockpit"].unreconciled[0].url
    assert client_for(finance).get(over_30).context["page_obj"].paginator.count == 1
    figures = {(f.key, f.currency): f for f in response.context["cockpit"].figures}
    # received this month: the matched 1,000 and the USD credit, never added together
    assert figures[("received", "EUR")].current == D("1000.00")
    assert figures[("received", "USD")].current == D("99.00")
    assert figures[("commission", "EUR")].current == D("200.00")  # the 20 % default
    assert len(figures[("received", "EUR")].values) == 6
    content = response.content.decode()
    assert 'role="img"' in content and "Received (EUR) per month:" in content


def test_figures_follow_the_readers_language(agency, finance):
    money_of_the_month(agency)
    client = client_for(finance)
    client.cookies["django_language"] = "nl"

    content = client.get(home(agency), HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert "€\xa01.000,00" in content


def test_views_and_engagement_of_the_month(agency, manager):
    deliverable = DeliverableFactory(campaign__agency=agency)
    SnapshotFactory(
        deliverable=deliverable, captured_at=NOW - dt.timedelta(days=10), views=500, likes=5
    )
    SnapshotFactory(
        deliverable=deliverable,
        captured_at=NOW - dt.timedelta(days=1),
        views=2000,
        likes=150,
        comments=30,
        shares=20,
    )

    figures = {f.key: f for f in client_for(manager).get(home(agency)).context["cockpit"].figures}

    assert figures["views"].values[-2:] == [D(500), D(2000)]
    assert figures["engagement"].current == D("10.00")


def test_an_empty_agency_offers_the_next_step(agency, owner):
    content = client_for(owner).get(home(agency)).content.decode()

    assert "Nothing is late or at risk" in content
    assert reverse("creators:create", args=[agency.slug]) in content


def test_another_agencys_data_is_never_counted(agency, owner, other_agency, outsider):
    a_breached_and_a_due_case(other_agency)
    money_of_the_month(other_agency)

    response = client_for(owner).get(home(agency))

    assert response.context["cockpit"].waiting == []
    assert response.context["figures"] == []
    assert client_for(outsider).get(home(agency)).status_code == 404


def test_the_creator_sees_their_own_year(agency, creator_user):
    me = Creator.objects.get(agency=agency, user=creator_user)
    s = builders.statement(agency, "CP-ME", "500.00", creator=me)
    txn = builders.credit(agency, "500.00", booking_date=TODAY - dt.timedelta(days=20))
    match_manual(statement=s, transaction_=txn, actor=None)
    CreatorPayment.objects.create(
        agency=agency,
        statement=s,
        amount=D("100.00"),
        currency="EUR",
        paid_on=TODAY,
        reference="PAY-1",
    )
    other = builders.statement(agency, "CP-OTHER", "9000.00")  # someone else's
    match_manual(
        statement=other,
        transaction_=builders.credit(agency, "9000.00", booking_date=TODAY),
        actor=None,
    )

    response = client_for(creator_user).get(home(agency))

    assert response.status_code == 200
    [row] = response.context["overview"].money
    assert (row.currency, row.earned, row.due, row.paid) == (
        "EUR",
        D("400.00"),
        D("300.00"),
        D("100.00"),
    )
    content = response.content.decode()
    assert "€400.00" in content and "9,000" not in content


@pytest.mark.parametrize(
    ("role", "queries"),
    [
        # Every page: session, user, savepoint, the user's memberships with their agencies
        # (agency_view; the switcher lists them too), release (5). Then cockpit/selectors.py, one
        # query per count: owner: cases, outbox, deliverables, contracts ending, proposed matches,
        # open issues, failed imports, unreconciled by age, received, commission (statements, their
        # matches, their payments, settings, per-creator rates), eligibility, snapshots, and the
        # roster counts (17).
        (Role.OWNER, 22),
        # finance: proposed matches, open issues, failed imports, unreconciled, received,
        # commission (5) (10).
        (Role.FINANCE, 15),
        # community manager: their cases, failed outbox deliveries, roster counts (3).
        (Role.COMMUNITY_MANAGER, 8),
    ],
)
def test_the_home_runs_a_fixed_number_of_queries(role, queries, agency):
    user = member(agency, role, email=f"{role}@acme.test")
    client = client_for(user)
    client.get(home(agency))  # the first visit also remembers the agency in the session
    counts = []
    for size in (1, 4):
        for _ in range(size):
            a_breached_and_a_due_case(agency)
            money_of_the_month(agency)
            DeliverableFactory(campaign__agency=agency, status=DeliverableStatus.SUBMITTED)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(home(agency)).status_code == 200
        counts.append(len(captured))
    assert counts == [queries + scoping_queries()] * 2


def test_the_api_gives_the_same_cockpit(agency, finance):
    money_of_the_month(agency)

    response = token_client(finance, agency).get(f"/api/v1/agencies/{agency.slug}/cockpit/")

    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "finance" and body["today"] == "2026-12-07"
    assert [(b["currency"], b["amount"]) for b in body["unreconciled"]] == [
        ("EUR", "250.00"),
        ("USD", "99.00"),
    ]
    received = [f for f in body["figures"] if f["key"] == "received" and f["currency"] == "EUR"]
    assert received[0]["values"][-1] == "1000.00"
    assert received[0]["months"][0] == "2026-07-01"
