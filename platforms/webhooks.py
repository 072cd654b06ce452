"""TikTok's webhooks: Business Messaging DMs into the moderation inbox.

TikTok signs each delivery with the app's client secret (header `TikTok-Signature:
t=<unix seconds>,s=<hex HMAC-SHA256 of "<t>.<body>">`, developers.tiktok.com "Check the
signature"). A delivery is accepted once: the signature must match (compared in constant
time), the timestamp be within `TOLERANCE` of now, and the signature be new for that agency
(moderation's `WebhookReceipt`, so a replay inside the window is refused). The message is then
ingested like any other (moderation/inbound.py), idempotent by TikTok's message id.

The endpoint knows no agency: the account's open_id names it, through the system scope's one
question "which agency linked this TikTok account?" (agencies/system_scope.py), asked only
after the signature checked out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.system_scope import enter_agency_of
from moderation.inbound import MAX_TEXT, MessageIn, messages_ingest
from moderation.models import MessageKind, MessageSource, WebhookReceipt

from .models import AccountStatus, PlatformAccount

TOLERANCE = timedelta(minutes=5)
DM_EVENT = "im_receive_msg"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


class WebhookRejected(Exception):
    """Refused; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.status = status


def _parse_header(header: str) -> tuple[str, list[str]]:
    timestamp, signatures = "", []
    for element in header.split(","):
        prefix, _sep, value = element.strip().partition("=")
        if prefix == "t":
            timestamp = value
        elif prefix == "s":
            signatures.append(value)
    return timestamp, signatures


def signature_verify(*, body: bytes, header: str, secret: str, now: datetime) -> str:
    """The accepted signature (hex), or `WebhookRejected`."""
    timestamp, signatures = _parse_header(header or "")
    if not _TIMESTAMP.fullmatch(timestamp) or not signatures:
        raise WebhookRejected(_("missing or malformed signature header"), 400)
    if not secret:
        raise WebhookRejected(_("webhooks are not configured"), 401)
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    matched = [
        s
        for s in signatures
        if _SIGNATURE.fullmatch(s) and hmac.compare_digest(expected, s.lower())
    ]
    if not matched:
        raise WebhookRejected(_("invalid signature"), 401)
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE.total_seconds():
        raise WebhookRejected(_("timestamp outside the 5-minute tolerance"), 401)
    return expected


def tiktok_webhook_receive(*, body: bytes, header: str, now: datetime | None = None) -> str:
    """Verify and ingest one delivery; answers what came of it: `ingested`, `duplicate` or
    `ignored` (an event we do not use, an account no agency has linked, our own message)."""
    now = now or timezone.now()
    signature = signature_verify(
        body=body, header=header, secret=settings.TIKTOK_CLIENT_SECRET, now=now
    )
    try:
        event = json.loads(body)
        content = event.get("content") or "{}"
        message = json.loads(content) if isinstance(content, str) else content
        open_id = str(event.get("user_openid") or "")
    except (ValueError, AttributeError):
        raise WebhookRejected(_("the body is not a TikTok event"), 400) from None
    if event.get("event") != DM_EVENT or not isinstance(message, dict):
        return "ignored"
    if not enter_agency_of("platform_account", open_id):
        return "ignored"
    account = (
        PlatformAccount.objects.select_related("agency", "social_account")
        .filter(external_id=open_id, status=AccountStatus.LINKED)
        .order_by("pk")
        .first()
    )
    if account is None:
        return "ignored"
    sender = message.get("from_user") if isinstance(message.get("from_user"), dict) else {}
    if message.get("from") == open_id or sender.get("role") == "business_account":
        return "ignored"  # the account's own message, echoed back
    text = message.get("text") if isinstance(message.get("text"), dict) else {}
    body_text = str(text.get("body") or "").strip()
    conversation = str(message.get("conversation_id") or "")
    message_id = str(message.get("message_id") or "")
    author = str(message.get("from") or sender.get("id") or "").lstrip("@")[:100]
    if not (body_text and conversation and message_id and author):
        raise WebhookRejected(_("the message lacks its text, ids or sender"), 400)
    try:
        sent_at = datetime.fromtimestamp(int(message.get("create_time") or 0), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        sent_at = now
    handle = account.social_account.handle if account.social_account_id else account.handle
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(
                    agency=account.agency, signature=signature, created_at=now
                )
        except IntegrityError:
            raise WebhookRejected(_("replayed delivery"), 409) from None
        result = messages_ingest(
            agency=account.agency,
            messages=[
                MessageIn(
                    platform=account.platform,
                    platform_message_id=f"{conversation}:{message_id}"[:128],
                    kind=MessageKind.DM,
                    account=handle,
                    author=author,
                    text=body_text[:MAX_TEXT],
                    sent_at=sent_at,
                )
            ],
            source=MessageSource.WEBHOOK,
        )
    return "ingested" if result.created else "duplicate"
