"""Writes of the leads app: a lead (and its campaign conversion) per e-mail address captured
in a DM conversation, and the follow-up DM 24 to 48 hours after the opt-in.

How a lead is born: the DM sequence (moderation/triage.py) captures the address with consent
and calls the handlers registered in moderation/hooks.py; `leads_record` is the one this app
registers in `LeadsConfig.ready()`. It runs inside the triage transaction, once per batch,
with a fixed number of queries.

Attribution: the conversation started with the contact's first comment. A comment synced
from the platform carries its video (`<video id>:<comment id>`), which names the deliverable
posted as that video (`Deliverable.post_id`); the lead and its conversion are attributed to
that deliverable and its campaign. Without such a deliverable, the campaign code of the
comment (or of the DM) names the campaign, unattributed to a deliverable. Without either,
the lead has no campaign and no conversion, and the pages say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from campaigns.models import (
    Campaign,
    ConversionEvent,
    ConversionKind,
    ConversionSource,
    Deliverable,
)
from moderation.auditing import audit_bulk, audit_entry
from moderation.hooks import LeadCapture
from moderation.models import ActionOutcome, InboundMessage, MessageKind, PolicyVersion
from moderation.policies import policy_ensure_default
from moderation.rules import default_rules
from moderation.selectors import policy_versions
from moderation.triage import automated_dm_schedule

from .models import FOLLOW_UP_AFTER, FollowUp, Lead


def _first_comments(agency_id: int, contact_ids: list[int]) -> dict[int, InboundMessage]:
    """Each contact's first comment (one query)."""
    first: dict[int, InboundMessage] = {}
    comments = (
        InboundMessage.objects.filter(
            agency_id=agency_id, contact_id__in=contact_ids, kind=MessageKind.COMMENT
        )
        .only("id", "contact_id", "platform", "platform_message_id", "creator_id", "campaign_code")
        .order_by("contact_id", "sent_at", "id")
    )
    for comment in comments:
        first.setdefault(comment.contact_id, comment)
    return first


def video_of(comment: InboundMessage) -> str:
    """The platform video a synced comment was written under ("" if it does not say)."""
    video, sep, _comment = comment.platform_message_id.partition(":")
    return video if sep else ""


@transaction.atomic
def leads_record(captures: list[LeadCapture]) -> list[Lead]:
    """A lead per capture (skipping contacts that already are one), each with a `lead`
    conversion from a conversation when its campaign is known. Audited in bulk; at most seven
    queries whatever the batch size."""
    if not captures:
        return []
    agency_id = captures[0].agency_id
    by_contact = {c.contact.pk: c for c in captures}
    existing = set(
        Lead.objects.filter(agency_id=agency_id, contact_id__in=by_contact).values_list(
            "contact_id", flat=True
        )
    )
    fresh = [c for pk, c in by_contact.items() if pk not in existing]
    if not fresh:
        return []
    firsts = _first_comments(agency_id, [c.contact.pk for c in fresh])
    videos = {(m.platform, video_of(m)) for m in firsts.values() if video_of(m)}
    deliverables: dict[tuple[str, str], Deliverable] = {}
    if videos:
        for d in Deliverable.objects.filter(
            agency_id=agency_id,
            platform__in={p for p, _v in videos},
            post_id__in={v for _p, v in videos},
        ).select_related("campaign"):
            deliverables[(d.platform, d.post_id)] = d
    codes = set()
    for capture in fresh:
        comment = firsts.get(capture.contact.pk)
        codes.add(((comment.campaign_code if comment else "") or "").strip().upper())
        codes.add((capture.message.campaign_code or "").strip().upper())
    codes.discard("")
    campaigns = {c.code: c for c in Campaign.objects.filter(agency_id=agency_id, code__in=codes)}

    leads: list[Lead] = []
    conversions: list[ConversionEvent] = []
    for capture in fresh:
        contact, message = capture.contact, capture.message
        comment = firsts.get(contact.pk)
        deliverable = deliverables.get((comment.platform, video_of(comment))) if comment else None
        if deliverable is not None:
            campaign = deliverable.campaign
        else:
            code = (comment.campaign_code if comment else "") or message.campaign_code or ""
            campaign = campaigns.get(code.strip().upper())
        creator_id = (
            deliverable.creator_id
            if deliverable
            else (comment.creator_id if comment else None) or message.creator_id
        )
        opted_in_at = contact.dm_opted_in_at or capture.captured_at
        conversion = None
        if campaign is not None:
            conversion = ConversionEvent(
                agency_id=agency_id,
                campaign=campaign,
                kind=ConversionKind.LEAD,
                source=ConversionSource.CONVERSATION,
                occurred_at=capture.captured_at,
                currency=campaign.currency,
                creator_id=creator_id,
                deliverable=deliverable,
            )
            conversions.append(conversion)
        leads.append(
            Lead(
                agency_id=agency_id,
                contact=contact,
                creator_id=creator_id,
                campaign=campaign,
                deliverable=deliverable,
                conversion=conversion,
                source_message=message,
                first_comment=comment,
                name=contact.name,
                email=contact.email,
                language=contact.language,
                opted_in_at=opted_in_at,
                consented_at=contact.email_consent_at or capture.captured_at,
                captured_at=capture.captured_at,
                follow_up_due_at=opted_in_at + FOLLOW_UP_AFTER,
            )
        )
    ConversionEvent.objects.bulk_create(conversions)
    Lead.objects.bulk_create(leads)  # takes each conversion's new id from the object
    audit_bulk(
        [
            audit_entry(
                agency_id=agency_id,
                actor_label="leads:capture",
                action="lead.create",
                obj=lead,
                object_repr=str(lead),
                after={
                    "contact": lead.contact_id,
                    "campaign": lead.campaign_id,
                    "deliverable": lead.deliverable_id,
                    "conversion": lead.conversion_id,
                    "source_message": lead.source_message_id,
                },
            )
            for lead in leads
        ]
    )
    return leads


@dataclass(frozen=True)
class FollowUpSummary:
    scheduled: int = 0
    suppressed: int = 0
    missed: int = 0

    @property
    def total(self) -> int:
        return self.scheduled + self.suppressed + self.missed


def follow_up_text(version: PolicyVersion, language: str) -> str:
    """The policy's follow-up text in `language` (English if it has none); versions saved
    before the follow-up existed (immutable) use the default rules' text."""
    texts = (
        version.rules["dm_sequence"].get("follow_up") or default_rules()["dm_sequence"]["follow_up"]
    )
    return texts.get(language) or texts["en"]


def lead_follow_ups_send(*, agency: Agency, now: datetime | None = None) -> FollowUpSummary:
    """Schedule the follow-up DM of every lead of `agency` whose opt-in is 24 hours old.

    Only with consent and inside the DM caps: the DM goes through moderation's
    `automated_dm_schedule`, which checks the opt-in and opt-out, crisis mode (a follow-up
    is promotional) and the per-person limit under the contact's lock, and schedules it in
    the outbox after the policy's random delay. Without consent on file, or with the
    policy's DM sequence switched off, nothing is sent. A lead whose 48-hour window would close
    before that delay ends is marked missed instead. Idempotent: each lead is handled once
    (its row locked, its state moved on from `waiting`), so reruns and parallel runs
    schedule nothing twice.
    """
    now = now or timezone.now()
    due = list(
        Lead.objects.filter(agency=agency, follow_up=FollowUp.WAITING, follow_up_due_at__lte=now)
        .order_by("follow_up_due_at", "pk")
        .values_list("pk", flat=True)
    )
    if not due:
        return FollowUpSummary()
    default, per_creator = policy_versions(agency)
    counts = {FollowUp.SCHEDULED: 0, FollowUp.SUPPRESSED: 0, FollowUp.MISSED: 0}
    for pk in due:
        with transaction.atomic():
            lead = (
                Lead.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("contact", "source_message")
                .filter(pk=pk, agency=agency, follow_up=FollowUp.WAITING)
                .first()
            )
            if lead is None:
                continue
            version = per_creator.get(lead.creator_id) or default
            if version is None:
                default = version = policy_ensure_default(agency=agency).current_version
            latest = now + timedelta(minutes=version.rules["delay"]["max_minutes"])
            contact = lead.contact
            if latest > lead.follow_up_window_ends_at:
                lead.follow_up = FollowUp.MISSED
            else:
                reasons = [{"code": "lead_follow_up", "lead": lead.pk}]
                if contact.email_consent_at is None or not version.rules["dm_sequence"]["enabled"]:
                    # No consent on file, or the policy switched the DM sequence off.
                    lead.follow_up = FollowUp.SUPPRESSED
                else:
                    action = automated_dm_schedule(
                        contact=contact,
                        version=version,
                        text=follow_up_text(version, contact.language or lead.language or "en"),
                        reasons=reasons,
                        message=lead.source_message,
                        promotional=True,
                        now=now,
                    )
                    lead.follow_up_action = action
                    lead.follow_up = (
                        FollowUp.SCHEDULED
                        if action.outcome == ActionOutcome.SCHEDULED
                        else FollowUp.SUPPRESSED
                    )
            lead.save(update_fields=["follow_up", "follow_up_action"])
            counts[lead.follow_up] += 1
            audit_bulk(
                [
                    audit_entry(
                        agency_id=agency.pk,
                        actor_label="leads:follow-up",
                        action="lead.follow_up",
                        obj=lead,
                        object_repr=str(lead),
                        after={
                            "follow_up": lead.follow_up,
                            "action": lead.follow_up_action_id,
                        },
                    )
                ]
            )
    return FollowUpSummary(
        scheduled=counts[FollowUp.SCHEDULED],
        suppressed=counts[FollowUp.SUPPRESSED],
        missed=counts[FollowUp.MISSED],
    )
