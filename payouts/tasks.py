"""Celery tasks: thin wrappers that fetch by id and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import translation

from agencies.models import Agency

from .bank_import import bank_import_execute
from .models import ReconciliationRun, RunStatus
from .reconciliation import run_execute, start_due_runs


@shared_task(acks_late=True)
def reconciliation_run(agency_id: int, run_id: int) -> dict:
    """Execute reconciliation run `run_id` of agency `agency_id`.

    Safe to deliver again: a worker killed mid-run leaves committed batches behind, and the
    rerun completes from the database state what the first would have done. Each batch
    scopes its own transaction to the agency (row-level security).
    """
    agency = Agency.objects.get(pk=agency_id)
    run = ReconciliationRun.objects.get(agency=agency, pk=run_id)
    if run.status == RunStatus.COMPLETED:
        return {"run": run.pk, "status": run.status}
    run = run_execute(agency=agency, run=run)
    return {"run": run.pk, "status": run.status}


@shared_task(name="payouts.reconcile_agencies")
def reconcile_agencies() -> dict:
    """Periodic (beat): start a run for every agency with new statements or bank data."""
    runs = start_due_runs()
    return {"started": [run.pk for run in runs]}


@shared_task(acks_late=True)
def bank_import_run(agency_id: int, import_id: int, language: str = "en") -> dict:
    """Import the large bank statement file queued as BankImport `import_id`.

    Idempotent: a finished import is left alone; one left "importing" by a killed worker
    is imported again (its first attempt committed nothing). Messages are in the language
    of the person who uploaded the file.
    """
    with translation.override(language):
        bank_import = bank_import_execute(agency_id=agency_id, import_id=import_id)
    return {"import": bank_import.pk, "status": bank_import.status}
