"""Celery tasks (queue platform_sync): thin wrappers that take ids and call one service."""

from __future__ import annotations

from django.utils import timezone

from agencies.tasking import each_agency, system_task, task_by_name, tenant_task

from .delivery import outbox_deliver_due
from .models import PlatformAccount
from .sync import account_sync, accounts_due


@system_task(name="platforms.sync_due")
def sync_due_task() -> int:
    """Beat, every 5 minutes: queue a sync of every linked account with something due (its
    daily videos, or a video whose comments are due); returns how many were queued."""
    now = timezone.now()
    queued = 0
    for agency_id in each_agency():
        for account_id in accounts_due(agency_id=agency_id, now=now):
            task_by_name("platforms.account_sync").delay(agency_id, account_id)
            queued += 1
    return queued


@tenant_task(name="platforms.account_sync")
def account_sync_task(agency_id: int, account_id: int) -> dict:
    """Pull one account. A rate limit or outage leaves its work due: the next beat resumes."""
    account = (
        PlatformAccount.objects.select_related("agency", "social_account")
        .filter(agency_id=agency_id, pk=account_id)
        .first()
    )
    if account is None:
        return {}
    summary = account_sync(account=account)
    return {"videos": summary.videos, "comments": summary.comments_new, "error": summary.error}


@system_task(name="platforms.deliver_due")
def deliver_due_task() -> int:
    """Beat, every minute: each agency's due outbox rows through their live connections."""
    return sum(outbox_deliver_due(agency_id=agency_id).delivered for agency_id in each_agency())
