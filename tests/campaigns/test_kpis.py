"""Metric snapshots (CSV, API), attribution in the agency's timezone, the dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from campaigns import services
from campaigns.metrics_csv import CsvImportError
from campaigns.models import ConversionEvent, MetricSnapshot
from campaigns.selectors import campaign_dashboard, engagement_series
from tests.helpers import scoping_queries

from .factories import CampaignFactory, DeliverableFactory, SnapshotFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def posted(campaign, when, **kwargs):
    return DeliverableFactory(
        campaign=campaign, status="posted", posted_at=when, post_url="https://x.test/p", **kwargs
    )


# --- CSV import -----------------------------------------------------------------------------

HEADER = "deliverable_id,captured_at,views,likes,comments,shares,completion_25,completion_50\n"


def test_a_good_csv_is_imported_and_audited(agency, manager):
    d = DeliverableFactory(campaign__agency=agency)
    data = (
        HEADER
        + f"{d.pk},2024-03-10 12:00,1000,50,5,5,80,20\n"
        + f"{d.pk},2024-03-11T12:00:00+00:00,2000,90,9,1,70.5,25\n"
    ).encode()
    assert services.snapshots_import(campaign=d.campaign, actor=manager, data=data) == 2
    first = MetricSnapshot.objects.order_by("captured_at").first()
    # a time without an offset is read in Amsterdam (UTC+1 in March)
    assert first.captured_at == dt.datetime(2024, 3, 10, 11, 0, tzinfo=UTC)
    assert AuditLog.objects.get(action="metric_snapshot.import").after == {"rows": 2}


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(agency, manager):
    d = DeliverableFactory(campaign__agency=agency)
    elsewhere = DeliverableFactory(campaign__agency=agency)
    data = (
        HEADER
        + f"{d.pk},2024-03-10 12:00,1000,50,5,5,80,20\n"
        + f"{d.pk},yesterday,-3,x,5,5,80,20\n"
        + f"{elsewhere.pk},2024-03-10 12:00,1,0,0,0,0,0\n"
        + f"{d.pk},2024-03-10 13:00,10,0,0,0,20,30\n"
        + f"{d.pk},2024-03-10 14:00,10,0,0\n"
    ).encode()
    with pytest.raises(CsvImportError) as error:
        services.snapshots_import(campaign=d.campaign, actor=manager, data=data)
    found = {(e.row, e.column) for e in error.value.errors}
    assert found == {
        (3, "captured_at"),
        (3, "views"),
        (3, "likes"),
        (4, "deliverable_id"),
        (5, "completion_50"),
        (6, ""),
    }
    assert not MetricSnapshot.objects.exists()


@pytest.mark.parametrize(
    ("data", "column"),
    [
        (b"", ""),
        (b"\xff\xfe\x00bad", ""),
        (b"views,captured_at\n1,2024-01-01\n", "deliverable_id"),
        (b"deliverable_id,captured_at,views,colour\n1,2024-01-01,1,red\n", "colour"),
        (b"deliverable_id,captured_at,views\n", ""),
    ],
)
def test_unusable_files_are_refused_with_a_reason(agency, manager, data, column):
    campaign = CampaignFactory(agency=agency)
    with pytest.raises(CsvImportError) as error:
        services.snapshots_import(campaign=campaign, actor=manager, data=data)
    assert error.value.errors[0].column == column


def test_a_reimported_row_is_an_error(agency, manager):
    d = DeliverableFactory(campaign__agency=agency)
    data = (HEADER + f"{d.pk},2024-03-10 12:00,1000,50,5,5,80,20\n").encode()
    services.snapshots_import(campaign=d.campaign, actor=manager, data=data)
    with pytest.raises(CsvImportError, match="Already imported"):
        services.snapshots_import(campaign=d.campaign, actor=manager, data=data)
    assert MetricSnapshot.objects.count() == 1


def test_the_import_page_lists_the_errors(agency, manager_client):
    d = DeliverableFactory(campaign__agency=agency)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("m.csv", (HEADER + f"{d.pk},nope,1,0,0,0,0,0\n").encode())
    url = reverse("campaigns:metrics-import", kwargs={"agency_slug": "acme", "pk": d.campaign_id})
    response = manager_client.post(url, {"file": upload})
    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert [(e.row, e.column) for e in response.context["errors"]] == [(2, "captured_at")]


def test_a_snapshot_arrives_through_the_api(agency, manager_client):
    d = DeliverableFactory(campaign__agency=agency)
    url = reverse("api:deliverable-snapshots", kwargs={"agency_slug": "acme", "pk": d.pk})
    response = manager_client.post(
        url,
        {
            "captured_at": "2024-03-10T12:00:00Z",
            "views": 10,
            "likes": 2,
            "completion_25": "50",
            "completion_50": "60",
        },
        content_type="application/json",
    )
    assert response.status_code == 400  # completion cannot rise
    response = manager_client.post(
        url,
        {"captured_at": "2024-03-10T12:00:00Z", "views": 10, "likes": 2},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert d.snapshots.get().source == "api"


# --- attribution ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "credited"),
    [
        # posted 1 March 23:30 in Amsterdam (22:30 UTC); a 7-day window runs through 8 March local
        (dt.datetime(2024, 3, 1, 22, 29, tzinfo=UTC), False),  # before the post
        (dt.datetime(2024, 3, 1, 22, 30, tzinfo=UTC), True),
        (dt.datetime(2024, 3, 8, 22, 59, 59, tzinfo=UTC), True),  # 8 March 23:59:59 local
        (dt.datetime(2024, 3, 8, 23, 0, tzinfo=UTC), False),  # 9 March 00:00 local
    ],
)
def test_attribution_at_the_window_edges_in_the_agencys_timezone(agency, manager, event, credited):
    campaign = CampaignFactory(agency=agency, attribution_window_days=7)
    post = posted(campaign, dt.datetime(2024, 3, 1, 22, 30, tzinfo=UTC))
    conversion = services.conversion_record(
        campaign=campaign, actor=manager, fields={"kind": "signup", "occurred_at": event}
    )
    assert conversion.deliverable == (post if credited else None)


@pytest.mark.parametrize(
    ("event", "credited"),
    [
        (dt.datetime(2024, 4, 1, 21, 59, 59, tzinfo=UTC), True),  # 1 April 23:59:59 CEST
        (dt.datetime(2024, 4, 1, 22, 0, tzinfo=UTC), False),
    ],
)
def test_the_window_keeps_whole_local_days_across_daylight_saving(agency, manager, event, credited):
    campaign = CampaignFactory(agency=agency, attribution_window_days=7)
    post = posted(campaign, dt.datetime(2024, 3, 25, 9, 0, tzinfo=UTC))  # 10:00 CET
    conversion = services.conversion_record(
        campaign=campaign, actor=manager, fields={"kind": "lead", "occurred_at": event}
    )
    assert conversion.deliverable == (post if credited else None)


def test_the_last_qualifying_deliverable_gets_the_credit(agency, manager):
    campaign = CampaignFactory(agency=agency, attribution_window_days=14)
    first = posted(campaign, dt.datetime(2024, 3, 1, 12, tzinfo=UTC))
    second = posted(campaign, dt.datetime(2024, 3, 3, 12, tzinfo=UTC))
    posted(campaign, dt.datetime(2024, 3, 6, 12, tzinfo=UTC))  # after the event
    event = dt.datetime(2024, 3, 5, 12, tzinfo=UTC)
    conversion = services.conversion_record(
        campaign=campaign,
        actor=manager,
        fields={"kind": "purchase", "occurred_at": event, "value": Decimal("19.99")},
    )
    assert conversion.deliverable == second
    only_first = services.conversion_record(
        campaign=campaign,
        actor=manager,
        fields={"kind": "click", "occurred_at": event, "creator": first.creator},
    )
    assert only_first.deliverable == first
    assert AuditLog.objects.filter(action="conversion.create").count() == 2


def test_another_agencys_campaign_is_404_for_conversions(agency, other_agency, manager_client):
    theirs = CampaignFactory(agency=other_agency)
    url = reverse("api:conversion-list", kwargs={"agency_slug": "acme", "pk": theirs.pk})
    response = manager_client.post(
        url,
        {"kind": "lead", "occurred_at": "2024-03-01T00:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not ConversionEvent.objects.exists()


# --- the dashboard --------------------------------------------------------------------------


def build(campaign, creators: int, per_creator: int, snapshots: int):
    from tests.factories import CreatorFactory

    for _ in range(creators):
        creator = CreatorFactory(agency=campaign.agency)
        for _ in range(per_creator):
            d = posted(
                campaign, dt.datetime(2024, 3, 1, tzinfo=UTC), creator=creator, fee=Decimal("100")
            )
            for i in range(snapshots):
                SnapshotFactory(
                    deliverable=d,
                    views=1000 * (i + 1),
                    likes=40 * (i + 1),
                    comments=5,
                    shares=5,
                    unique_reach=800,
                    completion_25=80,
                    completion_50=60,
                    completion_75=40,
                    completion_100=20,
                )


def test_the_dashboard_uses_the_latest_snapshot_and_sums_before_dividing(agency, manager):
    campaign = CampaignFactory(agency=agency)
    build(campaign, creators=2, per_creator=2, snapshots=3)
    first = campaign.deliverables.first()
    services.conversion_record(
        campaign=campaign,
        actor=manager,
        fields={"kind": "signup", "occurred_at": dt.datetime(2024, 3, 2, tzinfo=UTC)},
    )
    dashboard = campaign_dashboard(campaign=campaign)
    total = dashboard.total
    # latest snapshot of each of 4 deliverables: 3000 views, 120 + 5 + 5 engagements
    assert total.views == 12_000 and total.engagements == 520
    assert total.engagement_rate == Decimal("0.0433")
    assert total.reach == 3200
    assert total.funnel == {
        25: Decimal("80.00"),
        50: Decimal("60.00"),
        75: Decimal("40.00"),
        100: Decimal("20.00"),
    }
    assert total.conversions == 1 and total.cost == Decimal("400")
    assert total.cost_per_result == Decimal("400.00")
    assert len(dashboard.creators) == 2
    assert sum(c.figures.views for c in dashboard.creators) == total.views
    assert first.pk in {row.id for row in dashboard.deliverables}


def test_an_empty_campaign_has_a_dashboard(agency):
    campaign = CampaignFactory(agency=agency)
    dashboard = campaign_dashboard(campaign=campaign)
    assert not dashboard.has_data and dashboard.total.engagement_rate is None
    assert dashboard.cost_from_budget and dashboard.total.cost == campaign.budget


@pytest.mark.parametrize("size", [1, 4])
def test_the_dashboard_query_count_does_not_grow_with_data(agency, django_assert_num_queries, size):
    campaign = CampaignFactory(agency=agency)
    build(campaign, creators=size, per_creator=size, snapshots=size)
    with django_assert_num_queries(3):
        # 1 deliverables with creator names, 2 latest snapshots, 3 conversions per deliverable
        campaign_dashboard(campaign=campaign)


def test_the_engagement_series_carries_each_deliverables_last_figures(agency):
    campaign = CampaignFactory(agency=agency)
    d = DeliverableFactory(campaign=campaign)
    SnapshotFactory(
        deliverable=d, captured_at=dt.datetime(2024, 3, 1, 12, tzinfo=UTC), views=100, likes=10
    )
    SnapshotFactory(
        deliverable=d, captured_at=dt.datetime(2024, 3, 3, 12, tzinfo=UTC), views=200, likes=10
    )
    series = engagement_series(
        campaign=campaign, days=4, until=dt.datetime(2024, 3, 4, 12, tzinfo=UTC)
    )
    assert series == [
        (dt.date(2024, 3, 1), Decimal("0.1000")),
        (dt.date(2024, 3, 2), Decimal("0.1000")),
        (dt.date(2024, 3, 3), Decimal("0.0500")),
        (dt.date(2024, 3, 4), Decimal("0.0500")),
    ]
    # a window starting after the first reading carries it in from before the window
    later = engagement_series(
        campaign=campaign, days=2, until=dt.datetime(2024, 3, 3, 12, tzinfo=UTC)
    )
    assert later == [
        (dt.date(2024, 3, 2), Decimal("0.1000")),
        (dt.date(2024, 3, 3), Decimal("0.0500")),
    ]


@pytest.mark.parametrize("size", [1, 3])
def test_the_dashboard_page_query_count_does_not_grow(
    agency, manager_client, django_assert_num_queries, size
):
    campaign = CampaignFactory(agency=agency)
    build(campaign, creators=size, per_creator=size, snapshots=size)
    url = reverse("campaigns:detail", kwargs={"agency_slug": "acme", "pk": campaign.pk})
    # savepoint, session, user, membership, campaign, dashboard (deliverables, latest
    # snapshots, conversions), engagement series (baseline, days), checklist,
    # deliverables page count, experiments, revenue from payout line items (the payouts
    # hook), deliverables page rows, release;
    # then the session save (savepoint, update, release). The same at every size.
    with django_assert_num_queries(19 + scoping_queries()):
        response = manager_client.get(url)
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
