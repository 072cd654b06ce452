"""The insight pages: a creator's insights (eligibility, estimates, history), manual figures,
videos and policy strikes, the RPM table, the creator page's summary and the portal."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from creators.insights.selectors import agency_today
from creators.models import (
    AccountSnapshot,
    Creator,
    InsightSettings,
    PolicyStrike,
    RpmRate,
    Video,
)
from payouts.models import PayoutStatement
from tests.factories import CreatorFactory, NicheTagFactory, SocialAccountFactory

from .insights_support import insight_creator
from .support import scoping_queries


def _insights(agency, creator) -> str:
    return reverse("creators:insights", args=[agency.slug, creator.pk])


# --- the insights page -------------------------------------------------------------------------


def test_the_insights_page_explains_each_rule(manager_client, agency):
    creator = insight_creator(agency, followers=9_688, country="NL", video_seconds=(60,))

    response = manager_client.get(_insights(agency, creator))

    body = response.content.decode()
    assert response.status_code == 200
    assert "9,688 followers: needs 312 more." in body
    assert "NL is not a supported country." in body
    assert "The last video is not longer than 1 minute (60 s)." in body
    assert "Legacy program, closed to new sign-ups" in body
    assert "not rewarded (≤ 60 s)" in body


def test_the_insights_page_shows_estimates_from_the_agencys_rpm_table(
    manager_client, agency, owner
):
    creator = insight_creator(agency, video_seconds=(61,))
    RpmRate.objects.create(
        agency=agency, program="creativity_program", rpm_low=D("1.00"), rpm_high=D("2.00")
    )

    response = manager_client.get(_insights(agency, creator))

    page = response.context["page"]
    (row,) = page.videos
    # 500 qualified views x $1.00 / 1,000 = $0.50; x $2.00 / 1,000 = $1.00 (posted in January)
    assert (row.creativity.low, row.creativity.high) == (D("0.50"), D("1.00"))
    assert "$0.50 \u2013 $1.00" in response.content.decode()


def test_forecast_accuracy_reads_the_settled_statements(manager_client, agency):
    creator = insight_creator(agency, video_seconds=(61,))
    PayoutStatement.objects.create(
        agency=agency,
        creator=creator,
        source="creativity_program",
        platform_reference="CP-2024-01",
        period_start=date(2024, 1, 2),
        period_end=date(2024, 1, 31),
        currency="USD",
        estimated_amount=D("1.00"),
        settled_amount=D("0.20"),
        settled_date=date(2024, 2, 15),
        status="settled",
    )
    PayoutStatement.objects.create(  # not settled yet: not compared
        agency=agency,
        creator=creator,
        source="creator_fund",
        platform_reference="CF-2024-02",
        period_start=date(2024, 2, 1),
        period_end=date(2024, 2, 29),
        currency="USD",
        estimated_amount=D("1.00"),
    )

    response = manager_client.get(_insights(agency, creator))

    accuracy = response.context["page"].accuracy
    (row,) = accuracy.rows
    # One video (500 qualified views) before 2 January: $0.20-$0.80 over a 30-day window,
    # for 30 days: $0.20-$0.80; settled $0.20 is in range; (0.50 - 0.20) / 0.20 = 150 %.
    assert row.statement.key == "CP-2024-01"
    assert (row.forecast.estimate.low, row.forecast.estimate.high) == (D("0.20"), D("0.80"))
    assert row.within_range is True
    assert row.error_percent == D("150.0")


@pytest.mark.parametrize("size", [5, 150])
def test_the_insights_page_costs_the_same_queries_at_any_size(
    manager_client, agency, size, django_assert_num_queries
):
    creator = insight_creator(agency, video_seconds=tuple(61 + i for i in range(size)))
    account = creator.social_accounts.get()
    AccountSnapshot.objects.bulk_create(
        AccountSnapshot(
            agency=agency,
            social_account=account,
            date=agency_today(agency) - timedelta(days=i + 1),
            followers=10_000 + i,
            views_last_30_days=100_000 + i,
        )
        for i in range(size)
    )
    for i in range(min(size, 3)):
        PolicyStrike.objects.create(
            agency=agency, creator=creator, date=date(2024, 1, 1), reason=f"s{i}"
        )
    url = _insights(agency, creator)
    manager_client.get(url)
    # savepoint, session, user, memberships + agencies; the creator, their niches, their
    # accounts; the insights: creators, TikTok accounts with latest snapshot, strikes,
    # niches, ranked videos, RPM table, Q4 uplift, rate card; the latest videos, the
    # settled statements, the history; the expected campaign bonuses (the creator's
    # deliverables: none here); the strikes, the recent snapshots, release savepoint.
    with django_assert_num_queries(22 + scoping_queries()):
        response = manager_client.get(url)
    assert len(response.context["page"].videos) == min(size, 20)


def test_another_agencys_creator_has_no_insights_here(manager_client, agency, other_agency):
    theirs = insight_creator(other_agency)

    assert manager_client.get(_insights(agency, theirs)).status_code == 404


# --- manual figures and videos -------------------------------------------------------------------


def test_a_manager_records_figures_by_hand(manager_client, agency, manager):
    creator = insight_creator(agency, followers=9_000, views=None)
    account = creator.social_accounts.get()
    url = reverse("creators:snapshot-create", args=[agency.slug, creator.pk])
    today = agency_today(agency)

    response = manager_client.post(
        url,
        {
            "account": account.pk,
            "date": today.isoformat(),
            "followers": 10_500,
            "views_last_30_days": 120_000,
            "audience_country": "GB",
        },
    )

    assert response.status_code == 302
    snap = AccountSnapshot.objects.get(social_account=account)
    assert (snap.followers, snap.views_last_30_days, snap.audience_country.code) == (
        10_500,
        120_000,
        "GB",
    )
    account.refresh_from_db()
    assert account.followers == 10_500
    entry = AuditLog.objects.get(agency=agency, action="account_snapshot.create")
    assert entry.actor == manager
    assert entry.after["account_followers"] == 10_500
    page = manager_client.get(_insights(agency, creator)).context["page"]
    assert page.insight.eligibility["creativity_program"].eligible


@pytest.mark.parametrize(
    ("field", "value"),
    [("date", "2999-01-01"), ("followers", "-1"), ("views_last_30_days", "lots")],
)
def test_bad_figures_are_reported_and_nothing_is_saved(manager_client, agency, field, value):
    creator = insight_creator(agency, views=None)
    data = {
        "account": creator.social_accounts.get().pk,
        "date": "2024-01-05",
        "followers": 100,
        "views_last_30_days": 1_000,
        field: value,
    }

    response = manager_client.post(
        reverse("creators:snapshot-create", args=[agency.slug, creator.pk]), data
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not AccountSnapshot.objects.exists()


def test_figures_cannot_be_recorded_on_another_creators_account(manager_client, agency):
    creator = insight_creator(agency, views=None)
    other = SocialAccountFactory(creator=CreatorFactory(agency=agency))

    response = manager_client.post(
        reverse("creators:snapshot-create", args=[agency.slug, creator.pk]),
        {"account": other.pk, "date": "2024-01-05", "followers": 1, "views_last_30_days": 1},
    )

    assert response.context["form"].errors["account"]
    assert not AccountSnapshot.objects.exists()


def test_a_video_is_recorded_in_the_agencys_time_zone(manager_client, agency, manager):
    creator = insight_creator(agency, video_seconds=())
    url = reverse("creators:video-create", args=[agency.slug, creator.pk])

    response = manager_client.post(
        url,
        {
            "account": creator.social_accounts.get().pk,
            "platform_video_id": "735",
            "posted_at": "2024-06-01T18:30",
            "duration_seconds": 75,
            "views": 5_000,
            "qualified_views": 2_000,
            "average_watch_seconds": "21.5",
        },
    )

    assert response.status_code == 302
    video = Video.objects.get(platform_video_id="735")
    assert video.posted_at == dt.datetime(2024, 6, 1, 16, 30, tzinfo=dt.UTC)  # Amsterdam, CEST
    assert AuditLog.objects.filter(agency=agency, action="video.create", actor=manager).exists()


def test_more_qualified_views_than_views_is_refused(manager_client, agency):
    creator = insight_creator(agency, video_seconds=())

    response = manager_client.post(
        reverse("creators:video-create", args=[agency.slug, creator.pk]),
        {
            "account": creator.social_accounts.get().pk,
            "platform_video_id": "735",
            "posted_at": "2024-06-01T18:30",
            "duration_seconds": 75,
            "views": 10,
            "qualified_views": 20,
        },
    )

    assert response.context["form"].errors["qualified_views"]
    assert not Video.objects.exists()


def test_the_figures_form_without_accounts_asks_for_an_account_first(manager_client, agency):
    creator = CreatorFactory(agency=agency)

    response = manager_client.get(
        reverse("creators:snapshot-create", args=[agency.slug, creator.pk])
    )

    assert "Link the creator's account first" in response.content.decode()


# --- policy strikes ----------------------------------------------------------------------------


def test_a_strike_takes_the_creator_out_of_good_standing_until_resolved(
    manager_client, agency, manager
):
    creator = insight_creator(agency)
    today = agency_today(agency)

    manager_client.post(
        reverse("creators:strike-create", args=[agency.slug, creator.pk]),
        {"date": today.isoformat(), "reason": "Unoriginal content"},
    )
    strike = PolicyStrike.objects.get(creator=creator)
    blocked = manager_client.get(_insights(agency, creator)).context["page"]
    manager_client.post(
        reverse("creators:strike-resolve", args=[agency.slug, creator.pk, strike.pk])
    )
    again = manager_client.post(
        reverse("creators:strike-resolve", args=[agency.slug, creator.pk, strike.pk]),
        follow=True,
    )
    cleared = manager_client.get(_insights(agency, creator)).context["page"]

    assert not blocked.insight.eligibility["creativity_program"].eligible
    assert cleared.insight.eligibility["creativity_program"].eligible
    strike.refresh_from_db()
    assert strike.resolved_on == today
    assert "already resolved" in again.content.decode()
    assert [e.action for e in AuditLog.objects.filter(agency=agency).order_by("id")] == [
        "policy_strike.create",
        "policy_strike.resolve",
    ]


def test_a_strike_in_the_future_is_refused(manager_client, agency):
    creator = insight_creator(agency)

    response = manager_client.post(
        reverse("creators:strike-create", args=[agency.slug, creator.pk]),
        {"date": "2999-01-01", "reason": "x"},
    )

    assert response.context["form"].errors["date"]
    assert not PolicyStrike.objects.exists()


def test_a_strike_is_reached_only_through_its_own_creator(manager_client, agency):
    creator = insight_creator(agency)
    other = insight_creator(agency, strikes=1)
    strike = other.policy_strikes.get()

    response = manager_client.post(
        reverse("creators:strike-resolve", args=[agency.slug, creator.pk, strike.pk])
    )

    assert response.status_code == 404


# --- the RPM table -------------------------------------------------------------------------------


def _rpm(agency) -> str:
    return reverse("creators:rpm", args=[agency.slug])


def test_the_owner_sets_replaces_and_removes_an_rpm_row(owner_client, agency, owner):
    finance = NicheTagFactory(agency=agency, name="finance")
    data = {
        "program": "creativity_program",
        "country": "US",
        "niche": finance.pk,
        "rpm_low": "0.9",
        "rpm_high": "2.1",
    }

    owner_client.post(_rpm(agency), data)
    owner_client.post(_rpm(agency), {**data, "rpm_high": "2.5"})
    rate = RpmRate.objects.get(agency=agency)
    assert (rate.rpm_low, rate.rpm_high, rate.niche) == (D("0.9000"), D("2.5000"), finance)
    owner_client.post(reverse("creators:rpm-delete", args=[agency.slug, rate.pk]))

    assert not RpmRate.objects.exists()
    assert [e.action for e in AuditLog.objects.filter(agency=agency).order_by("id")] == [
        "rpm_rate.create",
        "rpm_rate.update",
        "rpm_rate.remove",
    ]


def test_a_low_rpm_above_the_high_one_is_refused(owner_client, agency):
    response = owner_client.post(
        _rpm(agency), {"program": "creator_fund", "rpm_low": "0.05", "rpm_high": "0.01"}
    )

    assert response.context["rpm_form"].errors["rpm_high"]
    assert not RpmRate.objects.exists()


def test_another_agencys_niche_cannot_be_used(owner_client, agency, other_agency):
    theirs = NicheTagFactory(agency=other_agency, name="theirs")

    response = owner_client.post(
        _rpm(agency),
        {"program": "creator_fund", "niche": theirs.pk, "rpm_low": "0.01", "rpm_high": "0.02"},
    )

    assert response.context["rpm_form"].errors["niche"]
    assert not RpmRate.objects.exists()


def test_the_owner_tunes_the_q4_uplift(owner_client, agency, owner):
    url = reverse("creators:rpm-uplift", args=[agency.slug])

    owner_client.post(url, {"q4_uplift": "1.40"})
    refused = owner_client.post(url, {"q4_uplift": "3.50"})

    assert InsightSettings.objects.get(agency=agency).q4_uplift == D("1.40")
    assert refused.context["uplift_form"].errors["q4_uplift"]
    entry = AuditLog.objects.get(agency=agency, action="insight_settings.update")
    assert (entry.before, entry.after) == ({"q4_uplift": "1.25"}, {"q4_uplift": "1.40"})


def test_staff_read_the_rpm_table_without_forms(manager_client, agency):
    response = manager_client.get(_rpm(agency))

    assert response.status_code == 200
    assert response.context["rpm_form"] is None
    assert "$0.40 \u2013 $1.60" in response.content.decode()


# --- the creator page and the portal -------------------------------------------------------------


def test_the_creator_page_shows_eligibility_and_history_charts(manager_client, agency):
    creator = insight_creator(agency, followers=9_500)
    account = creator.social_accounts.get()
    account.snapshots.create(
        agency=agency, date=date(2024, 2, 1), followers=9_500, views_last_30_days=120_000
    )

    response = manager_client.get(reverse("creators:detail", args=[agency.slug, creator.pk]))

    body = response.content.decode()
    assert "Close to eligible" in body
    assert "9,500 followers: needs 500 more." in body
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 2


def test_a_creator_sees_their_own_insights(creator_client, creator_user, agency):
    own = Creator.objects.get(user=creator_user)
    account = SocialAccountFactory(creator=own, handle="myown", followers=9_999)
    account.snapshots.create(
        agency=agency, date=date(2024, 1, 1), followers=9_999, views_last_30_days=100_000
    )
    insight_creator(agency, display_name="Somebody Else", followers=55_555)

    response = creator_client.get(reverse("portal:insights", args=[agency.slug]))

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["creator"] == own
    assert "@myown" in body
    assert "needs 1 more" in body
    assert "55,555" not in body
    assert response.context["page"].accuracy is None


def test_a_staff_member_has_no_portal_insights(manager_client, agency):
    assert manager_client.get(reverse("portal:insights", args=[agency.slug])).status_code == 403
