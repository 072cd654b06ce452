"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from agencies.tasking import tenant_task
from campaigns.models import SponsorReport

from . import services


# The name it had in campaigns: queued messages and the route in config/settings.py use it.
@tenant_task(name=services.RENDER_TASK)
def sponsor_report_render(agency_id: int, report_id: int) -> str:
    """Render one queued sponsor report; a finished report is left alone (idempotent)."""
    report = SponsorReport.objects.select_related("agency", "campaign__sponsor").get(
        agency_id=agency_id, pk=report_id
    )
    return services.sponsor_report_render(report=report).status
