"""Celery tasks: thin wrappers that take ids and call one service each."""

from __future__ import annotations

from agencies.models import Agency
from agencies.tasking import queue_per_agency, system_task, tenant_task

from .services import lead_follow_ups_send


@system_task(name="leads.follow_ups")
def follow_ups() -> int:
    """Beat entry point: queue one follow-up run per agency."""
    return queue_per_agency(agency_follow_ups)


@tenant_task(name="leads.agency_follow_ups")
def agency_follow_ups(agency_id: int) -> int:
    """Idempotent: each lead's follow-up is decided once; a rerun finds nothing due."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:  # deleted since it was queued
        return 0
    return lead_follow_ups_send(agency=agency).total
