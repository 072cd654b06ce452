"""Reconciliation runs: load the agency's open money, let the engine decide, write in batches."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, Exists, F, Max, Min, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.audit import audit_record, snapshot
from agencies.models import Agency
from agencies.tasking import enqueue_on_commit
from core.db_scope import tenant_transaction
from core.forking import fork_context, sending_ahead
from payouts.fx import RateBook, fallback_rates
from payouts.models import (
    MATCHABLE_STATUSES,
    BankTransaction,
    CreditDebit,
    IssueKind,
    Match,
    MatchRule,
    MatchStatus,
    PayoutSettings,
    PayoutStatement,
    ReconciliationIssue,
    ReconciliationRun,
    RunStatus,
)
from payouts.selectors import reconciliation_summary

from .engine import (
    EARLY,
    PASSES,
    Config,
    Credit,
    Engine,
    RunStats,
    StatementState,
    evidence_level,
    fixed_rates,
)
from .locks import lock_agency
from .references import normalise_reference, quoted_amounts
from .reversals import agency_references, reverse_pass
from .writes import Batch, prepare, write_batch

BATCH_SIZE = 2000
# Runs with at least this many open credits decide in a forked process (`_decided_apart`).
DECIDE_APART_FROM = 2 * BATCH_SIZE
# How many decided batches the deciding process may keep ready for the writing one. The
# passes alternate between many cheap decisions (the writer is behind) and few costly ones
# (the writer waits): a few batches of slack keep both busy. About a megabyte each.
AHEAD = 8
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
RUN_TASK = "payouts.tasks.reconciliation_run"

logger = logging.getLogger(__name__)


def config_for(agency: Agency) -> Config:
    """The agency's matching settings (created with defaults on first use)."""
    with tenant_transaction(agency.pk):
        settings, _created = PayoutSettings.objects.get_or_create(agency=agency)
    # The undated rates of the settings until `reconcile` has loaded the dated rate book.
    return Config(
        window=timedelta(days=settings.date_window_days),
        fx_tolerance=settings.fx_tolerance,
        fee_allowance=settings.fee_allowance,
        rate_on=fixed_rates(fallback_rates(settings.fx_reference_rates)),
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
    all of them, so a rerun sees the same neighbourhood as the first run did. Statements in
    a proposal waiting for a person come marked with that proposal's evidence level
    (`contested`)."""
    contested: dict[int, int] = {}
    for statement_id, reasons in (
        Match.objects.for_agency(agency)
        .filter(status=MatchStatus.PROPOSED)
        .values_list("statement_id", "reasons")
    ):
        level = evidence_level(reasons)
        contested[statement_id] = max(level, contested.get(statement_id, 0))
    rows = (
        PayoutStatement.objects.for_agency(agency)
        .filter(status__in=MATCHABLE_STATUSES, settled_amount__isnull=False)
        .filter(
            Q(allocated_amount__lt=F("settled_amount"))
            | Q(settled_date__gte=first, settled_date__lte=last)
        )
        .order_by("pk")
        .values_list(
            "pk",
            "platform_reference",
            "currency",
            "settled_amount",
            "allocated_amount",
            "settled_date",
            "creator_id",
        )
    )
    return {
        pk: StatementState(
            pk, normalise_reference(ref), cur, settled, alloc, sdate, contested.get(pk, 0), creator
        )
        for pk, ref, cur, settled, alloc, sdate, creator in rows
    }


def known_payers(agency: Agency) -> set[str]:
    """Normalised names of the accounts that paid statements by reference before."""
    names = (
        BankTransaction.objects.for_agency(agency)
        .filter(
            matches__status=MatchStatus.CONFIRMED,
            matches__rule__in=[MatchRule.REFERENCE, MatchRule.BATCH],
        )
        .exclude(counterparty_name="")
        .values_list("counterparty_name", flat=True)
        .distinct()
    )
    return {payer_key(name) for name in names}


@functools.lru_cache(maxsize=4096)  # a bank file has few payers, each many times
def payer_key(name: str) -> str:
    return " ".join(normalise_reference(word) for word in (name or "").split()).strip()


def load_credits(agency: Agency, engine: Engine) -> list[Credit]:
    rows = (
        open_credits(agency)
        .order_by("pk")
        .values_list(
            "pk",
            "amount",
            "allocated_amount",
            "currency",
            "booking_date",
            "remittance_info",
            "end_to_end_id",
            "counterparty_name",
        )
    )
    return [
        Credit(
            pk,
            currency,
            amount - allocated,
            booking_date,
            engine.references.find(remittance, end_to_end),
            payer_key(payer),
            quoted_amounts(remittance),
        )
        for pk, amount, allocated, currency, booking_date, remittance, end_to_end, payer in rows
    ]


def reconcile(*, agency: Agency, run: ReconciliationRun | None = None, actor=None) -> RunStats:
    """Undo what the bank took back, then run every pass over the agency's open credits and
    statements (see `engine`), writing each batch of decisions in its own transaction.

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
    references = agency_references(agency)
    stats.reversed = reverse_pass(agency, actor=actor, run=run, references=references)

    dates = open_credits(agency).aggregate(first=Min("booking_date"), last=Max("booking_date"))
    if dates["first"] is not None:
        first, last = dates["first"] - config.window, dates["last"] + EARLY
        statements = load_statements(agency, first, last)
        # Rates of every booking day in play: the agency's own, the ECB's, its fallback.
        config.rate_on = RateBook.for_agency(agency, first, last).rate
    else:
        statements = {}
    engine = Engine(config, statements, references)
    credits = load_credits(agency, engine)
    pairs = Match.objects.filter(agency=agency)
    if len(credits) < 5000:
        pairs = pairs.filter(transaction_id__in=[c.pk for c in credits])
    engine.known_pairs = set(pairs.values_list("statement_id", "transaction_id"))
    # Payers that name a statement of the agency by a clean reference in this run, too.
    engine.known_payers = known_payers(agency) | {
        t.payer for t in credits if t.payer and any(r in engine.by_ref for r in t.found.clean)
    }
    stats.total = len(credits) * len(PASSES)
    if run is not None:
        ReconciliationRun.objects.filter(pk=run.pk).update(total=stats.total, processed=0)

    # Large runs decide in a forked process while this one writes (see `_decided_apart`).
    apart = (
        len(credits) >= DECIDE_APART_FROM
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and CAN_FORK
    )
    missing: dict = {}
    for kind, payload, processed in (_decided_apart if apart else _decided)(engine, credits):
        if kind == "pass":
            if run is not None:
                _set_pass(run, payload)
        elif kind == "batch":
            stats.processed = processed
            _write(agency, run, payload, stats=stats, processed=processed)
        else:
            stats.processed = processed
            decided_count, missing = payload
            stats.unmatched = len(credits) - decided_count
    with tenant_transaction(agency.pk):
        missing_rate_issues(agency, run, missing)
    return stats


def _decided(engine: Engine, credits: list[Credit]) -> Iterator[tuple[str, Any, int]]:
    """Every pass over the credits, batch by batch: ("pass", name, processed), ("batch",
    Batch, processed) and at the end ("end", (credits decided, missing rates), processed).
    Needs no database: it runs where the engine's memory is, in this process or a child."""
    decided: set[int] = set()
    processed = 0
    for name in PASSES:
        rule = engine.rule_for(name)
        remaining = [t for t in credits if t.pk not in decided]
        processed += len(credits) - len(remaining)  # decided in an earlier pass
        examined = engine.prepare(name, remaining)
        processed += len(remaining) - len(examined)  # not for this pass
        yield "pass", name, processed
        for start in range(0, len(examined), BATCH_SIZE):
            batch = examined[start : start + BATCH_SIZE]
            decisions = []
            for t in batch:
                decision = engine.decide(rule, t)
                if decision is not None:
                    engine.apply_in_memory(decision)
                    decisions.append(decision)
                    decided.add(t.pk)
            processed += len(batch)
            yield "batch", prepare(decisions), processed
    missing = {pk: need for pk, need in engine.missing_rates.items() if pk not in decided}
    yield "end", (len(decided), missing), processed


def _decide_in_child(engine: Engine, credits: list[Credit], sender) -> None:
    """Decide, sending each batch as it is decided: deciding goes on while the parent is
    busy writing, up to AHEAD batches ahead (`sending_ahead`)."""
    with sending_ahead(sender, AHEAD) as send:
        try:
            for kind, payload, processed in _decided(engine, credits):
                send((kind, payload.packed() if kind == "batch" else payload, processed))
        except BaseException as exc:  # reported to the parent, which raises it
            send(("crash", f"{type(exc).__name__}: {exc}", 0))


def _decided_apart(engine: Engine, credits: list[Credit]) -> Iterator[tuple[str, Any, int]]:
    """`_decided`, computed by a forked child while this process writes what it sent.

    Python runs one thread at a time: with the writes in a thread, the writer waited for the
    engine's turn after every round trip to the database (and its commit). A child has its
    own interpreter: it decides the next batches while this process writes one (at most
    AHEAD batches ahead, see `_decide_in_child`). The child reads nothing from the
    database; it inherits the loaded state with the fork.
    """
    context = fork_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_decide_in_child,
        args=(engine, credits, sender),
        name="reconcile-decide",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        while True:
            try:
                event = receiver.recv()
            except EOFError:
                raise RuntimeError("the deciding process ended unexpectedly") from None
            if event[0] == "crash":
                raise RuntimeError(f"the deciding process failed: {event[1]}")
            yield event
            if event[0] == "end":
                return
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _set_pass(run: ReconciliationRun, name: str) -> None:
    ReconciliationRun.objects.filter(pk=run.pk).update(current_pass=name)


def _write(agency: Agency, run, batch: Batch, *, stats: RunStats, processed: int) -> None:
    """One batch of decisions in its own transaction, with the run's progress and heartbeat.

    Few round trips: a run writing from a thread waits for the interpreter lock after each.
    """
    with tenant_transaction(agency.pk):  # row-level security: this agency's rows
        # One run per agency at a time between batches: lock the settings row.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # A batch need not wait for its commit to reach the disk: after a crash of
                # the database the rerun redoes any batch lost (atomicity stays).
                cursor.execute(
                    "SET LOCAL synchronous_commit TO OFF; "
                    "SELECT 1 FROM payouts_payoutsettings WHERE agency_id = %s FOR UPDATE",
                    [agency.pk],
                )
        else:
            lock_agency(agency.pk)
        matched, proposed = write_batch(agency, run, batch)
        stats.matched += matched
        stats.ambiguous += proposed
        if run is not None:
            # The executing worker's sign of life too (as `heartbeat`), in the same statement.
            ReconciliationRun.objects.filter(pk=run.pk).update(
                processed=processed,
                matched_count=F("matched_count") + matched,
                ambiguous_count=F("ambiguous_count") + proposed,
                heartbeat_at=Case(
                    When(status=RunStatus.RUNNING, then=Value(timezone.now())),
                    default=F("heartbeat_at"),
                ),
            )


def missing_rate_issues(agency: Agency, run, missing: dict) -> None:
    """Open an issue for each deposit that needs a rate nobody entered (once: a resolved
    one is not raised again for the same deposit); close the ones a match settled."""
    now = timezone.now()
    ReconciliationIssue.objects.for_agency(agency).filter(
        kind=IssueKind.MISSING_RATE, resolved_at__isnull=True
    ).filter(
        Q(transaction__allocated_amount__gt=0)
        | Q(transaction__matches__status=MatchStatus.PROPOSED)
    ).update(resolved_at=now, resolution=_("Matched."))
    if not missing:
        return
    raised = set(
        ReconciliationIssue.objects.for_agency(agency)
        .filter(kind=IssueKind.MISSING_RATE, transaction_id__in=list(missing))
        .values_list("transaction_id", flat=True)
    )
    ReconciliationIssue.objects.bulk_create(
        [
            ReconciliationIssue(
                agency=agency,
                kind=IssueKind.MISSING_RATE,
                transaction_id=pk,
                statement_id=statement_pk,
                base=base,
                quote=quote,
                rate_date=day,
                run=run,
            )
            for pk, (base, quote, day, statement_pk) in sorted(missing.items())
            if pk not in raised
        ],
        batch_size=BATCH_SIZE,
    )


def run_start(*, agency: Agency, actor) -> ReconciliationRun:
    """Create a queued run and enqueue its Celery task once the transaction commits."""
    with transaction.atomic():
        run = ReconciliationRun.objects.create(agency=agency, created_by=actor)
        audit_record(agency=agency, actor=actor, action="reconciliation.start", obj=run)
        enqueue_on_commit(RUN_TASK, agency.pk, run.pk)
    return run


def agencies_due(agencies=None) -> list[Agency]:
    """Agencies with something new to reconcile: a bank transaction imported since their
    last completed run started, or a statement changed since it finished (or no run yet, with
    open credits); and no run queued or running (one whose worker died is resumed by
    `resume_stalled_runs`, not replaced)."""
    busy = ReconciliationRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).values("agency_id")
    due = []
    candidates = Agency.objects.all() if agencies is None else agencies
    for agency in candidates.exclude(pk__in=busy).order_by("pk"):
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


def start_due_runs(*, agency: Agency) -> list[ReconciliationRun]:
    """Periodic job, for one agency (scoped to it): resume its runs whose worker died, then
    start a run if it has something new. Returns the runs queued, resumed ones first."""
    resumed, _given_up = resume_stalled_runs()
    due = agencies_due(Agency.objects.filter(pk=agency.pk))
    return [*resumed, *(run_start(agency=due_agency, actor=None) for due_agency in due)]


# --- Runs that recover ------------------------------------------------------------------------
# A worker executing a run writes `heartbeat_at` after every batch and, from a thread, every
# few seconds in between (loading and the engine's passes take a while). A queued or running
# run without a sign of life for RECONCILIATION_HEARTBEAT_TIMEOUT belongs to a dead worker:
# the periodic job re-queues the same run, which starts over from the database and keeps what
# earlier attempts committed. A worker takes a run only when it is queued or silent (`_claim`),
# so the broker's redelivery of a message whose run is alive elsewhere starts no second copy.


def heartbeat_timeout() -> timedelta:
    return timedelta(seconds=settings.RECONCILIATION_HEARTBEAT_TIMEOUT)


def heartbeat(run: ReconciliationRun | None) -> None:
    """The executing worker's sign of life for `run` (nothing without a run)."""
    if run is not None:
        # Its own scope: the heartbeat thread's connection has none (row-level security).
        with tenant_transaction(run.agency_id):
            ReconciliationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                heartbeat_at=timezone.now()
            )


@contextmanager
def _keeping_alive(run: ReconciliationRun):
    """Beat for `run` from a thread (its own database connection) while the body runs."""
    interval = min(30.0, heartbeat_timeout().total_seconds() / 6)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    heartbeat(run)
                except DatabaseError:
                    # A missed beat (database busy or restarting); reconnect for the next.
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"run-{run.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def stalled_runs():
    """Queued or running runs without a sign of life (a heartbeat, else their creation)
    for longer than RECONCILIATION_HEARTBEAT_TIMEOUT."""
    cutoff = timezone.now() - heartbeat_timeout()
    return ReconciliationRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))


def _claim(run: ReconciliationRun) -> bool:
    """Take `run` for this worker: a queued one, or a running one whose worker died, with
    starts left. One UPDATE, so of two workers delivered the same run only one wins."""
    cutoff = timezone.now() - heartbeat_timeout()
    silent = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=cutoff)
    return bool(
        ReconciliationRun.objects.filter(
            pk=run.pk, attempts__lt=settings.RECONCILIATION_MAX_ATTEMPTS
        )
        .filter(Q(status=RunStatus.QUEUED) | Q(silent, status=RunStatus.RUNNING))
        .update(status=RunStatus.RUNNING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1)
    )


RESUME_FIELDS = ["status", "attempts", "heartbeat_at", "current_pass", "processed"]


def resume_stalled_runs() -> tuple[list[ReconciliationRun], list[ReconciliationRun]]:
    """Re-queue every stalled run (the same run, audited as `reconciliation.resume`), or give
    it up as failed once it was started RECONCILIATION_MAX_ATTEMPTS times (audited as
    `reconciliation.give_up`). Returns (resumed, given up). Locks each run's row and checks
    again that it is stalled, so a run its worker touched meanwhile is left alone."""
    resumed: list[ReconciliationRun] = []
    given_up: list[ReconciliationRun] = []
    for pk, agency_id in stalled_runs().order_by("pk").values_list("pk", "agency_id"):
        with tenant_transaction(agency_id):
            run = stalled_runs().select_for_update().filter(pk=pk).first()
            if run is None:
                continue
            before = snapshot(run, RESUME_FIELDS)
            now = timezone.now()
            if run.attempts >= settings.RECONCILIATION_MAX_ATTEMPTS:
                run.status = RunStatus.FAILED
                run.finished_at = now
                run.error = ngettext(
                    "Its worker stopped %(count)d time without finishing, so the run was "
                    "given up. What it matched is kept; start a new run to finish it.",
                    "Its worker stopped %(count)d times without finishing, so the run was "
                    "given up. What it matched is kept; start a new run to finish it.",
                    run.attempts,
                ) % {"count": run.attempts}
                run.save(update_fields=["status", "finished_at", "error"])
                action, bucket = "reconciliation.give_up", given_up
            else:
                # Queued again; the window restarts now, for a worker to take it up.
                run.status, run.heartbeat_at, run.current_pass = RunStatus.QUEUED, now, ""
                run.save(update_fields=["status", "heartbeat_at", "current_pass"])
                enqueue_on_commit(RUN_TASK, agency_id, run.pk)
                action, bucket = "reconciliation.resume", resumed
            audit_record(
                agency=run.agency,
                actor=None,
                action=action,
                obj=run,
                before=before,
                after=snapshot(run, [*RESUME_FIELDS, "error"]),
            )
        bucket.append(run)
    return resumed, given_up


def run_execute(*, agency: Agency, run: ReconciliationRun, actor=None) -> ReconciliationRun:
    """Execute a run (the Celery task and the management command call this).

    Safe to call again for a run whose worker died: it starts over from the database, and
    its counts include what the earlier attempt committed. A run that is finished, or
    running with a live heartbeat elsewhere, is returned as it is, not executed again.
    """
    if not _claim(run):
        run = ReconciliationRun.objects.get(pk=run.pk)
        logger.info("Run %s is %s and alive or finished: not started again.", run.pk, run.status)
        return run
    try:
        with _keeping_alive(run):
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
