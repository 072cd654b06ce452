"""Experiment verdicts: no verdict below 2,000 views per variant; a two-proportion z-test."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from campaigns.selectors import campaign_dashboard, experiment_summaries
from campaigns.significance import (
    Verdict,
    experiment_result,
    two_proportion_z_test,
    weekly_cycle_days,
)

from .factories import DeliverableFactory, ExperimentFactory, SnapshotFactory


def test_1999_views_on_one_variant_is_not_enough_data():
    result = experiment_result(views_a=1999, successes_a=100, views_b=5000, successes_b=900)
    assert result.verdict == Verdict.NOT_ENOUGH_DATA
    assert result.p_value is None and result.uplift is None


def test_2000_views_on_both_variants_gives_a_verdict():
    result = experiment_result(views_a=2000, successes_a=100, views_b=2000, successes_b=160)
    assert result.verdict == Verdict.B_WINS
    assert result.uplift == pytest.approx(0.6)
    assert result.p_value < 0.05


def test_a_small_difference_is_not_significant():
    result = experiment_result(views_a=2000, successes_a=100, views_b=2000, successes_b=105)
    assert result.verdict == Verdict.NO_DIFFERENCE


def test_a_worse_b_means_a_wins():
    result = experiment_result(views_a=3000, successes_a=300, views_b=3000, successes_b=200)
    assert result.verdict == Verdict.A_WINS
    assert result.uplift == pytest.approx(-1 / 3)


def test_the_z_test_matches_a_textbook_value():
    # p1 = 0.05, p2 = 0.08, n = 2000 each: pooled 0.065, z = 0.03 / sqrt(.065*.935*.001)
    z, p = two_proportion_z_test(100, 2000, 160, 2000)
    expected_z = 0.03 / math.sqrt(0.065 * 0.935 * (2 / 2000))
    assert z == pytest.approx(expected_z)
    assert p == pytest.approx(math.erfc(expected_z / math.sqrt(2)))
    assert p == pytest.approx(0.000119, rel=0.01)  # z ≈ 3.85


def test_identical_all_or_nothing_groups_have_p_one():
    assert two_proportion_z_test(0, 2000, 0, 2000) == (0.0, 1.0)


def test_weekly_cycles():
    start = dt.date(2024, 3, 4)
    assert weekly_cycle_days(start, dt.date(2024, 3, 10)) == (7, 0)
    assert weekly_cycle_days(start, dt.date(2024, 3, 12)) == (9, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(("views_b", "verdict"), [(1999, "not_enough_data"), (2000, "b_wins")])
def test_the_campaign_experiment_verdict_flips_at_2000_views(agency, views_b, verdict):
    experiment = ExperimentFactory(campaign__agency=agency, start_date=dt.date(2024, 3, 4))
    campaign = experiment.campaign
    a = DeliverableFactory(campaign=campaign, experiment=experiment, variant="a")
    b = DeliverableFactory(campaign=campaign, experiment=experiment, variant="b")
    SnapshotFactory(deliverable=a, views=2000, likes=100)
    SnapshotFactory(deliverable=b, views=views_b, likes=300)

    [summary] = experiment_summaries(
        campaign=campaign,
        dashboard=campaign_dashboard(campaign=campaign),
        today=dt.date(2024, 3, 12),
    )

    assert summary.result.verdict == verdict
    assert (summary.days_run, summary.days_to_full_week) == (9, 5)
