"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from django.db import transaction

from agencies.models import Agency
from agencies.tasking import system_task, tenant_task

from .evaluation import rewards_evaluate


@system_task(name="rewards.evaluate_agencies")
def evaluate_agencies() -> int:
    """Beat entry point (daily): queue one evaluation per agency."""
    agency_ids = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    for agency_id in agency_ids:
        transaction.on_commit(lambda pk=agency_id: evaluate_agency.delay(pk))
    return len(agency_ids)


@tenant_task(name="rewards.evaluate_agency")
def evaluate_agency(agency_id: int) -> int:
    """Evaluate the agency's bonus rules; idempotent (an award per rule and asset at most
    once), so a retry or a second run the same day awards nothing new. Returns the number of
    new awards."""
    agency = Agency.objects.get(pk=agency_id)
    return len(rewards_evaluate(agency=agency).awards)
