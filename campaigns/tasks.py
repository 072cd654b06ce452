"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from agencies.models import Agency
from agencies.tasking import queue_per_agency, system_task, tenant_task
from core.db_scope import tenant_transaction

from . import services


@system_task(name="campaigns.contract_reminders")
def contract_reminders() -> int:
    """Beat entry point: queue one reminder run per agency (each in its own transaction)."""
    return queue_per_agency(agency_contract_reminders)


@tenant_task(name="campaigns.agency_contract_reminders")
def agency_contract_reminders(agency_id: int) -> int:
    """Idempotent: each (contract, kind, threshold) is mailed once, whatever the retries."""
    agency = Agency.objects.get(pk=agency_id)
    with tenant_transaction(agency.pk):
        return services.contract_reminders_send(agency=agency)
