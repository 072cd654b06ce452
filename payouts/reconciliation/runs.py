"""Reconciliation runs: load the agency's open money, let the engine decide, write in batches."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from agencies.audit import audit_record
from agencies.models import Agency
from agencies.rls import tenant_transaction
from agencies.tasking import enqueue_on_commit
from payouts.models import (
    MATCHABLE_STATUSES,
    BankTransaction,
    CreditDebit,
    Match,
    MatchStatus,
    PayoutSettings,
    PayoutStatement,
    ReconciliationRun,
    RunStatus,
)
from payouts.selectors import reconciliation_summary

from .engine import EARLY, Config, Engine, RunStats, StatementState
from .references import normalise_reference, reference_tokens
from .reversals import reverse_pass
from .writes import write_batch

BATCH_SIZE = 2000
RUN_TASK = "payouts.tasks.reconciliation_run"


def config_for(agency: Agency) -> Config:
    """The agency's matching settings (created with defaults on first use)."""
    with tenant_transaction(agency.pk):
        settings, _created = PayoutSettings.objects.get_or_create(agency=agency)
    rates: dict[tuple[str, str], Decimal] = {}
    for key, value in (settings.fx_reference_rates or {}).items():
        try:
            base, quote = key.upper().split("/")
            rates[(base, quote)] = Decimal(str(value))
        except (ValueError, ArithmeticError):
            continue
    return Config(
        window=timedelta(days=settings.date_window_days),
        fx_tolerance=settings.fx_tolerance,
        fee_allowance=settings.fee_allowance,
        rates=rates,
    )


def open_credits(agency: Agency):
    waiting = Match.objects.filter(transaction=OuterRef("pk"), status=MatchStatus.PROPOSED)
    return (
        BankTransaction.objects.for_agency(agency)
        .filter(credit_debit=CreditDebit.CREDIT, is_reversal=False, reversed_by__isnull=True)
        .filter(allocated_amount__lt=F("amount"))
        .exclude(Exists(waiting))
    )


def load_statements(agency: Agency, first: dt.date, last: dt.date) -> dict[int, StatementState]:
    """Every matchable statement that is still open (any date), plus every one settled in
    [first, last] whatever its state: the batch and FX passes pick candidates by date among
    all of them, so a rerun sees the same neighbourhood as the first run did."""
    waiting = Match.objects.filter(statement=OuterRef("pk"), status=MatchStatus.PROPOSED)
    rows = (
        PayoutStatement.objects.for_agency(agency)
        .filter(status__in=MATCHABLE_STATUSES, settled_amount__isnull=False)
        .filter(
            Q(allocated_amount__lt=F("settled_amount"))
            | Q(settled_date__gte=first, settled_date__lte=last)
        )
        .annotate(waiting=Exists(waiting))
        .order_by("pk")
        .values_list(
            "pk",
            "platform_reference",
            "currency",
            "settled_amount",
            "allocated_amount",
            "settled_date",
            "waiting",
            "creator_id",
        )
    )
    return {
        pk: StatementState(
            pk, normalise_reference(ref), cur, settled, alloc, sdate, waiting, creator
        )
        for pk, ref, cur, settled, alloc, sdate, waiting, creator in rows
    }


PASSES = ("reference", "amount_date", "batch", "fx")


def reconcile(*, agency: Agency, run: ReconciliationRun | None = None, actor=None) -> RunStats:
    """Run every pass over the agency's open credits and statements (see module docstring).

    Idempotent: a second call over unchanged data creates and changes nothing; after a call
    that was killed half way, another call completes what the first would have done.
    """
    config = config_for(agency)
    stats = RunStats()
    if run is not None:
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING,
            started_at=timezone.now(),
            current_pass="reversal",  # noqa: S106
            error="",
        )
    stats.reversed = reverse_pass(agency, actor)

    credits = list(
        open_credits(agency)
        .order_by("pk")
        .values(
            "pk",
            "amount",
            "allocated_amount",
            "currency",
            "booking_date",
            "remittance_info",
            "end_to_end_id",
        )
    )
    if credits:
        first = min(t["booking_date"] for t in credits) - config.window
        last = max(t["booking_date"] for t in credits) + EARLY
        statements = load_statements(agency, first, last)
    else:
        statements = {}
    engine = Engine(config, statements)
    for t in credits:
        t["open"] = t["amount"] - t["allocated_amount"]
        t["tokens"] = reference_tokens(t["remittance_info"], t["end_to_end_id"])
    pairs = Match.objects.filter(agency=agency)
    if len(credits) < 5000:
        pairs = pairs.filter(transaction_id__in=[c["pk"] for c in credits])
    engine.known_pairs = set(pairs.values_list("statement_id", "transaction_id"))
    rules = {
        "reference": engine.by_reference,
        "amount_date": engine.by_amount_date,
        "batch": engine.by_batch,
        "fx": engine.by_fx,
    }
    stats.total = len(credits) * len(PASSES)
    if run is not None:
        ReconciliationRun.objects.filter(pk=run.pk).update(total=stats.total, processed=0)

    decided: set[int] = set()
    for name in PASSES:
        rule = rules[name]
        remaining = [t for t in credits if t["pk"] not in decided]
        stats.processed += len(credits) - len(remaining)  # decided in an earlier pass
        if name == "amount_date":
            engine.count_amount_candidates(remaining)
        elif name == "fx":
            engine.count_fx_candidates(remaining)
        if run is not None:
            ReconciliationRun.objects.filter(pk=run.pk).update(current_pass=name)
        for start in range(0, len(remaining), BATCH_SIZE):
            batch = remaining[start : start + BATCH_SIZE]
            decisions = []
            for t in batch:
                decision = engine.decide(rule, t)
                if decision is not None:
                    engine.apply_in_memory(decision)
                    decisions.append(decision)
                    decided.add(t["pk"])
            stats.processed += len(batch)
            with tenant_transaction(agency.pk):  # row-level security: this agency's rows
                if connection.vendor == "postgresql":
                    # A batch need not wait for its commit to reach the disk: after a crash
                    # of the database the rerun redoes any batch lost (atomicity stays).
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                # One run per agency at a time between batches: lock the settings row.
                PayoutSettings.objects.select_for_update().filter(agency=agency).first()
                matched, proposed = write_batch(agency, run, decisions)
                stats.matched += matched
                stats.ambiguous += proposed
                if run is not None:
                    ReconciliationRun.objects.filter(pk=run.pk).update(
                        processed=stats.processed,
                        matched_count=F("matched_count") + matched,
                        ambiguous_count=F("ambiguous_count") + proposed,
                    )
    stats.unmatched = len(credits) - len(decided)
    return stats


def run_start(*, agency: Agency, actor) -> ReconciliationRun:
    """Create a queued run and enqueue its Celery task once the transaction commits."""
    with transaction.atomic():
        run = ReconciliationRun.objects.create(agency=agency, created_by=actor)
        audit_record(agency=agency, actor=actor, action="reconciliation.start", obj=run)
        enqueue_on_commit(RUN_TASK, agency.pk, run.pk)
    return run


def agencies_due(*, busy_for: timedelta = timedelta(hours=6)) -> list[Agency]:
    """Agencies with something new to reconcile: a bank transaction imported since their
    last completed run started, or a statement changed since it finished (or no run yet, with
    open credits); and no run queued or running for less than `busy_for` (older ones were
    abandoned by a worker)."""
    now = timezone.now()
    busy = ReconciliationRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING], created_at__gte=now - busy_for
    ).values("agency_id")
    due = []
    for agency in Agency.objects.exclude(pk__in=busy).order_by("pk"):
        last = (
            ReconciliationRun.objects.filter(agency=agency, status=RunStatus.COMPLETED)
            .order_by("-finished_at")
            .values_list("started_at", "finished_at")
            .first()
        )
        if last is None:
            if open_credits(agency).exists():
                due.append(agency)
        elif (
            BankTransaction.objects.filter(agency=agency, created_at__gt=last[0]).exists()
            # The run's own allocations change statements before it finishes.
            or PayoutStatement.objects.filter(agency=agency, updated_at__gt=last[1]).exists()
        ):
            due.append(agency)
    return due


def start_due_runs() -> list[ReconciliationRun]:
    """Start a reconciliation run for every agency that has something new (periodic job)."""
    return [run_start(agency=agency, actor=None) for agency in agencies_due()]


def run_execute(*, agency: Agency, run: ReconciliationRun, actor=None) -> ReconciliationRun:
    """Execute a run (the Celery task and the management command call this).

    Safe to call again for a run whose worker died: it starts over from the database, and
    its counts include what the earlier attempt committed.
    """
    try:
        stats = reconcile(agency=agency, run=run, actor=actor)
    except Exception as exc:
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise
    with tenant_transaction(agency.pk):
        run = ReconciliationRun.objects.select_for_update().get(pk=run.pk)
        mine = Match.objects.filter(run=run)
        run.status = RunStatus.COMPLETED
        run.finished_at = timezone.now()
        run.current_pass = ""
        run.matched_count = (
            mine.filter(status__in=[MatchStatus.CONFIRMED, MatchStatus.REVERSED])
            .values("transaction_id")
            .distinct()
            .count()
        )
        run.ambiguous_count = mine.exclude(group="").values("group").distinct().count()
        run.unmatched_count = stats.unmatched
        run.processed = run.total = stats.total
        run.summary = {**reconciliation_summary(agency), "reversed": stats.reversed}
        run.save()
        audit_record(
            agency=agency,
            actor=actor,
            actor_label="" if actor else "celery:reconciliation_run",
            action="reconciliation.complete",
            obj=run,
            after={
                "matched": run.matched_count,
                "ambiguous": run.ambiguous_count,
                "unmatched": run.unmatched_count,
                "reversed": stats.reversed,
            },
        )
    return run
