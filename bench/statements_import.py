"""Payout statement CSV import: a seeded month of statements through the real import service.

Data: an agency whose roster has one creator per four statements (each with a TikTok
handle), and a statements CSV of 10,000 rows (1,000 with --quick; the full run adds
100,000): sources across the programs, 10 % in USD, about 60 % settled, 25 % estimated,
10 % paid by the platform and 5 % on hold, a few handles written with @ or in capitals.

Measured through `payouts.statement_import.statement_import`, in this process, each phase
with its wall time, rows per second and the queries it sent:
1. the first import (every statement new);
2. the same file again (every row unchanged);
3. the month-end file: every estimated statement now settled (those rows change);
4. that file again after half the settled statements were reconciled (their allocation and
   status set by SQL, as a reconciliation run leaves them): every row unchanged.
Beside it, a floor measured in the same run: reading the same file with the csv module into
plain tuples and writing them into the same table (for another agency) with multi-row
INSERTs of 2,000 rows through the database driver: no validation, no ORM, no audit rows.
(COPY would be faster, but PostgreSQL refuses COPY FROM into a table under row-level
security for the application's role, which is what production runs as.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import time
from decimal import Decimal

from payouts.statement_columns import COLUMNS

SEED = 11
SIZES = [10_000, 100_000]
QUICK_SIZES = [1_000]
SOURCES = ["creativity_program"] * 5 + ["creator_fund"] * 2 + ["live_gifts", "affiliate", "other"]


def _rows(size: int, handles: list[str], rng: random.Random) -> list[list[str]]:
    start, end = dt.date(2025, 1, 1), dt.date(2025, 1, 31)
    rows = []
    for i in range(size):
        handle = handles[i % len(handles)]
        if i % 17 == 0:
            handle = "@" + handle.upper()
        estimated = Decimal(rng.randrange(500, 2_500_000)) / 100
        roll = rng.random()
        status = (
            "estimated"
            if roll < 0.25
            else "on_hold"
            if roll < 0.30
            else "paid_by_platform"
            if roll < 0.40
            else "settled"
        )
        settled = "" if status in ("estimated", "on_hold") else f"{estimated * Decimal('0.98'):.2f}"
        rows.append(
            [
                f"TT-2025-01-{i:07d}",
                handle,
                SOURCES[i % len(SOURCES)],
                start.isoformat(),
                end.isoformat(),
                "USD" if i % 10 == 3 else "EUR",
                f"{estimated:.2f}",
                settled,
                status,
                "2025-02-05" if settled else "",
            ]
        )
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


def _roster(agency, count: int) -> list[str]:
    from creators.models import Creator, SocialAccount

    creators = Creator.objects.bulk_create(
        [
            Creator(agency=agency, display_name=f"Creator {i}", email=f"c{i}@bench.example")
            for i in range(count)
        ],
        batch_size=2_000,
    )
    handles = [f"creator.{agency.pk}.{i}" for i in range(count)]
    SocialAccount.objects.bulk_create(
        [
            SocialAccount(agency=agency, creator=c, platform="tiktok", handle=h, followers=50_000)
            for c, h in zip(creators, handles, strict=True)
        ],
        batch_size=2_000,
    )
    return handles


def _timed(label: str, size: int, call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return (
        result,
        seconds,
        (label, f"{seconds:.2f} s, {size / seconds:,.0f} rows/s, {len(queries)} queries"),
    )


def _floor(data: bytes, agency_id: int, creators: dict[str, int]) -> float:
    """Read the file into tuples and write them with one multi-row INSERT per 2,000 rows: what
    reading and storing the rows costs, with nothing checked. (Not COPY: PostgreSQL refuses
    COPY FROM into a table under row-level security for the app's role.)"""
    from django.db import connection, transaction
    from django.utils import timezone

    from payouts.models import PayoutStatement

    table = PayoutStatement._meta.db_table
    # The file's columns as the table's (the handle becomes the creator's id), then what the
    # file does not carry.
    file_columns = ["creator_id" if c == "creator_handle" else c for c in COLUMNS]
    columns = ["agency_id", *file_columns, "allocated_amount", "created_at", "updated_at"]
    started = time.perf_counter()
    now = timezone.now()
    reader = csv.reader(io.StringIO(data.decode()))
    next(reader)
    tuples = [
        (
            agency_id,
            ref,
            creators[handle.lstrip("@").lower()],
            source,
            start,
            end,
            currency,
            estimated,
            settled or None,
            status,
            date or None,
            "0.00",
            now,
            now,
        )
        for ref, handle, source, start, end, currency, estimated, settled, status, date in reader
    ]
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sqlite = connection.vendor == "sqlite"
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(tuples), 2_000):
            chunk = tuples[i : i + 2_000]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
                + ", ".join([marks] * len(chunk)),
                [
                    v.isoformat() if sqlite and isinstance(v, dt.datetime) else v
                    for r in chunk
                    for v in r
                ],
            )
    return time.perf_counter() - started


def _one_size(size: int, rng: random.Random) -> list[tuple[str, str]]:
    from django.db.models import F
    from django.test import override_settings

    from agencies.models import Agency
    from creators.models import SocialAccount
    from payouts.models import PayoutStatement
    from payouts.statement_import import statement_import

    agency = Agency.objects.create(name=f"Statements bench {size}", slug=f"bench-stmt-{size}")
    floor_agency = Agency.objects.create(name=f"Floor {size}", slug=f"bench-floor-{size}")
    handles = _roster(agency, max(1, size // 4))
    rows = _rows(size, handles, rng)
    data = _csv(rows)
    out: list[tuple[str, str]] = [(f"{size:,} rows: file", f"{len(data) / 1024 / 1024:.1f} MB")]

    def do(payload: bytes):
        return lambda: statement_import(agency=agency, actor=None, data=payload)

    with override_settings(STATEMENT_IMPORT_MAX_ROWS=max(size, 100_000)):
        first, seconds, line = _timed(f"{size:,} rows: first import (all new)", size, do(data))
        out.append(line)
        assert first.created == size, first
        again, _s, line = _timed(f"{size:,} rows: same file again", size, do(data))
        out.append(line)
        assert again.unchanged == size, again
        month_end = [
            [*r[:7], f"{Decimal(r[6]) * Decimal('0.97'):.2f}", "settled", "2025-02-10"]
            if r[8] == "estimated"
            else r
            for r in rows
        ]
        settled_data = _csv(month_end)
        changes = sum(1 for r in rows if r[8] == "estimated")
        result, _s, line = _timed(
            f"{size:,} rows: month-end file ({changes:,} estimated → settled)",
            size,
            do(settled_data),
        )
        out.append(line)
        assert result.updated == changes, result
        settled = PayoutStatement.objects.filter(agency=agency, status="settled")
        half = list(settled.order_by("pk").values_list("pk", flat=True)[::2])
        PayoutStatement.objects.filter(pk__in=half).update(
            allocated_amount=F("settled_amount"), status="reconciled"
        )
        result, _s, line = _timed(
            f"{size:,} rows: again after reconciling {len(half):,}", size, do(settled_data)
        )
        out.append(line)
        assert result.unchanged == size, result

    creators = {
        h.lower(): c
        for h, c in SocialAccount.objects.filter(agency=agency).values_list("handle", "creator_id")
    }
    floor = _floor(data, floor_agency.pk, creators)
    out.append(
        (
            f"{size:,} rows: floor (csv module + multi-row INSERT)",
            f"{floor:.2f} s, {size / floor:,.0f} rows/s",
        )
    )
    out.append((f"{size:,} rows: first import / floor", f"{seconds / floor:.1f} times"))
    return out


def run(args) -> list[tuple[str, str]]:
    from django.db import connection

    rng = random.Random(SEED)
    rows: list[tuple[str, str]] = [("database", connection.vendor)]
    for size in QUICK_SIZES if args.quick else SIZES:
        rows += _one_size(size, rng)
    return rows
