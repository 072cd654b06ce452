"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery.signals import worker_init

from agencies.tasking import tenant_task
from campaigns.models import SponsorReport

from . import services


@worker_init.connect
def load_renderer(**kwargs) -> None:
    """Import WeasyPrint in the worker's main process, before it forks its pool: the renderer
    is imported on first use (services.sponsor_report_render), so that web processes never
    load it; a worker's children then share it instead of each importing it on its first
    report."""
    import reports.pdf  # noqa: F401 - lazily: see services.sponsor_report_render


# The name it had in campaigns: queued messages and the route in config/settings.py use it.
@tenant_task(name=services.RENDER_TASK)
def sponsor_report_render(agency_id: int, report_id: int) -> str:
    """Render one queued sponsor report; a finished report is left alone (idempotent)."""
    report = SponsorReport.objects.select_related("agency", "campaign__sponsor").get(
        agency_id=agency_id, pk=report_id
    )
    return services.sponsor_report_render(report=report).status
