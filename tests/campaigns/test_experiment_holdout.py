"""Experiments: uplift against the holdout with its interval, verdicts held for a whole weekly
cycle and the minimum views, and the posting-time parity warning; through the statistics, the
campaign page, the API and the sponsor report."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from campaigns.demo import CODE
from campaigns.models import Campaign, Deliverable
from campaigns.significance import (
    difference_interval,
    holdout_uplift,
    mean_time_of_day,
    time_of_day_gap,
    verdict_gate,
    wilson_interval,
)
from campaigns.templatetags.experiment_tags import points
from core.formatting import date_short
from creators.demo import DEMO_PASSWORD
from reports.pdf import render_report_pdf
from reports.selectors import sponsor_report_data
from tests.helpers import scoping_queries
from tests.reports.test_sponsor_report import pdf_text

from .factories import DeliverableFactory, ExperimentFactory, SnapshotFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

counts = st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


# --- the statistics -------------------------------------------------------------------------


@given(counts, counts)
def test_the_interval_contains_the_point_estimate(one, two):
    difference, low, high = difference_interval(*one, *two)
    assert low <= difference <= high
    assert low >= -1 and high <= 1


@given(counts, counts, st.integers(min_value=2, max_value=50))
def test_the_interval_narrows_with_more_data(one, two, k):
    _, low, high = difference_interval(*one, *two)
    _, low_k, high_k = difference_interval(one[0] * k, one[1] * k, two[0] * k, two[1] * k)
    assert high_k - low_k < high - low


@given(counts)
def test_identical_groups_have_no_uplift_and_an_interval_round_zero(group):
    uplift = holdout_uplift(
        exposed_views=group[1],
        exposed_successes=group[0],
        holdout_views=group[1],
        holdout_successes=group[0],
    )
    assert uplift.difference == 0
    assert uplift.low <= 0 <= uplift.high and not uplift.significant
    assert uplift.relative in (0, None)


def test_the_interval_matches_newcombes_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873, table II: 56/70 - 48/80, method 10.
    difference, low, high = difference_interval(56, 70, 48, 80)
    assert difference == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    # Wilson (1927) for 15/148: 0.0624 to 0.1605 (Newcombe's table I).
    assert tuple(round(x, 4) for x in wilson_interval(15, 148)) == (0.0624, 0.1605)


def test_no_uplift_without_holdout_views():
    assert (
        holdout_uplift(
            exposed_views=5000, exposed_successes=400, holdout_views=0, holdout_successes=0
        )
        is None
    )


def test_the_verdict_waits_for_a_whole_week_and_the_views():
    start = dt.date(2024, 3, 4)
    six_days = verdict_gate(start=start, today=dt.date(2024, 3, 10), views_a=9000, views_b=9000)
    assert not six_days.open and six_days.ready_on == dt.date(2024, 3, 11)
    week = verdict_gate(start=start, today=dt.date(2024, 3, 11), views_a=9000, views_b=9000)
    assert week.open
    short = verdict_gate(start=start, today=dt.date(2024, 3, 20), views_a=1500, views_b=2100)
    assert not short.open and short.views_short == 500 and not short.waits_for_date
    ended = verdict_gate(
        start=start, end=dt.date(2024, 3, 9), today=dt.date(2024, 3, 20), views_a=9000, views_b=9000
    )
    assert ended.too_short and not ended.open and not ended.waits_for_date
    assert not verdict_gate(
        start=start,
        end=dt.date(2024, 3, 10),
        today=dt.date(2024, 3, 20),
        views_a=9000,
        views_b=9000,
    ).too_short


def test_times_of_day_are_averaged_round_the_clock():
    assert mean_time_of_day([23 * 60 + 30, 30]) == pytest.approx(0, abs=1e-6) or (
        mean_time_of_day([23 * 60 + 30, 30]) == pytest.approx(1440, abs=1e-6)
    )
    assert time_of_day_gap(23 * 60, 60) == 120
    assert mean_time_of_day([]) is None and mean_time_of_day([0, 720]) is None


# --- through the entry points ---------------------------------------------------------------


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMSTERDAM)


def build(agency, *, start: dt.date, holdout: int = 15):
    """A at 18:00 with 3,000 views, B at 21:30 with 1,500 (500 short of 2,000), the holdout
    with 1,000 views: 10% of views engage on A and B, 5% in the holdout."""
    experiment = ExperimentFactory(
        campaign__agency=agency, name="Bowl first", start_date=start, holdout_percent=holdout
    )
    campaign = experiment.campaign
    for variant, posted, views in (
        ("a", at(start, 18), 3000),
        ("b", at(start, 21, 30), 1500),
        ("h", at(start, 18, 15), 1000),
    ):
        d = DeliverableFactory(
            campaign=campaign, experiment=experiment, variant=variant, posted_at=posted
        )
        rate = 20 if variant == "h" else 10
        SnapshotFactory(deliverable=d, views=views, likes=views // rate, comments=0, shares=0)
    return experiment


def expected_uplift_text() -> str:
    difference, low, high = difference_interval(450, 4500, 50, 1000)
    assert difference == pytest.approx(0.05)
    return (
        f"Uplift against the holdout: {points(difference)} (95% confidence interval "
        f"{points(low)} to {points(high)})"
    )


def text_of(html: bytes) -> str:
    (block,) = re.findall(r'data-testid="experiment">(.*?)</section>', html.decode(), re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


@pytest.mark.django_db
def test_the_campaign_page_shows_the_uplift_the_wait_and_the_posting_times(agency, manager_client):
    start = timezone.localdate(timezone=AMSTERDAM) - dt.timedelta(days=3)
    experiment = build(agency, start=start)

    response = manager_client.get(
        reverse("campaigns:detail", args=[agency.slug, experiment.campaign_id]),
        headers={"accept-language": "en"},
    )

    text = text_of(response.content)
    with translation.override("en"):
        assert expected_uplift_text() in text
        ready = date_short(start + dt.timedelta(days=7))
    assert "+100.0% relative to the holdout" in text
    # 1,000 of 5,500 views against the planned 15%
    assert "The holdout had 18.18% of the views (planned: 15%)." in text
    assert "Newcombe" in text
    assert f"Verdict waits until {ready} and 500 more views" in text
    assert "to finish a whole weekly cycle" not in text  # the wait above says it once
    assert "No verdict yet." in text and 'data-testid="p-value"' not in response.content.decode()
    assert "A around 18:00, B around 21:30" in text and "3.5 hours apart" in text


@pytest.mark.django_db
def test_after_a_week_and_enough_views_the_verdict_shows_and_equal_times_warn_nothing(
    agency, manager_client
):
    start = dt.date(2024, 3, 4)
    experiment = build(agency, start=start, holdout=0)
    b = experiment.deliverables.get(variant="b")
    Deliverable.objects.filter(pk=b.pk).update(posted_at=at(start, 19))
    SnapshotFactory(deliverable=b, views=2500, likes=250, comments=0, shares=0)
    # Without a holdout percentage the holdout posts are not part of the experiment's uplift.
    experiment.deliverables.filter(variant="h").delete()

    response = manager_client.get(
        reverse("campaigns:detail", args=[agency.slug, experiment.campaign_id])
    )

    text = text_of(response.content)
    assert "No significant difference" in text and "p = " in text
    assert "Verdict waits" not in text
    assert "Uplift against the holdout" not in text and "different times of day" not in text


@pytest.mark.django_db
def test_the_api_reports_the_same_summary(agency, manager_client):
    start = timezone.localdate(timezone=AMSTERDAM) - dt.timedelta(days=3)
    experiment = build(agency, start=start)

    response = manager_client.get(
        reverse(
            "api:experiment-list", kwargs={"agency_slug": agency.slug, "pk": experiment.campaign_id}
        )
    )

    assert response.status_code == 200, response.content
    (row,) = response.json()["results"] if "results" in response.json() else response.json()
    summary = row["summary"]
    difference, low, high = difference_interval(450, 4500, 50, 1000)
    assert summary["verdict"] == "waiting" and summary["p_value"] is None
    assert summary["verdict_waits_until"] == (start + dt.timedelta(days=7)).isoformat()
    assert summary["views_short"] == 500
    holdout = summary["holdout"]
    assert holdout["difference"] == pytest.approx(difference)
    assert (holdout["ci_low"], holdout["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert holdout["exposed_views"] == 4500 and holdout["holdout_views"] == 1000
    assert holdout["holdout_share"] == pytest.approx(1000 / 5500)
    assert holdout["significant"] and holdout["method"].startswith("Newcombe")
    assert summary["posting_parity"] == {
        "time_a": "18:00",
        "time_b": "21:30",
        "gap_minutes": 210,
        "differs": True,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("holdout_percent", "status"), [(0, 400), (15, 201)])
def test_a_holdout_deliverable_needs_an_experiment_with_a_holdout(
    agency, manager_client, holdout_percent, status
):
    experiment = ExperimentFactory(campaign__agency=agency, holdout_percent=holdout_percent)
    creator = DeliverableFactory(campaign=experiment.campaign).creator
    before = Deliverable.objects.count()

    response = manager_client.post(
        reverse("api:deliverable-list", kwargs={"agency_slug": agency.slug}),
        {
            "campaign": experiment.campaign_id,
            "creator": creator.pk,
            "due_date": "2024-03-20",
            "experiment": experiment.pk,
            "variant": "h",
        },
        content_type="application/json",
    )

    assert response.status_code == status, response.content
    if status == 400:
        assert "This experiment has no holdout" in response.content.decode()
        assert Deliverable.objects.count() == before
    else:
        assert Deliverable.objects.filter(experiment=experiment, variant="h").count() == 1


@pytest.mark.django_db
def test_the_sponsor_report_carries_the_uplift_the_wait_and_the_method(agency):
    experiment = build(agency, start=dt.date(2024, 4, 27))  # the campaign ends 30 April

    text = pdf_text(
        render_report_pdf(sponsor_report_data(campaign=experiment.campaign), language="en")
    )

    section = text[text.index("Experiments") :]
    with translation.override("en"):
        ready = date_short(dt.date(2024, 5, 4))
        assert expected_uplift_text() in section
    assert f"Verdict waits until {ready} and 500 more views" in section
    assert "different times of day" in section
    assert "Newcombe's hybrid score method" in section


@pytest.mark.django_db
def test_the_demo_experiment_shows_an_uplift_against_its_holdout():
    call_command("seed_demo", stdout=StringIO())
    campaign = Campaign.objects.get(agency__slug="northstar", code=CODE)
    client = Client(headers={"accept-language": "en"})
    assert client.login(username="manager@northstar.test", password=DEMO_PASSWORD)

    html = client.get(reverse("campaigns:detail", args=["northstar", campaign.pk])).content

    text = text_of(html)
    uplift = re.search(r"Uplift against the holdout: \+([\d.]+) pp \(95% confidence", text)
    assert uplift, text
    assert float(uplift.group(1)) > 0
    assert "Verdict waits" not in text and "different times of day" not in text


@pytest.mark.django_db
def test_a_holdout_deliverable_reads_as_the_holdout(agency, manager_client):
    experiment = build(agency, start=dt.date(2024, 3, 4))
    holdout = experiment.deliverables.get(variant="h")

    response = manager_client.get(
        reverse("campaigns:deliverable-detail", args=[agency.slug, holdout.pk]),
        headers={"accept-language": "en"},
    )

    assert "Bowl first · Holdout" in re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
def test_the_experiment_list_costs_the_same_queries_for_more_experiments(
    agency, manager_client, django_assert_num_queries
):
    experiment = build(agency, start=dt.date(2024, 3, 4))
    second = ExperimentFactory(campaign=experiment.campaign, holdout_percent=10)
    DeliverableFactory(campaign=experiment.campaign, experiment=second, variant="a")
    url = reverse(
        "api:experiment-list", kwargs={"agency_slug": agency.slug, "pk": experiment.campaign_id}
    )

    # session, user, savepoint, membership; the campaign; count and page of experiments; the
    # summaries: deliverables, latest snapshots, conversions, the agency (its time zone), the
    # experiments; savepoint released; on PostgreSQL the row-level security settings
    with django_assert_num_queries(13 + scoping_queries()):
        response = manager_client.get(url)

    assert response.status_code == 200
    rows = response.json()["results"] if "results" in response.json() else response.json()
    assert [row["summary"] is not None for row in rows] == [True, True]


@pytest.mark.django_db
def test_an_experiment_that_ended_within_a_week_never_gets_a_verdict(agency, manager_client):
    experiment = build(agency, start=dt.date(2024, 3, 4))
    experiment.end_date = dt.date(2024, 3, 8)
    experiment.save(update_fields=["end_date"])
    b = experiment.deliverables.get(variant="b")
    SnapshotFactory(deliverable=b, views=2500, likes=250, comments=0, shares=0)

    response = manager_client.get(
        reverse("campaigns:detail", args=[agency.slug, experiment.campaign_id]),
        headers={"accept-language": "en"},
    )

    text = text_of(response.content)
    assert "No verdict: the experiment ran fewer than 7 days" in text
    assert "No verdict yet." in text and "Verdict waits" not in text
