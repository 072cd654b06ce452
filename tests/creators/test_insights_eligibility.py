"""Program eligibility, rule by rule, at every boundary; the roster's "eligible" and "close to
eligible" filters (HTML and API) and their agreement with the pure rules."""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from creators.insights import eligibility as rules
from creators.insights.eligibility import evaluate, evaluate_program
from creators.insights.selectors import agency_today, creator_insights, filter_by_eligibility
from creators.models import Creator, EligibilityStatus, PolicyStrike, Program
from tests.factories import AgencyFactory

from .insights_support import eligible_facts, insight_creator
from .roster_data import bulk_roster
from .support import roster_url, scoping_queries

CP = Program.CREATIVITY_PROGRAM
CF = Program.CREATOR_FUND
TODAY = date(2024, 6, 16)


def _rule(result, key):
    return next(r for r in result.rules if r.key == key)


# --- thresholds ------------------------------------------------------------------------------


@pytest.mark.parametrize("program", [CP, CF])
def test_exactly_10000_followers_and_100000_views_are_enough(program):
    result = evaluate_program(program, eligible_facts(), today=TODAY)

    assert result.status == EligibilityStatus.ELIGIBLE
    assert _rule(result, rules.FOLLOWERS).passed
    assert _rule(result, rules.VIEWS).passed


@pytest.mark.parametrize("program", [CP, CF])
def test_9999_followers_miss_by_one_and_are_close(program):
    result = evaluate_program(program, eligible_facts(followers=9_999), today=TODAY)

    followers = _rule(result, rules.FOLLOWERS)
    assert not followers.passed
    assert followers.shortfall == 1
    assert followers.message == "9,999 followers: needs 1 more."
    assert result.status == EligibilityStatus.CLOSE
    assert result.failing == (rules.FOLLOWERS,)


def test_99999_views_miss_by_one():
    result = evaluate_program(CP, eligible_facts(views_last_30_days=99_999), today=TODAY)

    views = _rule(result, rules.VIEWS)
    assert not views.passed
    assert views.shortfall == 1
    assert "needs 1 more" in views.message


def test_the_message_says_how_many_followers_are_missing():
    result = evaluate_program(CP, eligible_facts(followers=9_688), today=TODAY)

    assert _rule(result, rules.FOLLOWERS).message == "9,688 followers: needs 312 more."


@pytest.mark.parametrize(
    ("followers", "views", "status"),
    [
        (9_000, 100_000, EligibilityStatus.CLOSE),  # exactly 10 % short
        (8_999, 100_000, EligibilityStatus.NOT_ELIGIBLE),
        (10_000, 90_000, EligibilityStatus.CLOSE),
        (10_000, 89_999, EligibilityStatus.NOT_ELIGIBLE),
        (9_000, 90_000, EligibilityStatus.CLOSE),  # both short, both within 10 %
    ],
)
def test_close_to_eligible_means_within_10_percent_of_each_threshold(followers, views, status):
    facts = eligible_facts(followers=followers, views_last_30_days=views)

    assert evaluate_program(CP, facts, today=TODAY).status == status


def test_a_creator_short_of_followers_and_another_rule_is_not_close():
    facts = eligible_facts(followers=9_500, country="NL")

    assert evaluate_program(CP, facts, today=TODAY).status == EligibilityStatus.NOT_ELIGIBLE


def test_missing_account_or_metrics_are_explained():
    result = evaluate_program(
        CP, eligible_facts(followers=None, views_last_30_days=None), today=TODAY
    )

    assert _rule(result, rules.FOLLOWERS).message == "No TikTok account linked."
    assert "No metrics recorded yet" in _rule(result, rules.VIEWS).message
    assert result.status == EligibilityStatus.NOT_ELIGIBLE


# --- countries, account type, standing, video length ----------------------------------------


@pytest.mark.parametrize("country", ["US", "GB", "FR", "DE", "ES", "IT"])
def test_the_creator_fund_countries(country):
    result = evaluate_program(CF, eligible_facts(country=country), today=TODAY)

    assert result.eligible


@pytest.mark.parametrize("country", ["NL", "BE", "CA", "JP", "BR", ""])
def test_other_countries_are_not_in_the_creator_fund(country):
    result = evaluate_program(CF, eligible_facts(country=country), today=TODAY)

    assert not _rule(result, rules.COUNTRY).passed
    assert result.status == EligibilityStatus.NOT_ELIGIBLE


@pytest.mark.parametrize("country", ["US", "GB", "FR", "DE", "ES", "IT", "JP", "KR", "BR"])
def test_the_creativity_program_countries(country):
    assert evaluate_program(CP, eligible_facts(country=country), today=TODAY).eligible


@pytest.mark.parametrize("country", ["NL", "CA", "MX", "IN"])
def test_other_countries_are_not_in_the_creativity_program(country):
    result = evaluate_program(CP, eligible_facts(country=country), today=TODAY)

    assert _rule(result, rules.COUNTRY).message == f"{country} is not a supported country."


def test_the_country_lists_are_the_documented_ones():
    assert {"US", "GB", "FR", "DE", "ES", "IT"} == rules.CREATOR_FUND_COUNTRIES
    assert {
        "US", "GB", "FR", "DE", "ES", "IT", "JP", "KR", "BR"
    } == rules.CREATIVITY_PROGRAM_COUNTRIES  # fmt: skip


@pytest.mark.parametrize(
    ("account_type", "eligible"), [("creator", True), ("business", True), ("personal", False)]
)
def test_the_creativity_program_needs_a_creator_or_business_account(account_type, eligible):
    result = evaluate_program(CP, eligible_facts(account_type=account_type), today=TODAY)

    assert result.eligible is eligible


def test_the_creator_fund_does_not_look_at_the_account_type():
    result = evaluate_program(CF, eligible_facts(account_type="personal"), today=TODAY)

    assert result.eligible
    assert rules.ACCOUNT_TYPE not in [r.key for r in result.rules]


def test_an_unresolved_strike_breaks_good_standing_in_both_programs():
    results = evaluate(eligible_facts(unresolved_strikes=2), today=TODAY)

    for result in results.values():
        standing = _rule(result, rules.GOOD_STANDING)
        assert not standing.passed
        assert standing.message == "2 unresolved policy strikes."
        assert result.status == EligibilityStatus.NOT_ELIGIBLE


@pytest.mark.parametrize(("seconds", "passed"), [(60, False), (61, True)])
def test_only_videos_longer_than_60_seconds_earn_creativity_rewards(seconds, passed):
    result = evaluate_program(CP, eligible_facts(recent_video_seconds=(seconds,)), today=TODAY)

    long_videos = _rule(result, rules.LONG_VIDEOS)
    assert long_videos.passed is passed
    assert long_videos.advisory
    # Advice only: a creator with short videos can still join, they just earn nothing yet.
    assert result.eligible


def test_the_video_length_rule_names_the_longest_recent_video():
    result = evaluate_program(CP, eligible_facts(recent_video_seconds=(30, 60, 45)), today=TODAY)

    message = _rule(result, rules.LONG_VIDEOS).message
    assert message == "None of the last 3 videos is longer than 1 minute (longest 60 s)."


def test_the_creator_fund_is_marked_closed_to_new_sign_ups():
    results = evaluate(eligible_facts(), today=TODAY)

    assert results[CF].closed_to_new_members
    assert not results[CP].closed_to_new_members


# --- age, in the agency's time zone -----------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "adult"),
    [
        (date(2006, 6, 16), True),  # 18th birthday today
        (date(2006, 6, 15), True),  # yesterday
        (date(2006, 6, 17), False),  # tomorrow
    ],
)
def test_the_18th_birthday_counts_from_the_day_itself(born, adult):
    result = evaluate_program(CP, eligible_facts(date_of_birth=born), today=TODAY)

    assert _rule(result, rules.AGE).passed is adult


def test_a_minor_is_told_when_they_turn_18():
    result = evaluate_program(CP, eligible_facts(date_of_birth=date(2006, 6, 17)), today=TODAY)

    age = _rule(result, rules.AGE)
    assert age.message == "Turns 18 on 2024-06-17, in 1 day."
    assert age.shortfall == 1


def test_a_29_february_birthday_comes_of_age_on_1_march_in_a_common_year():
    born = date(2004, 2, 29)

    assert not _rule(
        evaluate_program(CP, eligible_facts(date_of_birth=born), today=date(2022, 2, 28)),
        rules.AGE,
    ).passed
    assert _rule(
        evaluate_program(CP, eligible_facts(date_of_birth=born), today=date(2022, 3, 1)),
        rules.AGE,
    ).passed
    assert rules.adult_birth_cutoff(date(2024, 2, 29)) == date(2006, 2, 28)


def test_an_unknown_date_of_birth_fails_the_age_rule():
    result = evaluate_program(CP, eligible_facts(date_of_birth=None), today=TODAY)

    assert "Date of birth unknown" in _rule(result, rules.AGE).message


@pytest.fixture
def kiritimati(db):
    # UTC+14: at 12:00 UTC on 15 June it is already 16 June there.
    return AgencyFactory(slug="kiritimati", timezone="Pacific/Kiritimati")


@pytest.mark.parametrize(
    ("born", "adult"),
    [
        (date(2006, 6, 16), True),  # today in Kiritimati, still tomorrow in UTC
        (date(2006, 6, 15), True),
        (date(2006, 6, 17), False),
    ],
)
def test_today_is_the_agencys_today_not_utcs(kiritimati, born, adult):
    creator = insight_creator(kiritimati, date_of_birth=born)

    with time_machine.travel(dt.datetime(2024, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        assert agency_today(kiritimati) == date(2024, 6, 16)
        insight = creator_insights(agency=kiritimati, creators=[creator.pk])[creator.pk]
        in_sql = filter_by_eligibility(
            Creator.objects.filter(agency=kiritimati), CP, agency=kiritimati
        )

    assert _rule(insight.eligibility[CP], rules.AGE).passed is adult
    assert insight.eligibility[CP].eligible is adult
    assert (creator in in_sql) is adult


# --- from the database ------------------------------------------------------------------------


def test_the_main_tiktok_account_and_its_latest_snapshot_are_evaluated(agency):
    creator = insight_creator(agency, followers=12_000, views=50_000)
    account = creator.social_accounts.get()
    account.snapshots.create(
        agency=agency, date=date(2024, 2, 1), followers=12_000, views_last_30_days=150_000
    )
    # A smaller TikTok account and an Instagram account do not count.
    creator.social_accounts.create(agency=agency, platform="tiktok", handle="small", followers=10)
    creator.social_accounts.create(
        agency=agency, platform="instagram", handle="big_ig", followers=900_000
    )
    PolicyStrike.objects.create(
        agency=agency,
        creator=creator,
        date=date(2023, 1, 1),
        reason="x",
        resolved_on=date(2023, 2, 1),
    )

    insight = creator_insights(agency=agency, creators=[creator.pk])[creator.pk]

    assert insight.account.handle == account.handle
    assert insight.facts.followers == 12_000
    assert insight.facts.views_last_30_days == 150_000
    assert insight.facts.unresolved_strikes == 0  # resolved strikes do not count
    assert insight.eligibility[CP].eligible


# The SQL filter and the pure rules must agree on every creator.
_creator_data = st.fixed_dictionaries(
    {
        "followers": st.sampled_from([None, 0, 8_999, 9_000, 9_999, 10_000, 50_000]),
        "views": st.sampled_from([None, 89_999, 90_000, 99_999, 100_000]),
        "date_of_birth": st.sampled_from([None, date(1990, 1, 1), date(2020, 1, 1)]),
        "country": st.sampled_from(["US", "NL", "JP", ""]),
        "account_type": st.sampled_from(["creator", "business", "personal"]),
        "strikes": st.sampled_from([0, 1]),
    }
)


@pytest.mark.django_db
@given(people=st.lists(_creator_data, min_size=1, max_size=6))
def test_the_roster_filter_agrees_with_the_rules(people):
    agency = AgencyFactory()  # a fresh agency per example; the test's transaction rolls back
    creators = [insight_creator(agency, **person) for person in people]
    insights = creator_insights(agency=agency, creators=Creator.objects.all())
    for program in (CP, CF):
        for close in (False, True):
            wanted = EligibilityStatus.CLOSE if close else EligibilityStatus.ELIGIBLE
            expected = {
                c.pk for c in creators if insights[c.pk].eligibility[program].status == wanted
            }
            found = set(
                filter_by_eligibility(
                    Creator.objects.filter(agency=agency), program, agency=agency, close=close
                ).values_list("pk", flat=True)
            )
            assert found == expected, (program, close)


# --- the roster filters -----------------------------------------------------------------------


@pytest.fixture
def mixed_roster(agency):
    return {
        "eligible": insight_creator(agency, display_name="Ella Eligible"),
        "close": insight_creator(agency, display_name="Cleo Close", followers=9_500),
        "far": insight_creator(agency, display_name="Fay Far", followers=2_000),
        "dutch": insight_creator(agency, display_name="Daan Dutch", country="NL"),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("creativity_program", ["Ella Eligible"]),
        ("creativity_program-close", ["Cleo Close"]),
        ("creator_fund", ["Ella Eligible"]),
        ("creator_fund-close", ["Cleo Close"]),
    ],
)
def test_the_roster_filters_eligible_and_close_creators(
    manager_client, agency, mixed_roster, value, expected
):
    response = manager_client.get(roster_url(agency, eligibility=value))

    assert [c.display_name for c in response.context["creators"]] == expected


def test_the_api_roster_takes_the_same_eligibility_filter(manager_client, agency, mixed_roster):
    response = manager_client.get(
        reverse("api:creator-list", args=[agency.slug]), {"eligibility": "creativity_program-close"}
    )

    assert [c["display_name"] for c in response.json()["results"]] == ["Cleo Close"]


def test_an_unknown_eligibility_value_is_reported(manager_client, agency, mixed_roster):
    response = manager_client.get(roster_url(agency, eligibility="everyone"))

    assert response.context["filter"].form.errors["eligibility"]


@pytest.mark.parametrize("size", [10, 300])
def test_the_filtered_roster_costs_the_same_queries_at_any_size(
    manager_client, agency, manager, size, django_assert_num_queries
):
    bulk_roster(agency, size, manager=manager)
    for _ in range(3):
        insight_creator(agency, followers=9_500)
    url = roster_url(agency, eligibility="creativity_program-close")
    manager_client.get(url)
    # savepoint, session, user, memberships + agencies, count, the page, its niches, its
    # social accounts, release savepoint: the eligibility rules
    # are subqueries of the count and the page. Was 13: the countries the roster uses and
    # the manager and niche choices now come from the cache (selectors.roster_facets).
    with django_assert_num_queries(9 + scoping_queries()):
        response = manager_client.get(url)
    assert response.status_code == 200
    assert len(response.context["creators"]) == 3
