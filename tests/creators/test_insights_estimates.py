"""Earnings estimates, the 30-day forecast and its accuracy, against hand-worked Decimal
examples (the working is in each test's comment)."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from creators.insights.estimates import (
    DEFAULT_RPM,
    Range,
    RpmRange,
    RpmRow,
    choose_rpm,
    monthly_estimates,
    video_estimate,
)
from creators.insights.forecast import StatementFacts, forecast, forecast_accuracy, q4_days
from creators.insights.selectors import video_facts
from creators.models import Program

from .insights_support import video

CP = Program.CREATIVITY_PROGRAM
CF = Program.CREATOR_FUND
NO_UPLIFT = D("1.00")
UPLIFT = D("1.25")


def _cf(views, posted_on=date(2024, 6, 1), uplift=NO_UPLIFT):
    return video_estimate(CF, video(1, posted_on, views=views), DEFAULT_RPM[CF], uplift)


# --- per video -------------------------------------------------------------------------------


def test_creator_fund_pays_2_to_4_cents_per_thousand_views():
    # 123,456 views x $0.02 / 1,000 = $2.46912 -> $2.47; x $0.04 / 1,000 = $4.93824 -> $4.94
    assert _cf(123_456) == Range(D("2.47"), D("4.94"))


def test_amounts_round_half_up_to_the_cent():
    # 125 views x $0.04 / 1,000 = $0.005 -> $0.01 (half-up, as statements print it)
    assert _cf(125).high == D("0.01")
    assert _cf(125).low == D("0.00")  # $0.0025


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (60, Range(D("0.00"), D("0.00"))),  # exactly one minute: not rewarded
        # 250,000 qualified views x $0.40 / 1,000 = $100.00; x $1.60 / 1,000 = $400.00
        (61, Range(D("100.00"), D("400.00"))),
    ],
)
def test_creativity_program_pays_only_videos_longer_than_60_seconds(seconds, expected):
    clip = video(1, date(2024, 6, 1), seconds=seconds, views=900_000, qualified=250_000)

    assert video_estimate(CP, clip, DEFAULT_RPM[CP], NO_UPLIFT) == expected


def test_creativity_program_counts_qualified_views_only():
    clip = video(1, date(2024, 6, 1), seconds=61, views=1_000_000, qualified=1_000)

    # 1,000 qualified views x $0.40 / 1,000 = $0.40; x $1.60 / 1,000 = $1.60
    assert video_estimate(CP, clip, DEFAULT_RPM[CP], NO_UPLIFT) == Range(D("0.40"), D("1.60"))


def test_videos_posted_in_q4_get_the_uplift():
    # $2.46912 x 1.25 = $3.0864 -> $3.09; $4.93824 x 1.25 = $6.1728 -> $6.17
    assert _cf(123_456, posted_on=date(2024, 10, 1), uplift=UPLIFT) == Range(D("3.09"), D("6.17"))
    assert _cf(123_456, posted_on=date(2024, 9, 30), uplift=UPLIFT) == Range(D("2.47"), D("4.94"))
    assert _cf(123_456, posted_on=date(2024, 12, 31), uplift=UPLIFT) == Range(D("3.09"), D("6.17"))


def test_q4_is_decided_in_the_agencys_time_zone():
    posted_at = dt.datetime(2024, 9, 30, 12, 30, tzinfo=dt.UTC)  # 1 October 01:30 in Auckland
    kwargs = {"key": 1, "posted_at": posted_at, "duration_seconds": 30, "views": 123_456}

    auckland = video_facts(**kwargs, qualified_views=0, tz=ZoneInfo("Pacific/Auckland"))
    amsterdam = video_facts(**kwargs, qualified_views=0, tz=ZoneInfo("Europe/Amsterdam"))

    assert auckland.posted_on == date(2024, 10, 1)
    assert video_estimate(CF, auckland, DEFAULT_RPM[CF], UPLIFT).low == D("3.09")
    assert video_estimate(CF, amsterdam, DEFAULT_RPM[CF], UPLIFT).low == D("2.47")


# --- the RPM table -----------------------------------------------------------------------------

FINANCE, TECH, BEAUTY = 1, 2, 3
ROWS = [
    RpmRow(CP, "", None, D("0.30"), D("1.00")),
    RpmRow(CP, "US", None, D("0.80"), D("1.80")),
    RpmRow(CP, "", FINANCE, D("0.60"), D("2.00")),
    RpmRow(CP, "US", FINANCE, D("1.00"), D("2.20")),
    RpmRow(CP, "", TECH, D("0.70"), D("1.50")),
]


@pytest.mark.parametrize(
    ("country", "niches", "expected"),
    [
        ("US", [FINANCE], RpmRange(D("1.00"), D("2.20"))),  # country and niche
        ("US", [BEAUTY], RpmRange(D("0.80"), D("1.80"))),  # country
        ("NL", [FINANCE], RpmRange(D("0.60"), D("2.00"))),  # niche
        ("NL", [BEAUTY], RpmRange(D("0.30"), D("1.00"))),  # any
        ("NL", [FINANCE, TECH], RpmRange(D("0.70"), D("1.50"))),  # the better-paying niche
    ],
)
def test_the_most_specific_rpm_row_wins(country, niches, expected):
    choice = choose_rpm(ROWS, CP, country=country, niche_ids=niches)

    assert choice.rpm == expected
    assert choice.source == "table"


def test_without_a_matching_row_the_design_defaults_apply():
    choice = choose_rpm(ROWS, CF, country="US", niche_ids=[FINANCE])

    assert choice.source == "default"
    assert choice.rpm == RpmRange(D("0.02"), D("0.04"))
    assert DEFAULT_RPM[CP] == RpmRange(D("0.40"), D("1.60"))


# --- per month -----------------------------------------------------------------------------------


def test_a_month_is_rounded_once_from_unrounded_video_amounts():
    # Three videos of 100 views: $0.002-$0.004 each, $0.00 rounded; the month earns
    # $0.006-$0.012, which rounds to $0.01-$0.01 (not the $0.00 the rounded rows add up to).
    videos = [video(i, date(2024, 6, i + 1), views=100) for i in range(3)]

    (june,) = monthly_estimates(CF, videos, DEFAULT_RPM[CF], NO_UPLIFT)

    assert (june.year, june.month, june.videos, june.rewarded_views) == (2024, 6, 3, 300)
    assert june.estimate == Range(D("0.01"), D("0.01"))


def test_months_are_listed_newest_first_with_their_own_uplift():
    videos = [
        video(1, date(2024, 9, 30), seconds=61, qualified=10_000),
        video(2, date(2024, 10, 1), seconds=61, qualified=10_000),
        video(3, date(2024, 10, 2), seconds=60, qualified=10_000),  # not rewarded
    ]

    october, september = monthly_estimates(CP, videos, DEFAULT_RPM[CP], UPLIFT)

    # September: 10,000 x $0.40 / 1,000 = $4.00; x $1.60 = $16.00
    assert september.estimate == Range(D("4.00"), D("16.00"))
    # October: one rewarded video with the uplift: $4.00 x 1.25 = $5.00; $16.00 x 1.25 = $20.00
    assert (october.videos, october.rewarded_views) == (2, 10_000)
    assert october.estimate == Range(D("5.00"), D("20.00"))


# --- the 30-day forecast ---------------------------------------------------------------


def _posts(as_of: date, *, span_days: int = 60, count: int = 10, **kwargs):
    """`count` posts, the oldest `span_days` before `as_of`, evenly spread."""
    step = span_days // max(count - 1, 1)
    return [video(i, as_of - timedelta(days=span_days - i * step), **kwargs) for i in range(count)]


def test_the_forecast_carries_the_pace_of_the_last_ten_posts_forward():
    as_of = date(2024, 6, 30)
    posts = _posts(as_of, seconds=90, qualified=100_000)

    result = forecast(CP, posts, DEFAULT_RPM[CP], UPLIFT, as_of=as_of)

    # Ten posts over 60 days earn 10 x 100,000 x $0.40 / 1,000 = $400.00 (low) and $1,600.00
    # (high); the next 30 days at that pace: x 30 / 60 = $200.00 and $800.00.
    assert result.estimate == Range(D("200.00"), D("800.00"))
    assert (result.posts_used, result.window_days, result.q4_days) == (10, 60, 0)
    assert (result.start, result.end) == (date(2024, 7, 1), date(2024, 7, 30))


def test_only_the_last_ten_posts_count():
    as_of = date(2024, 6, 30)
    older = [video(100 + i, date(2024, 1, 1), seconds=90, qualified=10**9) for i in range(2)]
    posts = _posts(as_of, seconds=90, qualified=100_000) + older

    result = forecast(CP, posts, DEFAULT_RPM[CP], UPLIFT, as_of=as_of)

    assert result.estimate == Range(D("200.00"), D("800.00"))


def test_a_burst_of_posts_is_not_extrapolated_beyond_30_days():
    as_of = date(2024, 6, 30)
    posts = [video(i, as_of - timedelta(days=i % 3), views=100_000) for i in range(10)]

    result = forecast(CF, posts, DEFAULT_RPM[CF], UPLIFT, as_of=as_of)

    # 10 x 100,000 x $0.02 / 1,000 = $20.00 and $40.00 over a window of at least 30 days.
    assert result.window_days == 30
    assert result.estimate == Range(D("20.00"), D("40.00"))


def test_the_q4_uplift_applies_to_the_forecast_days_in_q4_only():
    as_of = date(2024, 9, 15)
    posts = _posts(as_of, seconds=90, qualified=100_000)

    result = forecast(CP, posts, DEFAULT_RPM[CP], UPLIFT, as_of=as_of)

    # 16-30 September are not Q4, 1-15 October are: x (1 + 0.25 x 15 / 30) = x 1.125
    # on $200.00 and $800.00 -> $225.00 and $900.00.
    assert result.q4_days == 15
    assert result.estimate == Range(D("225.00"), D("900.00"))


def test_posts_after_the_as_of_date_are_ignored_and_none_forecast_zero():
    as_of = date(2024, 6, 30)
    later = [video(1, date(2024, 7, 5), views=10**6)]

    result = forecast(CF, later, DEFAULT_RPM[CF], UPLIFT, as_of=as_of)

    assert result.estimate == Range(D("0.00"), D("0.00"))
    assert result.posts_used == 0


def test_q4_days():
    assert q4_days(date(2024, 9, 16), 30) == 15
    assert q4_days(date(2024, 12, 20), 30) == 12  # 20-31 December, then January
    assert q4_days(date(2024, 6, 1), 30) == 0


# --- accuracy against settled statements ---------------------------------------------


def _statement(key, start, end, amount, currency="USD", program=CP):
    return StatementFacts(key, program, start, end, currency, D(amount))


def test_forecast_accuracy_against_settled_statements():
    # The forecast for June is made on 31 May from ten posts over the 60 days before:
    # $200.00 - $800.00 for 30 days (see above), midpoint $500.00.
    posts = _posts(date(2024, 5, 31), seconds=90, qualified=100_000)
    statements = [
        _statement("JUN", date(2024, 6, 1), date(2024, 6, 30), "210.00"),
        _statement("JUN-B", date(2024, 6, 1), date(2024, 6, 30), "150.00"),
        _statement("JUN-EUR", date(2024, 6, 1), date(2024, 6, 30), "300.00", currency="EUR"),
    ]

    summary = forecast_accuracy(statements, posts, DEFAULT_RPM, UPLIFT)

    rows = {row.statement.key: row for row in summary.rows}
    assert rows["JUN"].forecast.estimate == Range(D("200.00"), D("800.00"))
    assert rows["JUN"].within_range is True
    # (500 - 210) / 210 = 138.095...% -> 138.1
    assert rows["JUN"].error_percent == D("138.1")
    assert rows["JUN-B"].within_range is False
    # (500 - 150) / 150 = 233.33...% -> 233.3
    assert rows["JUN-B"].error_percent == D("233.3")
    assert rows["JUN-EUR"].within_range is None  # another currency: not compared
    assert summary.within_range == 1
    assert len(summary.compared) == 2
    # (138.1 + 233.3) / 2 = 185.7
    assert summary.mean_absolute_error_percent == D("185.7")


def test_a_shorter_statement_period_gets_a_shorter_forecast():
    posts = _posts(date(2024, 5, 31), seconds=90, qualified=100_000)
    half = _statement("H1", date(2024, 6, 1), date(2024, 6, 15), "100.00")

    (row,) = forecast_accuracy([half], posts, DEFAULT_RPM, UPLIFT).rows

    # $400.00 / $1,600.00 over a 60-day window, for 15 days: x 15 / 60 = $100.00 / $400.00
    assert row.forecast.estimate == Range(D("100.00"), D("400.00"))
    assert row.within_range is True
    assert row.error_percent == D("150.0")  # (250 - 100) / 100


def test_a_zero_settlement_has_no_percentage_error():
    summary = forecast_accuracy(
        [_statement("Z", date(2024, 6, 1), date(2024, 6, 30), "0.00")], [], DEFAULT_RPM, UPLIFT
    )

    (row,) = summary.rows
    assert row.within_range is True  # $0.00 - $0.00 forecast without posts
    assert row.error_percent is None
    assert summary.mean_absolute_error_percent is None
