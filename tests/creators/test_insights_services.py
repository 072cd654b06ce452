"""The insight services one by one: what each refuses, what it writes, what it audits; and the
query cost of the remaining lists (videos, the creator's own snapshots, the RPM table)."""

from __future__ import annotations

import datetime as dt
import io
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditLog
from creators.insights import services as insight_services
from creators.insights.eligibility import VIEWS, evaluate_program
from creators.insights.selectors import agency_today
from creators.models import (
    AccountSnapshot,
    Creator,
    NicheTag,
    Program,
    RpmRate,
    Video,
)
from tests.factories import CreatorFactory, SocialAccountFactory

from .insights_support import eligible_facts, insight_creator
from .support import scoping_queries


@pytest.fixture
def account(agency):
    return SocialAccountFactory(creator=CreatorFactory(agency=agency), followers=5_000)


def test_a_snapshot_sets_the_followers_only_when_it_is_the_newest(agency, manager, account):
    insight_services.account_snapshot_record(
        account=account, actor=manager, date=date(2024, 5, 2), followers=7_000,
        views_last_30_days=10,
    )  # fmt: skip
    insight_services.account_snapshot_record(
        account=account, actor=manager, date=date(2024, 5, 1), followers=6_000,
        views_last_30_days=10,
    )  # fmt: skip

    account.refresh_from_db()
    assert account.followers == 7_000
    assert AccountSnapshot.objects.filter(social_account=account).count() == 2


def test_recording_the_same_figures_again_writes_no_audit_entry(agency, manager, account):
    kwargs = {"date": date(2024, 5, 2), "followers": 7_000, "views_last_30_days": 10}

    _snap, created = insight_services.account_snapshot_record(
        account=account, actor=manager, **kwargs
    )
    _snap, created_again = insight_services.account_snapshot_record(
        account=account, actor=manager, **kwargs
    )

    assert (created, created_again) == (True, False)
    assert AuditLog.objects.filter(object_type="creators.accountsnapshot").count() == 1


def test_a_snapshot_in_the_agencys_future_is_refused(agency, manager, account):
    tomorrow = agency_today(agency) + timedelta(days=1)

    with pytest.raises(ValidationError) as raised:
        insight_services.account_snapshot_record(
            account=account, actor=manager, date=tomorrow, followers=1, views_last_30_days=1
        )

    assert "date" in raised.value.message_dict
    assert not AccountSnapshot.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration_seconds": 0}, "duration_seconds"),
        ({"qualified_views": 11}, "qualified_views"),
        ({"posted_at": timezone.now() + timedelta(days=1)}, "posted_at"),
        ({"platform_video_id": ""}, "platform_video_id"),
    ],
)
def test_a_bad_video_is_refused_whole(agency, manager, account, change, field):
    values = {
        "platform_video_id": "v1",
        "posted_at": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        "duration_seconds": 61,
        "views": 10,
        "qualified_views": 5,
        **change,
    }

    with pytest.raises(ValidationError) as raised:
        insight_services.video_record(account=account, actor=manager, **values)

    assert field in raised.value.message_dict
    assert not Video.objects.exists()


def test_a_strike_cannot_be_resolved_before_it_happened(agency, manager):
    creator = insight_creator(agency)
    strike = insight_services.policy_strike_add(
        creator=creator, actor=manager, date=date(2024, 5, 10), reason="Spam"
    )

    with pytest.raises(ValidationError):
        insight_services.policy_strike_resolve(
            strike=strike, actor=manager, resolved_on=date(2024, 5, 9)
        )

    strike.refresh_from_db()
    assert strike.resolved_on is None
    entry = AuditLog.objects.get(action="policy_strike.create")
    assert entry.after == {"date": "2024-05-10", "reason": "Spam", "creator": creator.pk}


def test_an_rpm_row_with_another_agencys_niche_is_refused(agency, other_agency, owner):
    theirs = NicheTag.objects.create(agency=other_agency, name="theirs")

    with pytest.raises(ValidationError):
        insight_services.rpm_rate_set(
            agency=agency, actor=owner, program=Program.CREATOR_FUND, country="", niche=theirs,
            rpm_low=D("0.01"), rpm_high=D("0.02"),
        )  # fmt: skip

    assert not RpmRate.objects.exists()


def test_the_views_rule_says_how_old_the_figures_are():
    facts = eligible_facts(views_last_30_days=99_000, views_as_of=date(2024, 3, 1))

    result = evaluate_program(Program.CREATIVITY_PROGRAM, facts, today=date(2024, 6, 1))

    views = next(rule for rule in result.rules if rule.key == VIEWS)
    assert views.message == "99,000 views: needs 1,000 more (as of 2024-03-01)."


# --- the cost of the remaining lists ----------------------------------------------------------


@pytest.mark.parametrize("size", [5, 200])
def test_the_video_list_costs_the_same_queries_at_any_size(
    finance_client, agency, size, django_assert_num_queries
):
    creator = insight_creator(agency, video_seconds=tuple(range(30, 30 + size)))
    url = reverse("api:creator-video-list", args=[agency.slug, creator.pk])
    finance_client.get(url)
    # savepoint, session, user, memberships + agencies, the creator, count, the page of
    # videos, release savepoint.
    with django_assert_num_queries(8 + scoping_queries()):
        response = finance_client.get(url)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [5, 200])
def test_the_creators_own_snapshot_list_costs_the_same_queries_at_any_size(
    creator_client, creator_user, agency, size, django_assert_num_queries
):
    own = Creator.objects.get(user=creator_user)
    account = SocialAccountFactory(creator=own)
    AccountSnapshot.objects.bulk_create(
        AccountSnapshot(
            agency=agency,
            social_account=account,
            date=date(2024, 1, 1) - timedelta(days=i),
            followers=i,
            views_last_30_days=i,
        )
        for i in range(size)
    )
    url = reverse("api:me-snapshots", args=[agency.slug])
    creator_client.get(url)
    # savepoint, session, user, memberships + agencies, the own creator (with its niches and
    # accounts), count, the page of snapshots, release savepoint.
    with django_assert_num_queries(10 + scoping_queries()):
        response = creator_client.get(url)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [3, 60])
def test_the_rpm_table_costs_the_same_queries_at_any_size(
    owner_client, agency, size, django_assert_num_queries
):
    tags = NicheTag.objects.bulk_create(
        NicheTag(agency=agency, name=f"niche {i}") for i in range(size)
    )
    RpmRate.objects.bulk_create(
        RpmRate(agency=agency, program="creativity_program", niche=tag, rpm_low=1, rpm_high=2)
        for tag in tags
    )
    url = reverse("creators:rpm", args=[agency.slug])
    owner_client.get(url)
    # savepoint, session, user, memberships + agencies, the Q4 uplift, the rows with their
    # niches, the niche choices of the form, release savepoint.
    with django_assert_num_queries(8 + scoping_queries()):
        response = owner_client.get(url)
    assert len(response.context["rates"]) == size


@pytest.mark.django_db
def test_the_demo_has_figures_and_videos_and_a_second_run_adds_none():
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    counts = (AccountSnapshot.objects.count(), Video.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert counts[0] > 0 and counts[1] > 0
    assert (AccountSnapshot.objects.count(), Video.objects.count()) == counts
