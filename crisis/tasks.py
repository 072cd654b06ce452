"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from django.db import transaction

from agencies.models import Agency
from agencies.rls import tenant_transaction
from agencies.tasking import system_task, tenant_task

from . import services


@system_task(name="crisis.drill_reminders")
def drill_reminders() -> int:
    """Beat entry point: queue one drill-reminder run per agency."""
    agency_ids = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    for agency_id in agency_ids:
        transaction.on_commit(lambda pk=agency_id: agency_drill_reminders.delay(pk))
    return len(agency_ids)


@tenant_task(name="crisis.agency_drill_reminders")
def agency_drill_reminders(agency_id: int) -> int:
    """Idempotent: an agency is reminded at most once per calendar quarter."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:  # deleted since it was queued
        return 0
    with tenant_transaction(agency.pk):
        return services.drill_reminders_send(agency=agency).notified
