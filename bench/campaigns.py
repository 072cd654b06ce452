"""Campaign dashboard benchmark: 1,000 deliverables and 1,000,000 metric snapshots.

`python -m bench campaigns` (add `--quick` for 100 deliverables x 10,000 snapshots). Data come
from a seeded generator and bulk inserts; the dashboard selector is then timed (median and
p95 over repeated runs) and its query count recorded, which must not grow with the data.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal

from bench.generators.campaigns import sponsored_campaign

SEED = 20240301


def generate(*, deliverables: int, snapshots: int, seed: int = SEED):
    """One agency, one campaign, `deliverables` posted deliverables over 50 creators and
    `snapshots` cumulative snapshots spread evenly over them. Returns the campaign."""
    from django.db import connection

    from agencies.models import Agency
    from campaigns.models import ConversionEvent, Deliverable
    from creators.models import Creator

    rng = random.Random(seed)
    agency = Agency.objects.create(name="Bench", slug=f"bench-{seed}", timezone="Europe/Amsterdam")
    campaign = sponsored_campaign(
        agency,
        brand="Bench Cola",
        name="Bench",
        code="BENCH",
        start=dt.date(2024, 3, 1),
        end=dt.date(2024, 5, 31),
        budget=Decimal("100000"),
    )
    creators = Creator.objects.bulk_create(
        Creator(agency=agency, display_name=f"Creator {i:03}", email=f"c{i}@bench.test")
        for i in range(50)
    )
    start = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
    rows = Deliverable.objects.bulk_create(
        [
            Deliverable(
                agency=agency,
                campaign=campaign,
                creator=creators[i % len(creators)],
                due_date=dt.date(2024, 3, 10),
                status="posted",
                posted_at=start + dt.timedelta(hours=i % 500),
                post_url=f"https://www.tiktok.com/@bench/video/{i}",
                fee=Decimal("250.00"),
            )
            for i in range(deliverables)
        ],
        batch_size=1000,
    )
    per = max(1, snapshots // deliverables)
    columns = (
        "agency_id, deliverable_id, captured_at, views, likes, comments, shares, saves, "
        "avg_watch_seconds, completion_25, completion_50, completion_75, completion_100, "
        "unique_reach, source, created_at"
    )
    sql = (
        f"INSERT INTO campaigns_metricsnapshot ({columns}) "  # noqa: S608 - constants only
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    batch = []
    with connection.cursor() as cursor:
        for d in rows:
            views = 0
            for j in range(per):
                views += rng.randint(10, 500)
                batch.append(
                    (
                        agency.pk,
                        d.pk,
                        start + dt.timedelta(hours=j),
                        views,
                        views // 20,
                        views // 200,
                        views // 300,
                        views // 400,
                        "12.50",
                        "80.00",
                        "60.00",
                        "40.00",
                        "20.00",
                        int(views * 0.8),
                        "csv",
                        now,
                    )
                )
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
        if batch:
            cursor.executemany(sql, batch)
    ConversionEvent.objects.bulk_create(
        ConversionEvent(
            agency=agency,
            campaign=campaign,
            kind="signup",
            occurred_at=start + dt.timedelta(hours=rng.randint(0, 600)),
            currency="EUR",
            deliverable=rows[rng.randrange(len(rows))],
        )
        for _ in range(deliverables * 2)
    )
    return campaign


def _timed(fn, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(args) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaigns.selectors import campaign_dashboard, engagement_series

    deliverables, snapshots = (100, 10_000) if args.quick else (1_000, 1_000_000)
    started = time.perf_counter()
    campaign = generate(deliverables=deliverables, snapshots=snapshots)
    generated = time.perf_counter() - started
    with CaptureQueriesContext(connection) as queries:
        dashboard = campaign_dashboard(campaign=campaign)
    assert dashboard.total.deliverables == deliverables
    dash = _timed(lambda: campaign_dashboard(campaign=campaign), 5 if args.quick else 20)
    until = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    series = _timed(lambda: engagement_series(campaign=campaign, until=until), 3)

    def p95(samples: list[float]) -> float:
        return sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]

    return [
        ("data", f"{deliverables:,} deliverables, {snapshots:,} snapshots"),
        ("generate (bulk insert)", f"{generated:.1f} s"),
        ("dashboard queries", str(len(queries))),
        ("dashboard latency median", f"{statistics.median(dash):.0f} ms"),
        ("dashboard latency p95", f"{p95(dash):.0f} ms"),
        ("engagement series (60 days) median", f"{statistics.median(series):.0f} ms"),
    ]
