"""Inbound comments and DMs: payload validation (pure), the signed webhook, CSV parsing,
and the idempotent batch ingest that every entry point (API, webhook, CSV) calls."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency
from agencies.tasking import enqueue_on_commit
from core.csv_import import Column, read_csv
from creators.models import Platform, SocialAccount

from .analysis import analyse
from .bulk import pairs_q
from .models import Contact, InboundMessage, MessageKind, WebhookReceipt
from .policies import moderation_settings_get

MAX_BATCH = 500
MAX_TEXT = 5000
WEBHOOK_TOLERANCE = timedelta(minutes=5)
CSV_COLUMNS = ("platform", "id", "kind", "account", "author", "text", "sent_at")


class PayloadError(ValueError):
    """A batch was refused; `errors` maps the item index to its problems."""

    def __init__(self, errors: dict[int, list[str]] | str):
        self.errors = errors if isinstance(errors, dict) else {-1: [errors]}
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        parts = []
        for index, problems in sorted(self.errors.items()):
            where = _("item %(n)d") % {"n": index + 1} if index >= 0 else _("request")
            parts.append(f"{where}: {'; '.join(problems)}")
        return " | ".join(parts[:20])


@dataclass(frozen=True)
class MessageIn:
    platform: str
    platform_message_id: str
    kind: str
    account: str
    author: str
    text: str
    sent_at: datetime
    campaign_code: str = ""
    opt_in: bool = False


def _text(item: dict, key: str, max_len: int, errors: list[str], *, required: bool = True) -> str:
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        errors.append(_("%(key)s must be text") % {"key": key})
        return ""
    value = str(value).strip()
    if required and not value:
        errors.append(_("%(key)s is required") % {"key": key})
    elif len(value) > max_len:
        errors.append(_("%(key)s is longer than %(n)d characters") % {"key": key, "n": max_len})
    return value


def parse_message(item: Any) -> tuple[MessageIn | None, list[str]]:
    """One payload item → `MessageIn`, or the list of what is wrong with it."""
    if not isinstance(item, dict):
        return None, [_("must be an object")]
    errors: list[str] = []
    platform = _text(item, "platform", 16, errors).lower()
    if platform and platform not in Platform.values:
        errors.append(_("platform must be one of %(v)s") % {"v": ", ".join(Platform.values)})
    kind = _text(item, "kind", 8, errors).lower()
    if kind and kind not in MessageKind.values:
        errors.append(_("kind must be comment or dm"))
    message_id = _text(item, "id", 128, errors)
    account = _text(item, "account", 100, errors).lstrip("@")
    author = _text(item, "author", 100, errors).lstrip("@")
    text = _text(item, "text", MAX_TEXT, errors)
    campaign = _text(item, "campaign_code", 64, errors, required=False)
    raw_time = item.get("sent_at")
    sent_at = parse_datetime(raw_time) if isinstance(raw_time, str) else None
    if sent_at is None or sent_at.tzinfo is None:
        errors.append(_("sent_at must be an ISO 8601 date-time with a timezone"))
    opt_in = item.get("opt_in", False)
    if not isinstance(opt_in, bool):
        errors.append(_("opt_in must be true or false"))
    if errors:
        return None, errors
    return (
        MessageIn(platform, message_id, kind, account, author, text, sent_at, campaign, opt_in),
        [],
    )


def parse_batch(items: Any) -> list[MessageIn]:
    """Validate a whole batch; any bad item refuses the batch (nothing is stored)."""
    if not isinstance(items, list) or not items:
        raise PayloadError(_("send a non-empty list of messages"))
    if len(items) > MAX_BATCH:
        raise PayloadError(_("at most %(n)d messages per request") % {"n": MAX_BATCH})
    parsed, errors = [], {}
    for index, item in enumerate(items):
        message, problems = parse_message(item)
        if problems:
            errors[index] = problems
        else:
            parsed.append(message)
    if errors:
        raise PayloadError(errors)
    return parsed


def _yes(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes")


# The columns of a CSV export (`core.csv_import` reads the file); extra columns are ignored.
CSV_SPEC = (
    *(Column(name, required=True) for name in CSV_COLUMNS),
    Column("campaign_code"),
    Column("opt_in", parse=_yes),
)


def parse_messages_csv(data: bytes) -> list[MessageIn]:
    """A CSV export (header row with at least CSV_COLUMNS, at most MAX_BATCH rows) →
    messages, or `PayloadError`; each row is checked as an item of an API batch."""
    table = read_csv(data, CSV_SPEC, max_bytes=settings.CSV_IMPORT_MAX_BYTES, max_rows=MAX_BATCH)
    if table.missing_columns:
        raise PayloadError(_("missing columns: %(c)s") % {"c": ", ".join(table.missing_columns)})
    if table.errors:
        raise PayloadError({-1: [str(e) if e.row else e.message for e in table.errors[:20]]})
    return parse_batch([row.values for row in table.rows])


# --- webhook signature ------------------------------------------------------------------


class WebhookRejected(Exception):
    pass


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `<timestamp>.<body>`, hex-encoded."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# Unix seconds and a hex SHA-256, checked before anything is converted: a 20-digit
# timestamp overflowed `datetime.fromtimestamp` (a 500) before the signature was looked at.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"(?:sha256=)?([0-9a-fA-F]{64})")


@transaction.atomic
def webhook_verify(
    *,
    agency: Agency | None,
    body: bytes,
    timestamp: str,
    signature: str,
    now: datetime | None = None,
) -> None:
    """Accept a delivery once: valid signature, timestamp within 5 minutes, never seen.

    The signature of every accepted delivery is remembered (unique per agency), so a replay
    inside the tolerance window is refused; older receipts are pruned, as a replay outside
    the window fails on its timestamp anyway. `agency` is None for a slug that names no
    agency: it is refused exactly like a bad signature, so no one learns which slugs exist.
    """
    now = now or timezone.now()
    signed = _SIGNATURE.fullmatch(signature)
    if signed is None or _TIMESTAMP.fullmatch(timestamp) is None:
        raise WebhookRejected(_("missing or malformed signature headers"))
    if agency is None:
        secret = secrets.token_hex(32)  # the same work as for a real agency, never a match
    else:
        secret = moderation_settings_get(agency=agency).webhook_secret
    expected = webhook_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected, signed.group(1).lower()) or agency is None:
        raise WebhookRejected(_("invalid signature"))
    if abs(now.timestamp() - int(timestamp)) > WEBHOOK_TOLERANCE.total_seconds():
        raise WebhookRejected(_("timestamp outside the 5-minute tolerance"))
    WebhookReceipt.objects.filter(
        agency=agency, created_at__lt=now - 2 * WEBHOOK_TOLERANCE
    ).delete()
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(agency=agency, signature=expected, created_at=now)
    except IntegrityError:
        raise WebhookRejected(_("replayed delivery")) from None


# --- ingest -------------------------------------------------------------------------------


@dataclass
class IngestResult:
    created: list[int]
    duplicates: int


def _per_platform(pairs: set[tuple[str, str]], field: str) -> Q:
    """`(platform, value) in pairs` as one IN list per platform."""
    return pairs_q(pairs, "platform", field)


def _contacts(agency: Agency, messages: list[MessageIn]) -> dict[tuple[str, str], Contact]:
    keys = {(m.platform, m.author) for m in messages}
    Contact.objects.bulk_create(
        [Contact(agency=agency, platform=p, handle=h) for p, h in keys], ignore_conflicts=True
    )
    return {
        (c.platform, c.handle): c
        for c in Contact.objects.filter(_per_platform(keys, "handle"), agency=agency)
    }


def _creators(agency: Agency, messages: list[MessageIn]) -> dict[tuple[str, str], int]:
    accounts = {(m.platform, m.account.lower()) for m in messages}
    rows = (
        SocialAccount.objects.filter(agency=agency)
        .annotate(handle_lower=Lower("handle"))
        .filter(_per_platform(accounts, "handle_lower"))
        .values_list("platform", "handle_lower", "creator_id")
    )
    return {(p, h): c for p, h, c in rows}


@transaction.atomic
def messages_ingest(
    *, agency: Agency, messages: list[MessageIn], source: str, actor=None
) -> IngestResult:
    """Store new messages (idempotent by platform message id) and queue their triage.

    A message already stored, or repeated within the batch, counts as a duplicate and is
    left untouched. Language and sentiment are computed here, once per message.
    """
    seen: set[tuple[str, str]] = set()
    unique = []
    for m in messages:
        if (m.platform, m.platform_message_id) not in seen:
            seen.add((m.platform, m.platform_message_id))
            unique.append(m)
    existing = set(
        InboundMessage.objects.filter(
            _per_platform(seen, "platform_message_id"), agency=agency
        ).values_list("platform", "platform_message_id")
    )
    fresh = [m for m in unique if (m.platform, m.platform_message_id) not in existing]
    contacts = _contacts(agency, fresh) if fresh else {}
    creators = _creators(agency, fresh) if fresh else {}
    rows = []
    for m in fresh:
        analysis = analyse(m.text)
        rows.append(
            InboundMessage(
                agency=agency,
                platform=m.platform,
                platform_message_id=m.platform_message_id,
                kind=m.kind,
                source=source,
                creator_id=creators.get((m.platform, m.account.lower())),
                account=m.account,
                contact=contacts[(m.platform, m.author)],
                text=m.text,
                campaign_code=m.campaign_code,
                opt_in=m.opt_in,
                sent_at=m.sent_at,
                language=analysis.language,
                language_confidence=analysis.confidence,
                sentiment=analysis.sentiment,
            )
        )
    # ignore_conflicts: a concurrent delivery of the same id wins the race harmlessly.
    InboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
    fresh_keys = {(m.platform, m.platform_message_id) for m in fresh}
    created = (
        list(
            InboundMessage.objects.filter(
                _per_platform(fresh_keys, "platform_message_id"), agency=agency, status="new"
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if fresh
        else []
    )
    audit_record(
        agency=agency,
        actor=actor,
        actor_label="" if getattr(actor, "is_authenticated", False) else f"moderation:{source}",
        action="message.ingest",
        after={
            "source": source,
            "created": len(created),
            "duplicates": len(messages) - len(created),
        },
    )
    if created:
        enqueue_on_commit("moderation.triage_messages", agency.pk, list(created))
    return IngestResult(created=created, duplicates=len(messages) - len(created))
