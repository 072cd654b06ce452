"""Reconciliation and import counters, from the status changes the payouts services save.

Counting only, never behaviour: the services stay unaware of metrics. A status counts when a
save writes it (`update_fields` naming `status`, or a full save of an existing row), once the
transaction commits, so a rolled-back import is not counted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from payouts.models import BankImport, ImportStatus, ReconciliationRun, RunStatus

from .metrics import (
    BANK_IMPORT_TRANSACTIONS,
    BANK_IMPORTS,
    RECONCILIATION_RUNS,
    RECONCILIATION_TRANSACTIONS,
)


def status_written(created: bool, update_fields: frozenset[str] | None) -> bool:
    # A new row starts queued (a small import's row is created before its transactions are
    # read, then saved again as done with its counts): only a later save finishes it.
    if update_fields is None:
        return not created
    return "status" in update_fields


def run_saved(instance: ReconciliationRun, created: bool, update_fields=None, **_: Any) -> None:
    if instance.status not in (RunStatus.COMPLETED, RunStatus.FAILED):
        return
    if not status_written(created, update_fields):
        return
    status = str(instance.status)
    counts = {}
    if status == RunStatus.COMPLETED:
        counts = {
            "matched": instance.matched_count,
            "ambiguous": instance.ambiguous_count,
            "unmatched": instance.unmatched_count,
        }

    def count() -> None:
        RECONCILIATION_RUNS.labels(status=status).inc()
        for outcome, number in counts.items():
            RECONCILIATION_TRANSACTIONS.labels(outcome=outcome).inc(number)

    transaction.on_commit(count)


def import_saved(instance: BankImport, created: bool, update_fields=None, **_: Any) -> None:
    if instance.status not in (ImportStatus.DONE, ImportStatus.FAILED):
        return
    if not status_written(created, update_fields):
        return
    status = str(instance.status)
    new, duplicate = instance.new_count, instance.duplicate_count

    def count() -> None:
        BANK_IMPORTS.labels(status=status).inc()
        if status == ImportStatus.DONE:
            BANK_IMPORT_TRANSACTIONS.labels(kind="new").inc(new)
            BANK_IMPORT_TRANSACTIONS.labels(kind="duplicate").inc(duplicate)

    transaction.on_commit(count)


def connect() -> None:
    post_save.connect(run_saved, sender=ReconciliationRun, dispatch_uid="ops_run_saved")
    post_save.connect(import_saved, sender=BankImport, dispatch_uid="ops_import_saved")
