"""Delivering the outbox through live platform connections.

Moderation writes every reply, DM, hide and remove it decides on to its outbox
(moderation/outbox.py; crisis mode, opt-outs and the caps are applied there before a row is
written). Here each new (`pending`) row is routed: to the platform when its account is linked
(`queued`), else to a person (`manual`, today's behaviour). A queued row is then delivered
exactly once:

1. Claim: in a short transaction the row is locked (`skip_locked`, so two workers never take
   the same row), crisis mode is checked again for promotional text, and the row is marked
   `sending` with a fresh attempt key and the time. That commit happens *before* the call.
2. Call the platform outside any transaction.
3. Record, only if the row still carries this attempt's key: `delivered` with the
   platform's id, `queued` again after a rate limit (the platform's Retry-After, at least
   the backoff) or a 5xx, `held` while the account needs reconnecting, or `failed` with the
   platform's words, also shown on the message's case.

A worker killed between 1 and 3 leaves the row `sending` with its attempt key; after
`SENDING_LEASE` another worker takes it over, and like every retry after an answer that may
have come too late (a timeout, a 5xx; not a rate limit, which clears the key), before
posting a reply again it lists the comment's replies and adopts one with the same text that
the account wrote since the first attempt; hides and removes are safe to repeat (a comment
already removed counts as done); a DM, which TikTok gives no way to look up, is never sent a
second time: it is marked failed for a person to check the conversation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from moderation.cases import case_open
from moderation.models import (
    ActionKind,
    Case,
    CaseEvent,
    CaseStatus,
    Delivery,
    InboundMessage,
    Level,
    MessageKind,
    ModerationSettings,
    OutboxMessage,
)

from .connectors import connector_for
from .connectors.base import (
    NotLinked,
    PlatformError,
    PostedAction,
    RateLimited,
    ReauthorizationRequired,
    TransientError,
)
from .models import AccountStatus, PlatformAccount

SENDING_LEASE = timedelta(minutes=5)
HELD_RECHECK = timedelta(minutes=15)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 8
NOT_FOUND_CODES = {40007}
IN_FLIGHT = (Delivery.QUEUED, Delivery.SENDING, Delivery.HELD)


@dataclass
class DeliveryReport:
    routed: int = 0
    manual: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … at most an hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _accounts_by_handle(agency_id: int) -> dict[tuple[str, str], PlatformAccount]:
    found = {}
    accounts = PlatformAccount.objects.filter(agency_id=agency_id).select_related("social_account")
    # A linked account wins over an old disconnected one with the same handle.
    for account in sorted(accounts, key=lambda a: (a.status == AccountStatus.LINKED, a.pk)):
        for handle in {account.handle, getattr(account.social_account, "handle", "")}:
            if handle:
                found[(account.platform, handle.lower())] = account
    return found


def _account_of(row: OutboxMessage) -> PlatformAccount | None:
    """The platform account an outbox row is sent from (by its handle, or its roster
    account's handle); `_accounts_by_handle` is the same question for a whole batch."""
    candidates = list(
        PlatformAccount.objects.select_related("agency")
        .filter(
            Q(handle__iexact=row.account) | Q(social_account__handle__iexact=row.account),
            agency_id=row.agency_id,
            platform=row.platform,
        )
        .order_by("pk")[:10]
    )
    linked = [a for a in candidates if a.status == AccountStatus.LINKED]
    return (linked or candidates or [None])[0]


def _conversation_of(row: OutboxMessage) -> str:
    """The TikTok conversation a DM goes to: the latest one the person opened with the
    account (TikTok lets a business answer only a conversation the person started)."""
    message = (
        InboundMessage.objects.filter(
            agency_id=row.agency_id,
            platform=row.platform,
            account__iexact=row.account,
            kind=MessageKind.DM,
            contact__handle=row.recipient,
            platform_message_id__contains=":",
        )
        .order_by("-sent_at", "-pk")
        .first()
    )
    return message.platform_message_id.split(":", 1)[0] if message else ""


def outbox_route(*, agency_id: int, now: datetime | None = None) -> tuple[int, int]:
    """Route the agency's new outbox rows: (queued for the platform, left to a person).

    Only rows written after their account was linked go to the platform, so linking an
    account never posts what was decided before."""
    now = now or timezone.now()
    pending = list(
        OutboxMessage.objects.filter(agency_id=agency_id, delivery=Delivery.PENDING).order_by("pk")
    )
    if not pending:
        return 0, 0
    accounts = _accounts_by_handle(agency_id)
    queued, manual, notes = [], [], {}
    for row in pending:
        account = accounts.get((row.platform, row.account.lower()))
        live = (
            account is not None
            and account.status == AccountStatus.LINKED
            and account.linked_at is not None
            and account.linked_at <= row.created_at
        )
        if live and row.kind == ActionKind.DM and not _conversation_of(row):
            notes[row.pk] = _(
                "TikTok lets a business answer only a conversation the person started: "
                "send this one by hand."
            )
            live = False
        elif live and row.kind != ActionKind.DM and ":" not in row.in_reply_to:
            notes[row.pk] = _(
                "This comment did not come through the TikTok connection: post this by hand."
            )
            live = False
        (queued if live else manual).append(row.pk)
    with transaction.atomic():
        OutboxMessage.objects.filter(pk__in=queued, delivery=Delivery.PENDING).update(
            delivery=Delivery.QUEUED, next_attempt_at=now
        )
        OutboxMessage.objects.filter(
            pk__in=[pk for pk in manual if pk not in notes], delivery=Delivery.PENDING
        ).update(delivery=Delivery.MANUAL)
        for pk, note in notes.items():
            OutboxMessage.objects.filter(pk=pk, delivery=Delivery.PENDING).update(
                delivery=Delivery.MANUAL, last_error=note[:300]
            )
    return len(queued), len(manual)


def outbox_deliver_due(
    *, agency_id: int, now: datetime | None = None, limit: int = 500, api=None
) -> DeliveryReport:
    """Route new rows, then deliver every row of the agency that is due (see the module's
    docstring for the guarantees). `api` replaces the platform client (tests, bench)."""
    now = now or timezone.now()
    report = DeliveryReport()
    report.routed, report.manual = outbox_route(agency_id=agency_id, now=now)
    due = list(
        OutboxMessage.objects.filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True),
            agency_id=agency_id,
            delivery__in=IN_FLIGHT,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        outcome = outbox_deliver(outbox_id=pk, now=now, api=api)
        if outcome in ("delivered", "retrying", "failed", "held", "cancelled"):
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _claim(outbox_id: int, now: datetime):
    """Lock the row and mark it `sending` (committed before the platform is called)."""
    with transaction.atomic():
        row = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("action")
            .filter(pk=outbox_id, delivery__in=IN_FLIGHT)
            .first()
        )
        if row is None:
            return None, None, ""
        if row.delivery == Delivery.SENDING and row.attempt_started_at > now - SENDING_LEASE:
            return None, None, ""  # another worker is on it
        account = _account_of(row)
        if account is None or account.status != AccountStatus.LINKED:
            row.delivery = Delivery.HELD
            row.next_attempt_at = now + HELD_RECHECK
            row.last_error = _("The TikTok account needs reconnecting; this waits until then.")
            row.save(update_fields=["delivery", "next_attempt_at", "last_error"])
            return row, None, "held"
        action = row.action
        crisis = ModerationSettings.objects.filter(
            agency_id=row.agency_id, crisis_mode=True
        ).exists()
        if action.promotional and crisis:
            row.delivery = Delivery.CANCELLED
            row.last_error = _("Cancelled: crisis mode is on.")
            row.save(update_fields=["delivery", "last_error"])
            audit_record(
                agency=account.agency,
                actor=None,
                actor_label="platforms:delivery",
                action="outbox.cancel",
                obj=row,
                after={"reason": "crisis mode"},
            )
            return row, None, "cancelled"
        # A key left by an earlier attempt means its outcome is unknown (killed, timed out):
        # it may have reached the platform, so check before posting again.
        row.check_first = bool(row.attempt_key)
        row.delivery = Delivery.SENDING
        row.attempt_key = uuid.uuid4().hex
        row.attempt_started_at = now
        row.attempts += 1
        row.save(update_fields=["delivery", "attempt_key", "attempt_started_at", "attempts"])
        return row, account, ""


def outbox_deliver(*, outbox_id: int, now: datetime | None = None, api=None) -> str:
    """Deliver one outbox row; answers what came of it: delivered, retrying, failed, held,
    cancelled or skipped (not due, or another worker holds it)."""
    now = now or timezone.now()
    row, account, outcome = _claim(outbox_id, now)
    if row is None or outcome:
        return outcome or "skipped"
    connector = connector_for(account, **({"api": api} if api is not None else {}))
    try:
        posted = _send(connector, row)
    except RateLimited as exc:
        wait = max(timedelta(seconds=exc.retry_after), backoff(row.attempts))
        return _retry(row, now + wait, _("TikTok asked us to slow down: %(reason)s"), exc)
    except TransientError as exc:
        if row.kind == ActionKind.DM:
            # The message may have been sent: TikTok offers no way to check, so no resend.
            return _fail(
                row,
                _(
                    "TikTok did not confirm this message (%(reason)s); it may have been sent. "
                    "Check the conversation before sending it by hand."
                )
                % {"reason": exc.message or type(exc).__name__},
            )
        return _retry(
            row, now + backoff(row.attempts), _("TikTok was unavailable: %(reason)s"), exc
        )
    except ReauthorizationRequired:
        return _hold(row, now)
    except (NotLinked, PlatformError) as exc:
        # A remove repeated after an attempt in doubt: the comment is already gone.
        if row.check_first and row.kind == ActionKind.REMOVE and exc.code in NOT_FOUND_CODES:
            return _done(row, row.in_reply_to.split(":", 1)[1], now)
        return _fail(
            row,
            _("TikTok refused it: %(reason)s") % {"reason": exc.message or type(exc).__name__},
        )
    finally:
        if hasattr(connector, "close"):
            connector.close()
    return _done(row, posted.platform_id, now)


def _send(connector, row: OutboxMessage) -> PostedAction:
    if row.kind == ActionKind.DM:
        if row.check_first:
            raise TransientError(_("an earlier attempt was interrupted"))
        return connector.send_dm(_conversation_of(row), row.text)
    video_id, comment_id = row.in_reply_to.split(":", 1)
    if row.kind == ActionKind.REPLY:
        if row.check_first:
            earlier = _earlier_reply(connector, row, video_id, comment_id)
            if earlier:
                return PostedAction(platform_id=earlier)
        return connector.reply(video_id, comment_id, row.text)
    if row.kind == ActionKind.HIDE:
        return connector.hide(video_id, comment_id, True)
    if row.kind == ActionKind.REMOVE:
        return connector.delete(comment_id)
    raise NotLinked(f"nothing to deliver for {row.kind}")


def _earlier_reply(connector, row: OutboxMessage, video_id: str, comment_id: str) -> str:
    """The id of a reply with this text that the account posted under the comment since the
    row was written, if any."""
    cursor = ""
    for _page in range(10):
        page = connector.list_replies(video_id, comment_id, cursor)
        for comment in page.items:
            if (
                comment.is_owner
                and comment.text.strip() == row.text.strip()
                and comment.created_at >= row.created_at - timedelta(minutes=1)
            ):
                return comment.comment_id
        if not page.has_more or not page.next_cursor or page.next_cursor == cursor:
            return ""
        cursor = page.next_cursor
    return ""


def _update(row: OutboxMessage, **fields) -> bool:
    """Write the attempt's outcome unless another worker took the row over since."""
    return bool(
        OutboxMessage.objects.filter(
            pk=row.pk, delivery=Delivery.SENDING, attempt_key=row.attempt_key
        ).update(**fields)
    )


def _done(row: OutboxMessage, platform_id: str, now: datetime) -> str:
    with transaction.atomic():
        if not _update(
            row,
            delivery=Delivery.DELIVERED,
            platform_id=platform_id[:128],
            delivered_at=now,
            next_attempt_at=None,
            last_error="",
        ):
            return "skipped"
        audit_record(
            agency=row.action.agency,
            actor=None,
            actor_label="platforms:delivery",
            action="outbox.deliver",
            obj=row,
            after={"kind": row.kind, "platform_id": platform_id[:128], "attempts": row.attempts},
        )
    return "delivered"


def _retry(row: OutboxMessage, when: datetime, message: str, exc: PlatformError) -> str:
    if row.attempts >= MAX_ATTEMPTS:
        return _fail(row, message % {"reason": exc.message or type(exc).__name__})
    text = (message % {"reason": exc.message or type(exc).__name__})[:300]
    fields = {"delivery": Delivery.QUEUED, "next_attempt_at": when, "last_error": text}
    if isinstance(exc, RateLimited):
        # A rate limit is an answer before anything was done: nothing to check next time.
        fields["attempt_key"] = ""
    _update(row, **fields)
    return "retrying"


def _hold(row: OutboxMessage, now: datetime) -> str:
    _update(
        row,
        delivery=Delivery.HELD,
        next_attempt_at=now + HELD_RECHECK,
        last_error=_("The TikTok account needs reconnecting; this waits until then."),
    )
    return "held"


def _fail(row: OutboxMessage, reason: str) -> str:
    """A permanent failure: on the outbox row, and on the message's case (opened if none)."""
    reason = reason[:300]
    with transaction.atomic():
        if not _update(row, delivery=Delivery.FAILED, next_attempt_at=None, last_error=reason):
            return "skipped"
        action = row.action
        message = action.message
        title = _("Could not post an automated %(kind)s on TikTok") % {
            "kind": action.get_kind_display().lower()
        }
        case = (
            Case.objects.filter(message=message, status=CaseStatus.OPEN).order_by("pk").first()
            if message is not None
            else None
        )
        if case is not None:
            CaseEvent.objects.create(
                agency_id=case.agency_id,
                case=case,
                kind="delivery_failed",
                text=f"{title}: {reason}",
                created_at=timezone.now(),
            )
        else:
            case_open(
                agency=action.agency,
                title=title[:200],
                level=Level.HUMAN_REVIEW,
                message=message,
                creator=message.creator if message is not None else None,
                reason=reason,
            )
        audit_record(
            agency=action.agency,
            actor=None,
            actor_label="platforms:delivery",
            action="outbox.fail",
            obj=row,
            after={"kind": row.kind, "reason": reason},
        )
    return "failed"
