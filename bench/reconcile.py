"""Reconciliation at scale: 100,000 payout statements against 100,000 bank transactions.

The data come from bench/generators/reconcile.py with a known answer (missing and truncated
references, batched deposits, FX, fees, duplicates, reversals). Reported: the wall time of
one reconciliation run (`payouts.reconciliation.run_execute`, what the Celery task does) and
how much of it the SQL writes of `payouts/reconciliation/writes.py` took, the precision and
recall of its automatic matches against the answer key, and the wall time of a second run
over the same data (which must change nothing).

On PostgreSQL the write side is measured three ways in the same process, on the same data:

- **before**: a first agency is reconciled with the indexes that migration payouts/0005
  dropped put back (`OLD_INDEXES`), as the tables were before it;
- **after**: a second agency with the same data, on the tables as migrated;
- **floor**: the writes of the "after" run replayed as the same bare SQL statements, batch
  by batch, into copies of the three tables that have a primary key and nothing else (no
  other index, no constraint, no foreign key, no row-level security): what writing the
  rows costs at all.

Targets (issue 11): ≤ 15 s on PostgreSQL on this 2-core machine.
"""

from __future__ import annotations

import cProfile
import os
import time
from collections import defaultdict
from contextlib import contextmanager

SIZE = 100_000
QUICK_SIZE = 5_000
SEED = 3

# The indexes migration payouts/0005 dropped, as they were (to measure "before").
OLD_INDEXES = {
    "payouts_payoutstatement_agency_id_81617499": "payouts_payoutstatement (agency_id)",
    "statement_agency_status": "payouts_payoutstatement (agency_id, status)",
    "payouts_banktransaction_agency_id_c0f08019": "payouts_banktransaction (agency_id)",
    "payouts_match_agency_id_b0b585f2": "payouts_match (agency_id)",
    "payouts_match_statement_id_364fe3ac": "payouts_match (statement_id)",
    "payouts_match_group_a1fb09f5": 'payouts_match ("group")',
    "payouts_match_group_a1fb09f5_like": 'payouts_match ("group" varchar_pattern_ops)',
    "payouts_match_created_by_id_a8226a49": "payouts_match (created_by_id)",
    "payouts_match_decided_by_id_46bcb76f": "payouts_match (decided_by_id)",
}
# ... and the partial ones it added in their place.
NEW_PARTIAL_INDEXES = {
    "match_created_by": "payouts_match (created_by_id) WHERE created_by_id IS NOT NULL",
    "match_decided_by": "payouts_match (decided_by_id) WHERE decided_by_id IS NOT NULL",
}
WRITE_HELPERS = ("_write_prepared", "_lock", "_pairs_of", "_insert_matches", "_save_allocations")


def _execute(sql: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _old_indexes(present: bool) -> None:
    """Put the indexes of before payouts/0005 back (True) or take them out again (False)."""
    for name, target in OLD_INDEXES.items():
        _execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}"
            if present
            else f"DROP INDEX IF EXISTS {name}"
        )
    for name, target in NEW_PARTIAL_INDEXES.items():
        _execute(
            f"DROP INDEX IF EXISTS {name}"
            if present
            else f"CREATE INDEX IF NOT EXISTS {name} ON {target}"
        )


@contextmanager
def timed_writes(record: list | None = None):
    """Time each SQL helper of payouts.reconciliation.writes while the block runs (and keep
    the rows written, for the floor replay). Yields {helper: seconds}."""
    from payouts.reconciliation import writes

    seconds: dict[str, float] = defaultdict(float)
    originals = {name: getattr(writes, name) for name in WRITE_HELPERS}

    def wrap(name, helper):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return helper(*args, **kwargs)
            finally:
                label = name
                if name == "_save_allocations":
                    label = f"{name}({args[0].__name__})"
                seconds[label] += time.perf_counter() - started
                if record is not None and name in (
                    "_write_prepared",
                    "_insert_matches",
                    "_save_allocations",
                ):
                    record.append((label, args[-1]))

        return timed

    from payouts.reconciliation import runs

    write_one = runs._write

    def batch(*args, **kwargs):
        # A whole batch's transaction: the helpers above, the settings lock, progress,
        # heartbeat and the commit with its deferred foreign-key checks.
        started = time.perf_counter()
        try:
            return write_one(*args, **kwargs)
        finally:
            seconds["(batches)"] += time.perf_counter() - started

    deciders = {name: getattr(runs, name) for name in ("_decided", "_decided_apart")}

    def waited(decider):
        # Time spent waiting for the engine's next batch (in this process when inline, or
        # for the forked child's), and when the first one arrived (loading is over then).
        def events(*args):
            started = time.perf_counter()
            seconds["(loading)"] = started - seconds.pop("(started)", started)
            iterator = decider(*args)
            while True:
                before = time.perf_counter()
                try:
                    event = next(iterator)
                except StopIteration:
                    return
                finally:
                    seconds["(deciding)"] += time.perf_counter() - before
                yield event

        return events

    for name, helper in originals.items():
        setattr(writes, name, wrap(name, helper))
    runs._write = batch
    for name, decider in deciders.items():
        setattr(runs, name, waited(decider))
    try:
        yield seconds
    finally:
        for name, helper in originals.items():
            setattr(writes, name, helper)
        runs._write = write_one
        for name, decider in deciders.items():
            setattr(runs, name, decider)


def _floor(agency, record: list) -> dict[str, float]:
    """Replay the recorded writes as bare SQL into primary-key-only copies; seconds taken
    by each kind of write (the copies are made first and dropped after, untimed)."""
    from payouts.reconciliation.writes import MATCH_COLUMNS, MATCH_TYPES

    tables = {
        "match": "payouts_match",
        "stmt": "payouts_payoutstatement",
        "txn": "payouts_banktransaction",
    }
    for short, table in tables.items():
        _execute(f"DROP TABLE IF EXISTS bench_floor_{short}")
        _execute(
            f"CREATE TABLE bench_floor_{short} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        if short != "match":
            _execute(
                f"INSERT INTO bench_floor_{short} SELECT * FROM {table} WHERE agency_id = %s",  # noqa: S608
                [agency.pk],
            )
        _execute(f"ALTER TABLE bench_floor_{short} ADD PRIMARY KEY (id)")
        _execute(f"ANALYZE bench_floor_{short}")
    columns = ", ".join(f'"{c}"' for c in ["agency_id", "created_at", "note", *MATCH_COLUMNS])
    arrays = ", ".join(f"%s::{kind}[]" for kind in MATCH_TYPES)
    from django.db import transaction

    seconds: dict[str, float] = defaultdict(float)
    for label, rows in record:
        if not rows:
            continue
        started = time.perf_counter()
        with transaction.atomic():
            _execute("SET LOCAL synchronous_commit TO OFF")  # as the run's batches do
            if label == "_write_prepared":
                # The optimistic batch (writes.prepare): its arrays, no guard, no index.
                batch = rows
                if batch.counts[0]:
                    _execute(
                        "UPDATE bench_floor_txn AS t SET allocated_amount = "
                        "t.allocated_amount + v.added FROM unnest(%s::bigint[], "
                        "%s::numeric[]) AS v(id, added) WHERE t.id = v.id AND t.id = ANY(%s)",
                        [*batch.transactions, batch.transactions[0]],
                    )
                if batch.counts[1]:
                    _execute(
                        "UPDATE bench_floor_stmt AS t SET allocated_amount = "
                        "t.allocated_amount + v.added, status = 'reconciled', updated_at = now() "
                        "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, added) "
                        "WHERE t.id = v.id AND t.id = ANY(%s)",
                        [*batch.statements, batch.statements[0]],
                    )
                if batch.counts[2]:
                    _execute(
                        f"INSERT INTO bench_floor_match ({columns}) "  # noqa: S608
                        f"SELECT %s, now(), '', * FROM unnest({arrays})",
                        [agency.pk, *batch.matches],
                    )
            elif label == "_insert_matches":
                _execute(
                    f"INSERT INTO bench_floor_match ({columns}) "  # noqa: S608
                    f"SELECT %s, now(), '', * FROM unnest({arrays})",
                    [agency.pk, *(list(c) for c in zip(*rows, strict=True))],
                )
            else:
                ids, amounts, statuses = (list(c) for c in zip(*rows, strict=True))
                if "PayoutStatement" in label:
                    _execute(
                        "UPDATE bench_floor_stmt AS t SET allocated_amount = v.allocated, "
                        "status = v.status, updated_at = now() FROM unnest(%s::bigint[], "
                        "%s::numeric[], %s::text[]) AS v(id, allocated, status) "
                        "WHERE t.id = v.id AND t.id = ANY(%s)",
                        [ids, amounts, statuses, ids],
                    )
                else:
                    _execute(
                        "UPDATE bench_floor_txn AS t SET allocated_amount = v.allocated "
                        "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, allocated) "
                        "WHERE t.id = v.id AND t.id = ANY(%s)",
                        [ids, amounts, ids],
                    )
        seconds[label] += time.perf_counter() - started
    for short in tables:
        _execute(f"DROP TABLE bench_floor_{short}")
    return dict(seconds)


def _run_once(
    agency, record: list | None = None, profile: str = ""
) -> tuple[float, dict[str, float], object]:
    from payouts.models import ReconciliationRun
    from payouts.reconciliation import run_execute

    profiler = cProfile.Profile() if profile else None
    with timed_writes(record) as seconds:
        started, cpu = time.perf_counter(), time.process_time()
        seconds["(started)"] = started
        if profiler:
            profiler.enable()
        result = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        # This process's CPU, all its threads (the writing thread too): less at the mercy
        # of other work on the machine than the wall time.
        seconds["(client CPU)"] = time.process_time() - cpu
    if profiler:
        profiler.dump_stats(profile)
    return elapsed, dict(seconds), result


def _write_rows(label: str, elapsed: float, seconds: dict[str, float]) -> list[tuple[str, str]]:
    seconds = dict(seconds)
    cpu = seconds.pop("(client CPU)", None)
    batches = seconds.pop("(batches)", None)
    seconds.pop("(started)", None)
    loading = seconds.pop("(loading)", None)
    deciding = seconds.pop("(deciding)", None)
    writes = sum(seconds.values())
    parts = ", ".join(f"{name.lstrip('_')} {value:.1f}" for name, value in sorted(seconds.items()))
    return [
        (f"{label}: reconcile wall time", f"{elapsed:.1f} s"),
        # Large runs write from a thread while the engine decides: these overlap the rest.
        (f"{label}: SQL writes (their own thread)", f"{writes:.1f} s ({parts})"),
        *(
            [(f"{label}: batch transactions, commit included", f"{batches:.1f} s")]
            if batches is not None
            else []
        ),
        *(
            [
                (f"{label}: loading (reversals, statements, credits)", f"{loading:.1f} s"),
                (f"{label}: waiting for the engine's next batch", f"{deciding:.1f} s"),
            ]
            if loading is not None and deciding is not None
            else []
        ),
        *([(f"{label}: CPU of the bench process", f"{cpu:.1f} s")] if cpu is not None else []),
    ]


def run(args) -> list[tuple[str, str]]:
    from django.db import connection

    from agencies.models import Agency
    from bench.generators.reconcile import automatic_pairs, load, scenario, truth_pairs
    from payouts.models import Match, ReconciliationRun
    from payouts.reconciliation import run_execute

    size = QUICK_SIZE if args.quick else SIZE
    postgres = connection.vendor == "postgresql"
    rows: list[tuple[str, str]] = [("database", connection.vendor)]

    started = time.perf_counter()
    plan = scenario(size, seed=SEED)
    rows.append(
        (
            f"generated {len(plan.statements):,} statements, {len(plan.credits):,} transactions",
            f"{time.perf_counter() - started:.1f} s",
        )
    )

    # BENCH_RECONCILE_PROFILE=FILE: cProfile the "now" run into FILE (pstats), for finding where
    # a run's time goes; BENCH_RECONCILE_NOW_ONLY=1 skips the "before" variant and the floor.
    profile = os.environ.get("BENCH_RECONCILE_PROFILE", "")
    now_only = os.environ.get("BENCH_RECONCILE_NOW_ONLY") == "1"
    if postgres and not now_only:
        # Before payouts/0005: the same data in a first agency, the old indexes back.
        before = Agency.objects.create(
            name="Reconciliation bench (before)", slug=f"bench-before-{size}"
        )
        load(before, plan)
        _old_indexes(True)
        _execute("ANALYZE")
        elapsed, seconds, _result = _run_once(before)
        _old_indexes(False)
        rows += _write_rows("before payouts/0005 (old indexes back)", elapsed, seconds)

    agency = Agency.objects.create(name="Reconciliation bench", slug=f"bench-reconcile-{size}")
    started = time.perf_counter()
    load(agency, plan)
    rows.append(("loaded (bulk insert)", f"{time.perf_counter() - started:.1f} s"))
    if postgres:
        _execute("ANALYZE")

    record: list = []
    elapsed, seconds, first = _run_once(agency, record, profile)
    rows.append(("reconcile: wall time (target ≤ 15 s on PostgreSQL)", f"{elapsed:.1f} s"))
    rows += _write_rows("now", elapsed, seconds)
    if postgres and not now_only:
        floor = _floor(agency, record)
        parts = ", ".join(f"{k.lstrip('_')} {v:.1f}" for k, v in sorted(floor.items()))
        rows.append(
            (
                "floor: the same writes as bare SQL into pk-only tables",
                f"{sum(floor.values()):.1f} s ({parts})",
            )
        )

    truth = truth_pairs(plan)
    auto = automatic_pairs(agency)
    correct = len(auto & truth)
    precision = correct / len(auto) if auto else 1.0
    recall = correct / len(truth) if truth else 1.0
    rows.append(("automatic matches (statement-credit pairs)", f"{len(auto):,}"))
    rows.append(("precision", f"{precision:.2%}"))
    rows.append(("recall", f"{recall:.2%}"))
    rows.append(
        (
            "credits matched / ambiguous (queued) / unmatched",
            f"{first.matched_count:,} / {first.ambiguous_count:,} / {first.unmatched_count:,}",
        )
    )

    before_count = Match.objects.filter(agency=agency).count()
    started = time.perf_counter()
    second = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    rows.append(("rerun over the same data: wall time", f"{time.perf_counter() - started:.1f} s"))
    changed = Match.objects.filter(agency=agency).count() - before_count
    rows.append(
        (
            "rerun: new matches (must be 0)",
            f"{changed} (matched {second.matched_count}, queued {second.ambiguous_count})",
        )
    )
    return rows
