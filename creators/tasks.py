"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from agencies.models import Agency
from agencies.tasking import queue_per_agency, system_task, tenant_task
from core.db_scope import tenant_transaction

from . import applications
from .insights import eligibility_watch


@system_task(name="creators.eligibility_scan")
def eligibility_scan() -> int:
    """Beat entry point: queue one eligibility scan per agency (each its own transaction)."""
    return queue_per_agency(agency_eligibility_scan)


@tenant_task(name="creators.agency_eligibility_scan")
def agency_eligibility_scan(agency_id: int) -> int:
    """Idempotent: a crossing is mailed once; a rerun finds nothing changed."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:  # deleted since it was queued
        return 0
    with tenant_transaction(agency.pk):
        return eligibility_watch.eligibility_scan(agency=agency).changed


@system_task(name="creators.application_reminders")
def application_reminders() -> int:
    """Beat entry point: queue one re-application reminder run per agency."""
    return queue_per_agency(agency_application_reminders)


@tenant_task(name="creators.agency_application_reminders")
def agency_application_reminders(agency_id: int) -> int:
    """Idempotent: each rejection is reminded once; a rerun finds nothing due."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:  # deleted since it was queued
        return 0
    with tenant_transaction(agency.pk):
        return applications.application_reminders_send(agency=agency).mailed
