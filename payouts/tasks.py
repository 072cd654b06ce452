"""Celery tasks: thin wrappers that fetch by id and call one service."""

from __future__ import annotations

from django.utils import translation

from agencies.models import Agency
from agencies.tasking import each_agency, system_task, tenant_task

from . import evidence
from .bank_import import bank_import_execute
from .models import ReconciliationRun
from .reconciliation import run_execute, runs, start_due_runs


# acks_late: the message stays on the broker until the run ends; reject_on_worker_lost: a
# pool process that dies puts it back instead of acknowledging it. Either redelivery runs
# only if the run's heartbeat stopped (run_execute); resume_stalled_runs is the fast path.
@tenant_task(name="payouts.tasks.reconciliation_run", acks_late=True, reject_on_worker_lost=True)
def reconciliation_run(agency_id: int, run_id: int) -> dict:
    """Execute reconciliation run `run_id` of agency `agency_id`.

    Safe to deliver again: a worker killed mid-run leaves committed batches behind, and the
    rerun completes from the database state what the first would have done. A run that is
    finished or alive on another worker is left alone. Each batch scopes its own
    transaction to the agency (row-level security).
    """
    agency = Agency.objects.get(pk=agency_id)
    run = ReconciliationRun.objects.get(agency=agency, pk=run_id)
    run = run_execute(agency=agency, run=run)
    return {"run": run.pk, "status": run.status}


@system_task(name="payouts.reconcile_agencies")
def reconcile_agencies() -> dict:
    """Periodic (beat, hourly): for each agency in turn, resume the runs whose worker died,
    then start a run if it has new statements or bank data."""
    started = []
    for agency_id in each_agency():
        started += [run.pk for run in start_due_runs(agency=Agency.objects.get(pk=agency_id))]
    return {"started": started}


@system_task(name="payouts.resume_stalled_runs")
def resume_stalled_runs() -> dict:
    """Periodic (beat, every minute): for each agency in turn, re-queue the runs whose worker
    died, or give up those that died too often."""
    resumed, given_up = [], []
    for _agency_id in each_agency():
        agency_resumed, agency_given_up = runs.resume_stalled_runs()
        resumed += [run.pk for run in agency_resumed]
        given_up += [run.pk for run in agency_given_up]
    return {"resumed": resumed, "given_up": given_up}


@tenant_task(name="payouts.tasks.bank_import_run", acks_late=True)
def bank_import_run(agency_id: int, import_id: int, language: str = "en") -> dict:
    """Import the large bank statement file queued as BankImport `import_id`.

    Idempotent: a finished import is left alone; one left "importing" by a killed worker
    is imported again (its first attempt committed nothing). Messages are in the language
    of the person who uploaded the file.
    """
    with translation.override(language):
        bank_import = bank_import_execute(agency_id=agency_id, import_id=import_id)
    return {"import": bank_import.pk, "status": bank_import.status}


@tenant_task(name="payouts.tasks.evidence_pack_build", acks_late=True)
def evidence_pack_build(agency_id: int, pack_id: int, language: str = "en") -> dict:
    """Build dispute evidence pack `pack_id` (a ZIP through the default storage).
    Idempotent: a ready pack is left alone."""
    with translation.override(language):
        pack = evidence.evidence_pack_build(
            agency=Agency.objects.get(pk=agency_id), pack_id=pack_id
        )
    return {"pack": pack.pk, "status": pack.status}
