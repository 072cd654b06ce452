"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from agencies.models import Agency
from agencies.tasking import queue_per_agency, system_task, tenant_task
from core.db_scope import tenant_transaction

from . import services


@system_task(name="crisis.drill_reminders")
def drill_reminders() -> int:
    """Beat entry point: queue one drill-reminder run per agency."""
    return queue_per_agency(agency_drill_reminders)


@tenant_task(name="crisis.agency_drill_reminders")
def agency_drill_reminders(agency_id: int) -> int:
    """Idempotent: an agency is reminded at most once per calendar quarter."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:  # deleted since it was queued
        return 0
    with tenant_transaction(agency.pk):
        return services.drill_reminders_send(agency=agency).notified
