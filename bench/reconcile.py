"""Reconciliation at scale: 100,000 payout statements against 100,000 bank transactions.

The data come from bench/generators/reconcile.py with a known answer (missing and truncated
references, batched deposits, FX, fees, duplicates, reversals). Reported: the wall time of
one reconciliation run (`payouts.reconciliation.run_execute`, what the Celery task does),
the precision and recall of its automatic matches against the answer key, and the wall time
of a second run over the same data (which must change nothing).

Targets (issue 3): ≤ 30 s on PostgreSQL, precision ≥ 99.5 %, recall ≥ 95 %.
"""

from __future__ import annotations

import time

SIZE = 100_000
QUICK_SIZE = 5_000
SEED = 3


def run(args) -> list[tuple[str, str]]:
    from django.db import connection

    from agencies.models import Agency
    from bench.generators.reconcile import automatic_pairs, load, scenario, truth_pairs
    from payouts.models import Match, ReconciliationRun
    from payouts.reconciliation import run_execute

    size = QUICK_SIZE if args.quick else SIZE
    rows: list[tuple[str, str]] = [("database", connection.vendor)]

    started = time.perf_counter()
    plan = scenario(size, seed=SEED)
    agency = Agency.objects.create(name="Reconciliation bench", slug=f"bench-reconcile-{size}")
    load(agency, plan)
    rows.append(
        (
            f"generated and loaded {len(plan.statements):,} statements, "
            f"{len(plan.credits):,} transactions",
            f"{time.perf_counter() - started:.1f} s",
        )
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    started = time.perf_counter()
    first = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    elapsed = time.perf_counter() - started
    rows.append(("reconcile: wall time (target ≤ 30 s on PostgreSQL)", f"{elapsed:.1f} s"))

    truth = truth_pairs(plan)
    auto = automatic_pairs(agency)
    correct = len(auto & truth)
    precision = correct / len(auto) if auto else 1.0
    recall = correct / len(truth) if truth else 1.0
    rows.append(("automatic matches (statement-credit pairs)", f"{len(auto):,}"))
    rows.append(("precision (target ≥ 99.5 %)", f"{precision:.2%}"))
    rows.append(("recall (target ≥ 95 %)", f"{recall:.2%}"))
    rows.append(
        (
            "credits matched / ambiguous (queued) / unmatched",
            f"{first.matched_count:,} / {first.ambiguous_count:,} / {first.unmatched_count:,}",
        )
    )

    before = Match.objects.filter(agency=agency).count()
    started = time.perf_counter()
    second = run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency))
    rows.append(("rerun over the same data: wall time", f"{time.perf_counter() - started:.1f} s"))
    changed = Match.objects.filter(agency=agency).count() - before
    rows.append(
        (
            "rerun: new matches (must be 0)",
            f"{changed} (matched {second.matched_count}, queued {second.ambiguous_count})",
        )
    )
    return rows
