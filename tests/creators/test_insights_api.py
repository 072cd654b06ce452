"""The insight API: snapshots and videos (list, record), eligibility, estimates, the roster's
eligibility list, and the creator's own `me/` endpoints; pinned query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import AuditLog, Membership
from agencies.tokens import api_token_create
from creators.insights.selectors import agency_today
from creators.models import AccountSnapshot, Creator, MetricsSource, Video
from tests.factories import CreatorFactory, SocialAccountFactory

from .insights_support import insight_creator
from .roster_data import bulk_roster
from .support import scoping_queries

JSON = "application/json"


def token_client(user, agency) -> Client:
    membership = Membership.objects.get(user=user, agency=agency)
    _, raw = api_token_create(membership=membership, name="test", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


@pytest.fixture
def manager_api(manager, agency):
    return token_client(manager, agency)


def _url(name, agency, creator=None) -> str:
    args = [agency.slug] if creator is None else [agency.slug, creator.pk]
    return reverse(f"api:{name}", args=args)


# --- snapshots -------------------------------------------------------------------------------


def test_a_snapshot_is_recorded_then_corrected_through_the_api(manager_api, agency, manager):
    creator = insight_creator(agency, views=None)
    account = creator.social_accounts.get()
    url = _url("creator-snapshot-list", agency, creator)
    body = {
        "social_account": account.pk,
        "date": "2024-03-01",
        "followers": 10_200,
        "views_last_30_days": 99_000,
        "audience_country": "us",
    }

    created = manager_api.post(url, body, content_type=JSON)
    corrected = manager_api.post(url, {**body, "views_last_30_days": 101_000}, content_type=JSON)

    assert created.status_code == 201
    assert created.json()["audience_country"] == "US"
    assert created.json()["source"] == "api"
    assert corrected.status_code == 200
    snap = AccountSnapshot.objects.get(social_account=account)
    assert (snap.views_last_30_days, snap.source) == (101_000, MetricsSource.API)
    assert list(
        AuditLog.objects.filter(
            agency=agency, actor=manager, object_type="creators.accountsnapshot"
        )
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["account_snapshot.create", "account_snapshot.update"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2999-01-01"}, "date"),
        ({"followers": -1}, "followers"),
        ({"views_last_30_days": "many"}, "views_last_30_days"),
        ({"audience_country": "XX"}, "audience_country"),
        ({"social_account": None}, "social_account"),
    ],
)
def test_a_bad_snapshot_is_a_400_naming_the_field(manager_api, agency, change, field):
    creator = insight_creator(agency, views=None)
    body = {
        "social_account": creator.social_accounts.get().pk,
        "date": "2024-03-01",
        "followers": 1,
        "views_last_30_days": 1,
        **change,
    }

    response = manager_api.post(
        _url("creator-snapshot-list", agency, creator), body, content_type=JSON
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not AccountSnapshot.objects.exists()


def test_a_snapshot_cannot_name_another_creators_account(manager_api, agency, other_agency):
    creator = insight_creator(agency, views=None)
    for account in (
        SocialAccountFactory(creator=CreatorFactory(agency=agency)),
        SocialAccountFactory(creator=CreatorFactory(agency=other_agency)),
    ):
        response = manager_api.post(
            _url("creator-snapshot-list", agency, creator),
            {"social_account": account.pk, "date": "2024-03-01", "followers": 1,
             "views_last_30_days": 1},
            content_type=JSON,
        )  # fmt: skip
        assert response.status_code == 400
        assert "social_account" in response.json()
    assert not AccountSnapshot.objects.exists()


def test_finance_reads_snapshots_but_cannot_record_them(finance_client, agency):
    creator = insight_creator(agency)
    url = _url("creator-snapshot-list", agency, creator)

    assert finance_client.get(url).json()["count"] == 1
    response = finance_client.post(url, {}, content_type=JSON)

    assert response.status_code == 403


def _many_snapshots(agency, creator, n):
    account = creator.social_accounts.get()
    today = agency_today(agency)
    AccountSnapshot.objects.bulk_create(
        AccountSnapshot(
            agency=agency,
            social_account=account,
            date=today - timedelta(days=i + 10),
            followers=i,
            views_last_30_days=i,
        )
        for i in range(n)
    )


@pytest.mark.parametrize("size", [5, 300])
def test_the_snapshot_list_costs_the_same_queries_at_any_size(
    manager_api, agency, size, django_assert_num_queries
):
    creator = insight_creator(agency)
    _many_snapshots(agency, creator, size)
    url = _url("creator-snapshot-list", agency, creator)
    manager_api.get(url)
    # savepoint, the token with membership, user and agency (the URL's agency's membership
    # too), the creator, count, the page of snapshots, release savepoint.
    with django_assert_num_queries(6 + scoping_queries()):
        response = manager_api.get(url)
    body = response.json()
    assert body["count"] == size + 1
    assert len(body["results"]) == min(size + 1, 50)
    dates = [row["date"] for row in body["results"]]
    assert dates == sorted(dates, reverse=True)


def test_the_snapshot_list_filters_by_account(manager_api, agency):
    creator = insight_creator(agency)
    other = SocialAccountFactory(creator=creator, platform="instagram")
    other.snapshots.create(agency=agency, date=date(2024, 1, 1), followers=1, views_last_30_days=1)

    response = manager_api.get(
        _url("creator-snapshot-list", agency, creator), {"account": other.pk}
    )

    assert [row["social_account"] for row in response.json()["results"]] == [other.pk]


# --- videos ----------------------------------------------------------------------------------


def test_a_video_is_recorded_then_updated_by_its_id(manager_api, agency):
    creator = insight_creator(agency, video_seconds=())
    url = _url("creator-video-list", agency, creator)
    body = {
        "social_account": creator.social_accounts.get().pk,
        "platform_video_id": "735",
        "posted_at": "2024-03-01T18:30:00+01:00",
        "duration_seconds": 61,
        "views": 1_000,
        "qualified_views": 600,
        "average_watch_seconds": "12.30",
    }

    assert manager_api.post(url, body, content_type=JSON).status_code == 201
    updated = manager_api.post(url, {**body, "views": 2_000}, content_type=JSON)
    bad = manager_api.post(url, {**body, "qualified_views": 5_000}, content_type=JSON)

    assert updated.status_code == 200
    assert Video.objects.get().views == 2_000
    assert bad.status_code == 400
    assert "qualified_views" in bad.json()
    assert manager_api.get(url).json()["results"][0]["platform_video_id"] == "735"


# --- eligibility and estimates ---------------------------------------------------------------


def test_the_eligibility_endpoint_lists_each_rule(finance_client, agency):
    creator = insight_creator(agency, followers=9_999)

    body = finance_client.get(_url("creator-eligibility", agency, creator)).json()

    cp, cf = body["programs"]
    assert (cp["program"], cp["status"], cf["program"]) == (
        "creativity_program",
        "close",
        "creator_fund",
    )
    assert cf["closed_to_new_members"] is True
    followers = next(rule for rule in cp["rules"] if rule["rule"] == "followers")
    assert followers == {
        "rule": "followers",
        "label": "At least 10,000 followers",
        "passed": False,
        "message": "9,999 followers: needs 1 more.",
        "shortfall": 1,
        "advisory": False,
    }
    assert body["account"]["followers"] == 9_999
    assert body["tier"] is None


def test_the_estimates_endpoint_gives_ranges_in_dollars(finance_client, agency):
    creator = insight_creator(agency, video_seconds=(61, 60))

    body = finance_client.get(_url("creator-estimates", agency, creator)).json()

    assert body["currency"] == "USD"
    assert body["q4_uplift"] == "1.25"
    long_one, short_one = body["videos"]
    # 500 qualified views x $0.40-$1.60 / 1,000 = $0.20-$0.80; 1,000 views x $0.02-$0.04
    assert long_one["creativity_program"] == {"low": "0.20", "high": "0.80"}
    assert long_one["creator_fund"] == {"low": "0.02", "high": "0.04"}
    assert short_one["creativity_program"] == {"low": "0.00", "high": "0.00"}
    cp = body["programs"][0]
    assert cp["rpm"] == {"low": "0.4000", "high": "1.6000", "source": "default"}
    assert body["accuracy"] == {
        "compared": 0,
        "within_range": 0,
        "mean_absolute_error_percent": None,
        "statements": [],
    }


def test_the_roster_eligibility_list_uses_the_roster_filters(manager_api, agency):
    insight_creator(agency, display_name="Ella Eligible")
    insight_creator(agency, display_name="Cleo Close", followers=9_500)

    everyone = manager_api.get(_url("eligibility-list", agency)).json()
    close = manager_api.get(
        _url("eligibility-list", agency), {"eligibility": "creativity_program-close"}
    ).json()

    assert [row["display_name"] for row in everyone["results"]] == ["Cleo Close", "Ella Eligible"]
    assert [row["display_name"] for row in close["results"]] == ["Cleo Close"]
    assert close["results"][0]["programs"][0]["status"] == "close"


@pytest.mark.parametrize("size", [10, 300])
def test_the_roster_eligibility_list_costs_the_same_queries_at_any_size(
    manager_api, agency, manager, size, django_assert_num_queries
):
    bulk_roster(agency, size, manager=manager)
    url = _url("eligibility-list", agency)
    manager_api.get(url)
    # savepoint, the token with its membership, count, the page of creators; the insights of
    # the page: creators, TikTok accounts, strikes, niches, videos, RPM table, Q4 uplift,
    # rate card; release savepoint.
    with django_assert_num_queries(13 + scoping_queries()):
        response = manager_api.get(url)
    assert len(response.json()["results"]) == min(size, 50)


# --- the creator's own -------------------------------------------------------------------------


def test_a_creator_reads_only_their_own_insights(creator_user, agency):
    own = Creator.objects.get(user=creator_user)
    account = SocialAccountFactory(creator=own, followers=12_000)
    account.snapshots.create(
        agency=agency, date=date(2024, 1, 1), followers=12_000, views_last_30_days=100_000
    )
    someone = insight_creator(agency, followers=77_777)
    api = token_client(creator_user, agency)

    eligibility = api.get(_url("me-eligibility", agency)).json()
    estimates = api.get(_url("me-estimates", agency)).json()
    snapshots = api.get(_url("me-snapshots", agency)).json()

    assert eligibility["creator"] == own.pk
    assert eligibility["account"]["followers"] == 12_000
    assert estimates["creator"] == own.pk
    assert estimates["accuracy"] is None
    assert [row["social_account"] for row in snapshots["results"]] == [account.pk]
    assert api.get(_url("creator-eligibility", agency, someone)).status_code == 403


def test_a_creator_login_without_a_profile_gets_404(creator_user, agency):
    Creator.objects.filter(user=creator_user).delete()
    api = token_client(creator_user, agency)

    assert api.get(_url("me-eligibility", agency)).status_code == 404
    assert api.get(_url("me-snapshots", agency)).status_code == 404


def test_the_schema_describes_the_insight_endpoints(manager_client):
    schema = manager_client.get(reverse("api-schema")).content.decode()

    for path in (
        "/creators/{id}/snapshots/",
        "/creators/{id}/eligibility/",
        "/creators/{id}/estimates/",
        "/eligibility/",
        "/rate-card/",
        "/me/estimates/",
    ):
        assert f"/api/v1/agencies/{{agency_slug}}{path}" in schema
