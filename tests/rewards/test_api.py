"""The rewards API: pools and rules (list, create, read, change, delete), awards (list,
read), evaluate; the same services, tenants and roles as the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from agencies.models import AuditLog
from agencies.roles import Role
from rewards.evaluation import rewards_evaluate
from rewards.models import BonusAward, BonusPool, BonusRule
from tests.campaigns.factories import CampaignFactory
from tests.helpers import client_for, member, scoping_queries

from .conftest import NOW, make_pool, make_rule, snapshot, video

pytestmark = pytest.mark.django_db


def url(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def send(client, method: str, target: str, body: dict | None = None):
    return getattr(client, method)(target, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def api(agency):
    return client_for(member(agency, Role.MANAGER))


def pool_body(campaign, changes: dict | None = None) -> dict:
    return {
        "campaign": campaign.pk,
        "name": "API pool",
        "amount": "300.00",
        "currency": "EUR",
        "period_start": "2024-03-01",
        "period_end": "2024-03-31",
        **(changes or {}),
    }


def test_create_read_change_and_delete_a_pool_and_a_rule(api, agency, campaign):
    response = send(api, "post", url(agency, "bonus-pool-list"), pool_body(campaign))
    assert response.status_code == 201, response.json()
    pool_id = response.json()["id"]
    assert response.json()["remaining"] == "300.00"

    rule = {
        "pool": pool_id,
        "name": "Watch time",
        "kpi": "avg_watch_seconds",
        "threshold": "20",
        "amount": "25.00",
        "window_days": 7,
    }
    response = send(api, "post", url(agency, "bonus-rule-list"), rule)
    assert response.status_code == 201, response.json()
    rule_id = response.json()["id"]

    response = send(api, "patch", url(agency, "bonus-rule-detail", pk=rule_id), {"amount": "30"})
    assert response.json()["amount"] == "30.00"
    response = send(api, "patch", url(agency, "bonus-pool-detail", pk=pool_id), {"name": "Renamed"})
    assert response.json()["name"] == "Renamed"
    assert api.get(url(agency, "bonus-pool-detail", pk=pool_id)).json()["name"] == "Renamed"

    assert api.delete(url(agency, "bonus-rule-detail", pk=rule_id)).status_code == 204
    assert api.delete(url(agency, "bonus-pool-detail", pk=pool_id)).status_code == 204
    assert not BonusPool.objects.exists()
    assert AuditLog.objects.filter(action__startswith="bonus_").count() == 6


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"currency": "USD"}, "currency"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"period_end": "2024-01-01"}, "period_end"),
        ({"campaign": 999_999}, "campaign"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_pool_is_a_400_naming_the_field(api, agency, campaign, changes, field):
    response = send(api, "post", url(agency, "bonus-pool-list"), pool_body(campaign, changes))

    assert response.status_code == 400
    assert field in response.json()
    assert not BonusPool.objects.exists()


def test_a_rule_cannot_go_into_another_agencys_pool(api, agency, other_agency):
    theirs = make_pool(CampaignFactory(agency=other_agency))
    body = {"pool": theirs.pk, "name": "x", "kpi": "views", "threshold": "5", "amount": "1.00"}

    response = send(api, "post", url(agency, "bonus-rule-list"), body)

    assert response.status_code == 400
    assert "pool" in response.json()
    assert not BonusRule.objects.exists()


def test_a_rule_with_a_bad_threshold_is_refused(api, agency, pool):
    body = {"pool": pool.pk, "name": "x", "kpi": "completion_100", "threshold": "101"}

    response = send(api, "post", url(agency, "bonus-rule-list"), {**body, "amount": "5.00"})

    assert response.status_code == 400
    assert "up to 100" in response.json()["threshold"][0]


def test_a_pool_with_awards_cannot_be_deleted(api, agency, campaign, pool, rule):
    snapshot(video(campaign, posted=NOW - dt.timedelta(days=4)), hours=3, views=20_000)
    rewards_evaluate(agency=agency, now=NOW)

    response = api.delete(url(agency, "bonus-pool-detail", pk=pool.pk))

    assert response.status_code == 400
    assert BonusPool.objects.filter(pk=pool.pk).exists()


def test_awards_list_and_detail_show_the_expected_statement(api, agency, campaign, pool, rule):
    asset = video(campaign, posted=NOW - dt.timedelta(days=4))
    snapshot(asset, hours=3, views=20_000)
    rewards_evaluate(agency=agency, now=NOW)
    award = BonusAward.objects.get()

    listing = api.get(url(agency, "bonus-award-list"), {"campaign": campaign.pk}).json()
    detail = api.get(url(agency, "bonus-award-detail", pk=award.pk)).json()

    assert listing["count"] == 1
    assert detail["deliverable"] == asset.pk
    assert detail["amount"] == "100.00"
    assert detail["statement"] == award.statement_id
    assert detail["statement_status"] == "estimated"
    assert detail["campaign_code"] == "SPRING-24"


def test_evaluate_queues_the_evaluation(
    api, agency, campaign, pool, rule, django_capture_on_commit_callbacks
):
    snapshot(video(campaign, posted=NOW - dt.timedelta(days=4)), hours=3, views=20_000)

    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True) as queued,
    ):
        response = api.post(url(agency, "bonus-evaluate"))

    assert response.status_code == 202
    assert len(queued) == 1
    assert BonusAward.objects.count() == 1


@pytest.mark.parametrize(
    "name, queries, what",
    [
        ("bonus-pool-list", 2, "count, the page with its campaign"),
        ("bonus-rule-list", 2, "count, the page with its pool"),
        ("bonus-award-list", 2, "count, the page with everything it shows joined"),
    ],
)
@pytest.mark.parametrize("size", [2, 25])
def test_each_list_costs_the_same_queries_whatever_its_size(
    api, agency, size, name, queries, what, django_assert_num_queries
):
    campaign = CampaignFactory(agency=agency, code=f"Q-{size}")
    pool = make_pool(campaign, amount="100000.00")
    make_rule(pool)
    for i in range(size):
        snapshot(video(campaign, posted=NOW - dt.timedelta(days=5, hours=i)), hours=1, views=20_000)
        make_pool(campaign, name=f"Pool {i}")
    rewards_evaluate(agency=agency, now=NOW)
    for i in range(size):
        make_rule(pool, threshold=str(100 + i))
    target = url(agency, name)
    api.get(target)
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), then: {what}.
    with django_assert_num_queries(5 + queries + scoping_queries()):
        response = api.get(target)
    assert response.status_code == 200
    assert response.json()["count"] >= size
    assert BonusAward.objects.count() == size


def test_another_agencys_objects_are_404(api, agency, other_agency):
    theirs = make_pool(CampaignFactory(agency=other_agency))
    their_rule = make_rule(theirs)

    assert api.get(url(agency, "bonus-pool-detail", pk=theirs.pk)).status_code == 404
    assert (
        send(api, "patch", url(agency, "bonus-rule-detail", pk=their_rule.pk), {}).status_code
        == 404
    )
    assert api.delete(url(agency, "bonus-pool-detail", pk=theirs.pk)).status_code == 404
    assert api.get(url(other_agency, "bonus-pool-list")).status_code == 404
    assert BonusPool.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.COMMUNITY_MANAGER, Role.CREATOR])
def test_roles_outside_owner_and_manager_cannot_write(agency, campaign, role):
    client = client_for(member(agency, role))

    response = send(client, "post", url(agency, "bonus-pool-list"), pool_body(campaign))

    assert response.status_code == 403
    assert client.post(url(agency, "bonus-evaluate")).status_code == 403
    read = client.get(url(agency, "bonus-award-list")).status_code
    assert read == (200 if role == Role.FINANCE else 403)
    assert not BonusPool.objects.exists()
