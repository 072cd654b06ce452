"""Insights benchmark: eligibility and estimates for a large roster with a year of metrics.

Generates an agency with 10,000 creators (1,000 with --quick), each with a TikTok account
holding a year of daily snapshots (3.65 M rows; 365,000 with --quick), 6-14 videos, birth
dates, countries and account types spread across the rules, a strike on one creator in 40 and
a small RPM table; a second agency with a tenth of that shares the tables. The snapshot and
video rows are bulk-inserted with raw multi-row statements (COPY on PostgreSQL for a role that
bypasses row-level security): building 3.65 M model instances would measure Django, not the
feature.

Then it times, and counts the queries of:
- `creator_insights` over the whole roster: eligibility (both programs, every rule), the
  RPM choice, the rolling 30-day forecast (both programs) and the rate-card tier;
- the first `eligibility_scan` (records 20,000 states) and a second one (nothing changed);
- the roster's "eligible" and "close to eligible" SQL filters (a count each);
- one creator's insight page data (365 snapshots for the chart, 500 videos at most).

Deterministic: a fixed seed drives every figure.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SEED = 7
DAYS = 365
COUNTRIES = ["US", "US", "GB", "FR", "DE", "ES", "IT", "NL", "JP", "BR", "CA", "KR"]
ACCOUNT_TYPES = ["creator"] * 6 + ["business"] * 2 + ["personal"]
NICHES = ["beauty", "finance", "tech", "education", "gaming", "food"]


def _adapt(connection, value):
    # Raw statements skip Django's field adapters; store dates and times as Django does.
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _may_copy(connection, cursor) -> bool:
    """PostgreSQL refuses COPY FROM into a table under row-level security unless the role
    bypasses it; the app's own role (as in CI) does not."""
    if connection.vendor != "postgresql":
        return False
    cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


def _insert(connection, cursor, table: str, columns: list[str], rows) -> int:
    """Bulk-insert `rows` (tuples): COPY on PostgreSQL where the role may, multi-row INSERTs
    otherwise."""
    count = 0
    if _may_copy(connection, cursor):
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    width = len(columns)
    per_statement = max(1, 30_000 // width)  # SQLite allows 32,766 variables, PostgreSQL 65,535
    batch: list = []

    def flush():
        placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(batch))
        flat = [value for row in batch for value in row]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders}"  # noqa: S608
        cursor.execute(sql, flat)  # table and column names are ours; values are parameters

    for row in rows:
        batch.append(tuple(_adapt(connection, value) for value in row))
        count += 1
        if len(batch) == per_statement:
            flush()
            batch = []
    if batch:
        flush()
    return count


def _followers(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.25:
        return rng.randrange(2_000, 9_000)
    if roll < 0.40:
        return rng.randrange(9_000, 10_000)  # close to the threshold
    if roll < 0.85:
        return rng.randrange(10_000, 500_000)
    return rng.randrange(500_000, 3_000_000)


def generate(slug: str, size: int, rng: random.Random, today: date):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from agencies.models import Agency, Membership
    from agencies.roles import Role
    from creators.models import (
        AccountSnapshot,
        Creator,
        NicheTag,
        PolicyStrike,
        RpmRate,
        SocialAccount,
        Video,
    )

    agency = Agency.objects.create(name=f"Bench {slug}", slug=slug, timezone="America/Los_Angeles")
    owner = get_user_model().objects.create(
        username=f"owner@{slug}.test", email=f"owner@{slug}.test"
    )
    Membership.objects.create(user=owner, agency=agency, role=Role.OWNER)
    tags = NicheTag.objects.bulk_create(NicheTag(agency=agency, name=n) for n in NICHES)
    RpmRate.objects.bulk_create(
        [
            RpmRate(agency=agency, program="creativity_program", country="US", rpm_low="0.80",
                    rpm_high="1.80"),
            RpmRate(agency=agency, program="creativity_program", niche=tags[1], rpm_low="0.90",
                    rpm_high="2.00"),
            RpmRate(agency=agency, program="creator_fund", country="GB", rpm_low="0.03",
                    rpm_high="0.05"),
        ]
    )  # fmt: skip
    creators = Creator.objects.bulk_create(
        (
            Creator(
                agency=agency,
                display_name=f"Bench creator {i}",
                email=f"creator{i}@{slug}.example",
                country=rng.choice(COUNTRIES),
                account_type=rng.choice(ACCOUNT_TYPES),
                date_of_birth=date(rng.randint(1975, 2008), rng.randint(1, 12), rng.randint(1, 28)),
            )
            for i in range(size)
        ),
        batch_size=2000,
    )
    through = Creator.niches.through
    through.objects.bulk_create(
        (through(creator_id=c.pk, nichetag_id=rng.choice(tags).pk) for c in creators),
        batch_size=5000,
    )
    accounts = SocialAccount.objects.bulk_create(
        (
            SocialAccount(
                agency=agency,
                creator=c,
                platform="tiktok",
                handle=f"{slug}_{i}",
                followers=_followers(rng),
            )
            for i, c in enumerate(creators)
        ),
        batch_size=2000,
    )
    PolicyStrike.objects.bulk_create(
        PolicyStrike(agency=agency, creator=c, date=today - timedelta(days=30), reason="bench")
        for c in creators[::40]
    )
    now = datetime.now(UTC)
    start = today - timedelta(days=DAYS - 1)
    snapshot_table = AccountSnapshot._meta.db_table
    video_table = Video._meta.db_table

    def snapshot_rows():
        for account in accounts:
            followers = account.followers
            base_views = rng.randrange(20_000, 400_000)
            growth = max(1, followers // 600)
            for day in range(DAYS):
                value = max(0, followers - (DAYS - 1 - day) * growth)
                views = base_views + (day * 97 + account.pk) % 25_000
                yield (
                    agency.pk, account.pk, start + timedelta(days=day), value, views, "",
                    "csv", now, now,
                )  # fmt: skip

    def video_rows():
        for account in accounts:
            for n in range(rng.randint(6, 14)):
                views = rng.randrange(1_000, 400_000)
                yield (
                    agency.pk, account.pk, f"{account.pk}-{n}", "",
                    now - timedelta(days=rng.randrange(1, 90), minutes=n),
                    rng.choice([15, 30, 45, 60, 61, 75, 90, 180]), views,
                    rng.randrange(0, views), None, "csv", now, now,
                )  # fmt: skip

    with transaction.atomic(), connection.cursor() as cursor:
        snapshots = _insert(
            connection,
            cursor,
            snapshot_table,
            ["agency_id", "social_account_id", "date", "followers", "views_last_30_days",
             "audience_country", "source", "created_at", "updated_at"],
            snapshot_rows(),
        )  # fmt: skip
        videos = _insert(
            connection,
            cursor,
            video_table,
            ["agency_id", "social_account_id", "platform_video_id", "title", "posted_at",
             "duration_seconds", "views", "qualified_views", "average_watch_seconds", "source",
             "created_at", "updated_at"],
            video_rows(),
        )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {snapshot_table}; ANALYZE {video_table}")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return agency, creators, snapshots, videos


def _timed(label: str, rows: list, func):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - started
    rows.append((f"{label}: time", f"{elapsed:.2f} s"))
    rows.append((f"{label}: queries", str(len(queries.captured_queries))))
    return result


def run(args) -> list[tuple[str, str]]:
    from creators.insights.eligibility_watch import eligibility_scan
    from creators.insights.selectors import (
        agency_today,
        creator_insights,
        filter_by_eligibility,
        insight_page,
    )
    from creators.models import Creator, EligibilityStatus, Program

    size = 1_000 if args.quick else 10_000
    rng = random.Random(SEED)
    rows: list[tuple[str, str]] = []
    started = time.perf_counter()
    # The agencies keep Los Angeles time: "today" is the agency's.
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    agency, creators, snapshots, videos = generate("insights", size, rng, today)
    _other, _c, other_snapshots, _v = generate("elsewhere", size // 10, rng, today)
    rows.append(
        (
            f"generate {size:,} creators, {snapshots:,} snapshots, {videos:,} videos",
            f"{time.perf_counter() - started:.1f} s",
        )
    )
    rows.append(("(second agency: snapshots sharing the table)", f"{other_snapshots:,}"))
    today = agency_today(agency)
    roster = Creator.objects.filter(agency=agency)

    insights = _timed(
        f"eligibility + estimates for {size:,} creators",
        rows,
        lambda: creator_insights(agency=agency, creators=roster, today=today),
    )
    cp = Program.CREATIVITY_PROGRAM
    eligible = sum(1 for i in insights.values() if i.eligibility[cp].eligible)
    close = sum(1 for i in insights.values() if i.eligibility[cp].status == EligibilityStatus.CLOSE)
    forecast_low = sum(i.forecasts[cp].estimate.low for i in insights.values())
    forecast_high = sum(i.forecasts[cp].estimate.high for i in insights.values())
    rows.append(("Creativity Program: eligible / close", f"{eligible:,} / {close:,}"))
    rows.append(
        (
            "Creativity Program: 30-day forecast, roster total",
            f"${forecast_low:,} - ${forecast_high:,}",
        )
    )

    sql_eligible = _timed(
        "roster filter 'eligible' (SQL count)",
        rows,
        lambda: filter_by_eligibility(roster, cp, agency=agency).count(),
    )
    sql_close = _timed(
        "roster filter 'close to eligible' (SQL count)",
        rows,
        lambda: filter_by_eligibility(roster, cp, agency=agency, close=True).count(),
    )
    agrees = (sql_eligible, sql_close) == (eligible, close)
    rows.append(("SQL filter agrees with the Python rules", "yes" if agrees else "NO"))
    first = _timed(
        "eligibility scan, first run (stores states)",
        rows,
        lambda: eligibility_scan(agency=agency, today=today),
    )
    rows.append(("  states recorded", f"{first.recorded:,}"))
    _timed(
        "eligibility scan, second run (nothing changed)",
        rows,
        lambda: eligibility_scan(agency=agency, today=today),
    )
    _timed(
        "one creator's insight page data (365 snapshots)",
        rows,
        lambda: insight_page(agency=agency, creator=creators[0], today=today),
    )
    return rows
