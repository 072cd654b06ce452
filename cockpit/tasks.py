"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from agencies.tasking import system_task, tenant_task

from . import digest


@system_task(name="cockpit.weekly_digests")
def weekly_digests() -> int:
    """Beat entry point (hourly): queue the digests of each agency whose Monday 07:00 has
    come; each agency's task mails only those not mailed this week."""
    now = timezone.now()
    agencies = [a for a in Agency.objects.order_by("pk") if digest.is_digest_time(a, now)]
    for agency in agencies:
        transaction.on_commit(lambda pk=agency.pk: agency_digests.delay(pk))
    return len(agencies)


@tenant_task(name="cockpit.agency_digests")
def agency_digests(agency_id: int) -> int:
    """Idempotent: a member gets one digest a week however often this runs."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:  # deleted since it was queued
        return 0
    return len(digest.digests_send(agency=agency).sent)
