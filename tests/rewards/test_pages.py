"""The bonus pages: pools and rules on a campaign (create, edit, delete, all audited), the
awards list (filters, sort, pages, empty state), "evaluate now"; tenants and roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from agencies.models import AuditLog
from agencies.roles import Role
from rewards.evaluation import rewards_evaluate
from rewards.models import BonusAward, BonusPool, BonusRule
from tests.campaigns.factories import CampaignFactory, ContractFactory
from tests.helpers import client_for, member, scoping_queries

from .conftest import NOW, make_pool, make_rule, snapshot, video

pytestmark = pytest.mark.django_db


def url(agency, name, **kwargs) -> str:
    return reverse(f"rewards:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


@pytest.fixture
def manager_client(agency):
    return client_for(member(agency, Role.MANAGER))


POOL = {
    "name": "Launch pool",
    "amount": "1000.00",
    "currency": "EUR",
    "period_start": "2024-03-01",
    "period_end": "2024-03-31",
}
RULE = {
    "name": "Views over 50k",
    "kpi": "views",
    "threshold": "50000",
    "amount": "150.00",
    "window_days": "14",
    "deliverable_kind": "video",
}


def test_a_manager_creates_a_pool_and_a_rule_from_the_campaign_page(
    manager_client, agency, campaign
):
    response = manager_client.post(url(agency, "pool-create", pk=campaign.pk), POOL)
    assert response.status_code == 302
    pool = BonusPool.objects.get()
    assert (pool.amount, pool.campaign_id) == (Decimal("1000.00"), campaign.pk)

    response = manager_client.post(url(agency, "rule-create", pk=pool.pk), RULE)
    assert response.status_code == 302
    rule = BonusRule.objects.get()
    assert (rule.kpi, rule.threshold, rule.window_days) == ("views", Decimal("50000"), 14)

    page = manager_client.get(url(agency, "campaign", pk=campaign.pk)).content.decode()
    assert "Launch pool" in page and "Views over 50k" in page
    assert set(AuditLog.objects.values_list("action", flat=True)) >= {
        "bonus_pool.create",
        "bonus_rule.create",
    }


def test_edit_and_delete_are_audited(manager_client, agency, pool, rule):
    response = manager_client.post(
        url(agency, "rule-edit", pk=rule.pk), {**RULE, "threshold": "60000"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.threshold == Decimal("60000")

    manager_client.post(url(agency, "pool-edit", pk=pool.pk), {**POOL, "amount": "800.00"})
    manager_client.post(url(agency, "rule-delete", pk=rule.pk))
    manager_client.post(url(agency, "pool-delete", pk=pool.pk))

    assert not BonusPool.objects.exists()
    actions = list(AuditLog.objects.values_list("action", flat=True))
    for action in ("bonus_rule.update", "bonus_pool.update", "bonus_rule.delete"):
        assert action in actions
    assert "bonus_pool.delete" in actions


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"currency": "USD"}, "currency", "campaign's currency (EUR)"),
        ({"amount": "0"}, "amount", "above zero"),
        ({"amount": "10.005"}, "amount", "decimal"),
        ({"period_end": "2024-02-01"}, "period_end", "end on or after"),
        ({"amount": "abc"}, "amount", "number"),
    ],
)
def test_a_bad_pool_is_refused_with_a_clear_message_and_nothing_saved(
    manager_client, agency, campaign, changes, field, message
):
    response = manager_client.post(url(agency, "pool-create", pk=campaign.pk), {**POOL, **changes})

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not BonusPool.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="bonus_").exists()


def test_the_pool_must_be_in_the_contracts_currency(manager_client, agency):
    contract = ContractFactory(agency=agency, currency="USD")
    campaign = CampaignFactory(agency=agency, sponsor=contract.sponsor, contract=contract)

    response = manager_client.post(url(agency, "pool-create", pk=campaign.pk), POOL)

    assert response.status_code == 400
    assert "contract's currency (USD)" in response.context["form"].errors["currency"][0]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"threshold": "0"}, "threshold", "above zero"),
        ({"threshold": "-5"}, "threshold", "above zero"),
        ({"kpi": "completion_100", "threshold": "120"}, "threshold", "up to 100"),
        ({"threshold": "10.5"}, "threshold", "whole numbers"),
        ({"amount": "5000.00"}, "amount", "cannot exceed the pool"),
        ({"window_days": "0"}, "window_days", "1"),
        ({"kpi": "likes"}, "kpi", "valid choice"),
    ],
)
def test_a_bad_rule_is_refused_with_a_clear_message(
    manager_client, agency, pool, changes, field, message
):
    response = manager_client.post(url(agency, "rule-create", pk=pool.pk), {**RULE, **changes})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not BonusRule.objects.exists()


def awarded(agency, campaign, rule, n=1):
    for i in range(n):
        snapshot(
            video(campaign, posted=NOW - dt.timedelta(days=10, hours=i)), hours=5, views=11_000
        )
    rewards_evaluate(agency=agency, now=NOW)


def test_a_pool_that_awarded_cannot_shrink_below_it_or_be_removed(
    manager_client, agency, campaign, pool, rule
):
    awarded(agency, campaign, rule)

    response = manager_client.post(
        url(agency, "pool-edit", pk=pool.pk), {**POOL, "amount": "50.00"}
    )
    assert response.status_code == 400
    assert "already awarded" in str(response.context["form"].errors)

    response = manager_client.post(url(agency, "pool-delete", pk=pool.pk), follow=True)
    assert "stays as the record" in response.content.decode()
    assert BonusPool.objects.filter(pk=pool.pk).exists()


def test_the_awards_list_filters_sorts_and_pages(manager_client, agency, campaign, pool, rule):
    awarded(agency, campaign, rule, n=3)
    other_campaign = CampaignFactory(agency=agency, code="OTHER-1")

    page = manager_client.get(url(agency, "awards"))
    assert page.status_code == 200
    assert len(page.context["page_obj"]) == 3

    by_campaign = manager_client.get(url(agency, "awards"), {"campaign": other_campaign.pk})
    assert len(by_campaign.context["page_obj"]) == 0
    assert "No awards match these filters" in by_campaign.content.decode()

    by_amount = manager_client.get(url(agency, "awards"), {"sort": "-amount"})
    assert [a.amount for a in by_amount.context["page_obj"]] == [Decimal("100.00")] * 3

    bad = manager_client.get(url(agency, "awards"), {"awarded_from": "yesterday"})
    assert bad.status_code == 400


def test_the_awards_list_without_awards_says_what_to_do(manager_client, agency):
    body = manager_client.get(url(agency, "awards")).content.decode()
    assert "No bonuses awarded yet" in body


def test_the_awards_list_costs_the_same_queries_for_2_or_30_awards(
    manager_client, agency, campaign, django_assert_num_queries
):
    pool = make_pool(campaign, amount="10000.00")
    rule = make_rule(pool)
    awarded(agency, campaign, rule, n=2)
    target = url(agency, "awards")
    manager_client.get(target)
    # session, user, memberships + agencies, savepoint + release (ATOMIC_REQUESTS), count, the
    # filter's campaigns and creators choices (2), the page of awards with rule, pool, campaign,
    # deliverable, creator, statement joined.
    with django_assert_num_queries(9 + scoping_queries()):
        assert manager_client.get(target).status_code == 200
    awarded(agency, campaign, rule, n=28)
    with django_assert_num_queries(9 + scoping_queries()):
        assert len(manager_client.get(target).context["page_obj"]) == 30


def test_evaluate_now_runs_the_evaluation(
    manager_client, agency, campaign, pool, rule, django_capture_on_commit_callbacks
):
    snapshot(video(campaign, posted=NOW - dt.timedelta(days=3)), hours=5, views=11_000)

    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = manager_client.post(url(agency, "evaluate"))

    assert response.status_code == 302
    assert BonusAward.objects.count() == 1


def test_another_agencys_pool_rule_and_campaign_are_404(agency, other_agency, manager_client):
    theirs = make_pool(CampaignFactory(agency=other_agency))
    their_rule = make_rule(theirs)

    for response in (
        manager_client.get(url(agency, "campaign", pk=theirs.campaign_id)),
        manager_client.get(url(agency, "pool-edit", pk=theirs.pk)),
        manager_client.post(url(agency, "pool-delete", pk=theirs.pk)),
        manager_client.post(url(agency, "rule-edit", pk=their_rule.pk), RULE),
        manager_client.post(url(agency, "rule-delete", pk=their_rule.pk)),
        manager_client.post(url(agency, "rule-create", pk=theirs.pk), RULE),
    ):
        assert response.status_code == 404
    assert BonusPool.objects.filter(pk=theirs.pk).exists()
    assert BonusRule.objects.get(pk=their_rule.pk).threshold == Decimal("10000")


@pytest.mark.parametrize("role", [Role.FINANCE, Role.COMMUNITY_MANAGER, Role.CREATOR])
def test_only_owners_and_managers_change_pools(agency, campaign, pool, role):
    client = client_for(member(agency, role))

    response = client.post(url(agency, "pool-create", pk=campaign.pk), POOL)
    assert response.status_code == 403
    assert client.post(url(agency, "evaluate")).status_code == 403
    assert BonusPool.objects.count() == 1
    expected = 200 if role == Role.FINANCE else 403
    assert client.get(url(agency, "awards")).status_code == expected


def test_the_campaign_bonus_page_costs_the_same_queries_for_1_or_12_pools(
    manager_client, agency, campaign, django_assert_num_queries
):
    make_rule(make_pool(campaign))
    target = url(agency, "campaign", pk=campaign.pk)
    manager_client.get(target)
    # session, user, memberships + agencies, savepoint + release (ATOMIC_REQUESTS), the campaign
    # with its contract, the pools, their rules (prefetched).
    with django_assert_num_queries(8 + scoping_queries()):
        assert manager_client.get(target).status_code == 200
    for _ in range(11):
        pool = make_pool(campaign)
        make_rule(pool)
        make_rule(pool, kpi="conversions", threshold="3")
    with django_assert_num_queries(8 + scoping_queries()):
        response = manager_client.get(target)
    assert response.content.decode().count('data-testid="bonus-pool"') == 12
