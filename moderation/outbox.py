"""Sending: the connector interface, the shipped outbox connector, and the due-action sender.

The shipped `OutboxConnector` records what would be posted, where and when, in the outbox
table; for accounts with a live platform connection the platforms app then delivers each row
(platforms/delivery.py) and records the platform's id, or the problem, on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from agencies.audit import audit_record

from .bulk import bulk_insert
from .models import ActionKind, ActionOutcome, AutomatedAction, ModerationSettings, OutboxMessage


class Connector(Protocol):
    def deliver(self, action: AutomatedAction, *, now: datetime) -> None:
        """Post the reply/DM (or apply the hide/remove) on the platform, or raise."""


def outbox_row(action: AutomatedAction, now: datetime) -> OutboxMessage:
    """The (unsaved) outbox row of `action`. A row starts `pending`: the platforms app's
    delivery sweep sends it through a live connection, or marks it for a person to post."""
    message = action.message
    return OutboxMessage(
        agency_id=action.agency_id,
        action=action,
        platform=action.platform,
        account=action.account,
        recipient=action.contact.handle if action.contact_id else "",
        kind=action.kind,
        in_reply_to=message.platform_message_id if message else "",
        text=action.text,
        created_at=now,
    )


class OutboxConnector:
    """Writes every outbound action to the outbox instead of a platform."""

    def deliver(self, action: AutomatedAction, *, now: datetime) -> None:
        outbox_row(action, now).save()

    def deliver_many(self, actions: list[AutomatedAction], *, now: datetime) -> None:
        bulk_insert([outbox_row(a, now) for a in actions])


def get_connector() -> Connector:
    path = getattr(settings, "MODERATION_CONNECTOR", "moderation.outbox.OutboxConnector")
    return import_string(path)()


def deliver_now(actions: list[AutomatedAction], *, now: datetime) -> None:
    """Deliver immediate actions (hide/remove) inside the caller's transaction, in one go
    when the connector can (`deliver_many`), else one by one."""
    if not actions:
        return
    connector = get_connector()
    many = getattr(connector, "deliver_many", None)
    if many is not None:
        many(actions, now=now)
    else:
        for action in actions:
            connector.deliver(action, now=now)


def send_due_actions(
    *, agency_id: int | None = None, now: datetime | None = None, batch: int = 500
) -> int:
    """Send every scheduled reply/DM whose due time has come (of `agency_id`, or of every
    agency the database scope lets the caller see); returns how many were sent.

    Each action is sent in its own transaction with its row locked (skip_locked, so two
    beat runs never send twice). Crisis mode and an opt-out are checked again at send
    time: a promotional reply due during a crisis, or a DM to someone who opted out since
    it was scheduled, is cancelled instead.
    """
    now = now or timezone.now()
    connector = get_connector()
    scheduled = AutomatedAction.objects.filter(outcome=ActionOutcome.SCHEDULED, due_at__lte=now)
    if agency_id is not None:
        # Named, not only scoped: on SQLite (no row-level security) the scope sees everything.
        scheduled = scheduled.filter(agency_id=agency_id)
    due = list(scheduled.order_by("due_at", "pk").values_list("pk", flat=True)[:batch])
    crisis = set(
        ModerationSettings.objects.filter(crisis_mode=True).values_list("agency_id", flat=True)
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            action = (
                AutomatedAction.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("agency", "contact", "message")
                .filter(pk=pk, outcome=ActionOutcome.SCHEDULED)
                .first()
            )
            if action is None:
                continue
            reason = ""
            if action.promotional and action.agency_id in crisis:
                reason = "crisis mode"
            elif action.kind == ActionKind.DM and not (
                action.contact and action.contact.may_receive_dms
            ):
                reason = "recipient opted out"
            if reason:
                action.outcome = ActionOutcome.CANCELLED
                action.reasons = [*action.reasons, f"cancelled at send time: {reason}"]
                action.save(update_fields=["outcome", "reasons"])
            else:
                connector.deliver(action, now=now)
                action.outcome = ActionOutcome.SENT
                action.sent_at = now
                action.save(update_fields=["outcome", "sent_at"])
                sent += 1
            audit_record(
                agency=action.agency,
                actor=None,
                actor_label="moderation:sender",
                action="automated.send" if not reason else "automated.cancel",
                obj=action,
                after={"kind": action.kind, "outcome": action.outcome, "reason": reason},
            )
    return sent
