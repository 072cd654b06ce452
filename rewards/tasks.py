"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from agencies.models import Agency
from agencies.tasking import queue_per_agency, system_task, tenant_task

from .evaluation import rewards_evaluate


@system_task(name="rewards.evaluate_agencies")
def evaluate_agencies() -> int:
    """Beat entry point (daily): queue one evaluation per agency."""
    return queue_per_agency(evaluate_agency)


@tenant_task(name="rewards.evaluate_agency")
def evaluate_agency(agency_id: int) -> int:
    """Evaluate the agency's bonus rules; idempotent (an award per rule and asset at most
    once), so a retry or a second run the same day awards nothing new. Returns the number of
    new awards."""
    agency = Agency.objects.get(pk=agency_id)
    return len(rewards_evaluate(agency=agency).awards)
