"""The thank-top-commenters action: public thank-you replies to a video's top commenters.

A policy switches it on (`thank_commenters` in its rules: on/off, how many commenters, the
average watch time the video must reach, the reply texts). The rewards app asks for it once
a rewarded video passes that watch time; the replies are ordinary automated replies: they
go through the same per-account hourly and daily caps (`AccountGate.reply_take`, the
account's counter row locked), wait the policy's random delay, are cancelled at send time
in crisis mode (they are promotional) and are sent by the same sender through the outbox.

"Top" commenters: moderation stores no like counts per comment, so the people who
commented most on the video rank first, then the earliest; hidden, removed and negative
comments (below the policy's sentiment threshold) never get a thank-you, and a comment
that already has an automated reply gets no second one.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from agencies.models import Agency

from .auditing import audit_bulk, audit_entry
from .bulk import bulk_insert
from .limits import LIVE, AccountGate
from .models import ActionKind, ActionOutcome, AutomatedAction, InboundMessage, MessageKind
from .policies import moderation_settings_get, policy_ensure_default
from .rules import thank_commenters
from .selectors import effective_policy_version
from .triage import random_delay

CODE = "thank_commenters"


@dataclass
class ThanksResult:
    """`due`: the policy wants the thanks and the video reached its watch time (the caller
    then never asks again); `actions`: the replies scheduled or suppressed by the caps."""

    due: bool
    actions: list[AutomatedAction] = field(default_factory=list)

    @property
    def scheduled(self) -> int:
        return sum(1 for a in self.actions if a.outcome == ActionOutcome.SCHEDULED)


def _language(message: InboundMessage) -> str:
    return message.language if message.language in ("en", "nl") else "en"


@transaction.atomic
def top_commenters_thank(
    *,
    agency: Agency,
    creator_id: int | None,
    platform: str,
    video_id: str,
    avg_watch_seconds: Decimal,
    now: datetime,
    rng: random.Random | None = None,
) -> ThanksResult:
    """Schedule thank-you replies to the top commenters of `video_id` when the creator's
    effective policy asks for them and the video's average watch time reached its
    threshold. Locks the accounts' reply counters (moderation/limits.py)."""
    version = effective_policy_version(agency, creator_id)
    if version is None:
        version = policy_ensure_default(agency=agency).current_version
    rules = version.rules
    config = thank_commenters(rules)
    if not config["enabled"] or avg_watch_seconds < Decimal(config["min_avg_watch_seconds"]):
        return ThanksResult(due=False)
    if moderation_settings_get(agency=agency).crisis_mode:
        return ThanksResult(due=False)  # asked again after the crisis
    comments = list(
        InboundMessage.objects.filter(
            agency=agency,
            platform=platform,
            kind=MessageKind.COMMENT,
            platform_message_id__startswith=f"{video_id}:",
            hidden=False,
            removed=False,
            sentiment__gte=rules["sentiment_threshold"],
            category="",  # a comment a moderation category caught gets no thank-you
        )
        .exclude(
            pk__in=AutomatedAction.objects.filter(
                agency=agency,
                kind=ActionKind.REPLY,
                outcome__in=LIVE,
                message__platform_message_id__startswith=f"{video_id}:",
            ).values("message_id")
        )
        .select_related("contact")
        .order_by("sent_at", "pk")
    )
    by_person: dict[int, list[InboundMessage]] = defaultdict(list)
    for message in comments:
        by_person[message.contact_id].append(message)
    # Most comments first, then the earliest commenter; each thanked on their first comment.
    ranked = sorted(by_person.values(), key=lambda ms: (-len(ms), ms[0].sent_at, ms[0].pk))
    chosen = [ms[0] for ms in ranked[: config["top_n"]]]
    if not chosen:
        return ThanksResult(due=True)
    gate = AccountGate(
        agency_id=agency.pk, accounts={(m.platform, m.account) for m in chosen}, now=now
    )
    limits = rules["limits"]
    actions = []
    for message in chosen:
        why = gate.reply_take(
            (message.platform, message.account),
            hourly=limits["replies_per_account_per_hour"],
            daily=limits["replies_per_account_per_day"],
        )
        reasons = [{"code": CODE, "video": video_id}]
        actions.append(
            AutomatedAction(
                agency_id=agency.pk,
                message=message,
                contact=message.contact,
                policy_version=version,
                kind=ActionKind.REPLY,
                outcome=ActionOutcome.SUPPRESSED if why else ActionOutcome.SCHEDULED,
                reasons=[*reasons, why] if why else reasons,
                platform=message.platform,
                account=message.account,
                text=config["reply"].get(_language(message)) or config["reply"]["en"],
                promotional=True,
                due_at=None if why else now + random_delay(rules, rng),
                created_at=now,
            )
        )
    bulk_insert(actions)
    gate.save()
    audit_bulk(
        [
            audit_entry(
                agency_id=agency.pk,
                action="automated.thank_commenters",
                obj=action,
                actor_label="moderation:thanks",
                after={
                    "kind": action.kind,
                    "outcome": action.outcome,
                    "policy_version": version.pk,
                    "message": action.message_id,
                    "video": video_id,
                },
            )
            for action in actions
        ]
    )
    return ThanksResult(due=True, actions=actions)
