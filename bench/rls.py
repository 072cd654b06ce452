"""Row-level security benchmark: what the fail-closed policy costs a query that relies on it.

Seeds the roster benchmark's agencies (10,000 + 1,000 creators; a tenth with --quick), then,
on PostgreSQL, times two queries side by side in one run, each 200 times (median):
- the floor: the owner's login (no policy applies) with the agency filter written out,
  `WHERE agency_id = …`, as the application's querysets do;
- the policy alone: the app role scoped to the agency and no filter in the query, so only
  `agency_id = current_setting('app.agency_id')` narrows it.
for a count and for "the first 25 creators by name". With the old fail-open policy
(`setting IS NULL OR agency_id = setting`) PostgreSQL could not use the agency's indexes for
the second (108 times slower, issue 12); with plain equality it uses the same plan as the floor.
"""

from __future__ import annotations

import random
import statistics
import time

REPEAT = 200


def _median_ms(cursor, sql: str, params: list) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(args) -> list[tuple[str, str]]:
    from django.conf import settings
    from django.db import connection, transaction

    from bench.roster import generate

    if connection.vendor != "postgresql":
        return [("skipped", "row-level security exists on PostgreSQL only")]
    rng = random.Random(7)
    size = 1_000 if args.quick else 10_000
    agency, _owner = generate("rls-big", size, rng)
    generate("rls-small", size // 10, rng)
    queries = {
        "count": (
            "SELECT count(*) FROM creators_creator WHERE agency_id = %s",
            "SELECT count(*) FROM creators_creator",
        ),
        "first 25 by name": (
            "SELECT id, display_name FROM creators_creator WHERE agency_id = %s "
            "ORDER BY display_name, id LIMIT 25",
            "SELECT id, display_name FROM creators_creator ORDER BY display_name, id LIMIT 25",
        ),
    }
    rows = [("creators", f"{size:,} + {size // 10:,} in another agency")]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE creators_creator")
        for label, (floor_sql, policy_sql) in queries.items():
            floor = _median_ms(cursor, floor_sql, [agency.pk])
            with transaction.atomic():
                cursor.execute(
                    "SELECT set_config('role', %s, true), set_config('app.agency_id', %s, true)",
                    [settings.DATABASE_APP_ROLE, str(agency.pk)],
                )
                cursor.execute(policy_sql)
                assert len(cursor.fetchall()) == (1 if label == "count" else 25)
                policy = _median_ms(cursor, policy_sql, [])
                cursor.execute("EXPLAIN " + policy_sql)
                plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:3])
            rows.append((f"{label}: agency filter, no policy (floor)", f"{floor:.3f} ms"))
            rows.append((f"{label}: policy alone (app role)", f"{policy:.3f} ms"))
            rows.append((f"{label}: ratio policy / floor", f"{policy / floor:.2f}x"))
            rows.append((f"{label}: plan", plan[:110]))
    return rows
