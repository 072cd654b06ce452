"""Celery tasks: thin wrappers that take ids and call one service each."""

from __future__ import annotations

import gc
import logging

from celery.signals import worker_process_init

from agencies.tasking import each_agency, system_task, tenant_task

from .analysis import warm_up
from .cases import breach_scan
from .models import InboundMessage, MessageStatus
from .outbox import send_due_actions
from .triage import message_triage, messages_triage

logger = logging.getLogger(__name__)


@worker_process_init.connect
def prepare_worker(**kwargs) -> None:
    """Load the language models once per worker process, then freeze the heap built so far.

    Frozen objects (modules, models, the language models) are never scanned by the cyclic
    garbage collector again; a triage batch creates thousands of short-lived model objects
    and otherwise pays for rescanning all of them on every full collection (about a third
    of triage time in the benchmark).
    """
    warm_up()
    gc.freeze()


@tenant_task(name="moderation.triage_messages")
def triage_messages(agency_id: int, message_ids: list[int]) -> int:
    """Triage a batch in one transaction; returns how many messages it triaged.

    Idempotent: a message already triaged is skipped. If the batch fails, each message is
    retried on its own, so one bad message cannot block the rest; it is marked failed.
    """
    try:
        return len(messages_triage(message_ids=message_ids))
    except Exception:
        logger.exception("batch triage failed; retrying %d messages one by one", len(message_ids))
    done = 0
    for message_id in message_ids:
        try:
            done += bool(message_triage(message_id=message_id))
        except Exception:
            logger.exception("triage failed for message %s", message_id)
            InboundMessage.objects.filter(pk=message_id, status=MessageStatus.NEW).update(
                status=MessageStatus.FAILED
            )
    return done


@system_task(name="moderation.send_due_actions")
def send_due_actions_task() -> int:
    """Beat, every minute: each agency's due replies and DMs, one agency at a time."""
    return sum(send_due_actions(agency_id=agency_id) for agency_id in each_agency())


@system_task(name="moderation.breach_scan")
def breach_scan_task() -> int:
    """Beat, every minute: each agency's cases past their due time, one agency at a time."""
    return sum(breach_scan() for _agency_id in each_agency())
