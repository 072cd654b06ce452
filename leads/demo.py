"""The demo lead behind `manage.py seed_demo`: a viewer comments under a posted campaign video,
opts in to a DM conversation, gives her name, consents (JA) and her e-mail address, all
through the real ingest and triage; the lead, its campaign conversion attributed to that
video and (the opt-in being 30 hours old) its follow-up DM come out of the real services.

Idempotent: an agency that already has the demo lead is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from campaigns.models import Deliverable, DeliverableStatus
from creators.models import Platform, SocialAccount
from moderation.inbound import MessageIn, messages_ingest
from moderation.models import MessageKind, MessageSource
from moderation.policies import policy_ensure_default
from moderation.triage import messages_triage

from .models import Lead
from .services import lead_follow_ups_send

AUTHOR = "fenna.leest"
# (kind, text, hours ago, opt-in): the comment under the video, then the DM conversation.
CONVERSATION = (
    (MessageKind.COMMENT, "Wat een mooie bowl! Waar koop ik die?", 31, False),
    (MessageKind.DM, "Hoi! Ik wil graag meer info over de bowl", 30, True),
    (MessageKind.DM, "Fenna", 29.5, False),
    (MessageKind.DM, "JA", 29, False),
    (MessageKind.DM, "fenna@example.com", 28.5, False),
)


def seed_demo_leads(agency: Agency) -> bool:
    """Create the demo lead of `agency` unless it exists. Returns whether anything was made
    (False also when the agency has no posted TikTok deliverable of a creator with a TikTok
    account)."""
    if Lead.objects.filter(agency=agency, contact__handle=AUTHOR).exists():
        return False
    accounts = {
        a.creator_id: a
        for a in SocialAccount.objects.for_agency(agency).filter(platform=Platform.TIKTOK)
    }
    deliverable = next(
        (
            d
            for d in Deliverable.objects.filter(
                agency=agency, platform=Platform.TIKTOK, status=DeliverableStatus.POSTED
            ).order_by("posted_at", "pk")
            if d.creator_id in accounts
        ),
        None,
    )
    if deliverable is None:
        return False
    with transaction.atomic():
        _seed(agency, deliverable, accounts[deliverable.creator_id].handle)
    return True


def _seed(agency: Agency, deliverable: Deliverable, account: str) -> None:
    now = timezone.now()
    policy_ensure_default(agency=agency)
    if not deliverable.post_id:  # the demo's posted videos carry their id in the URL
        deliverable.post_id = deliverable.post_url.rstrip("/").rsplit("/", 1)[-1][:64]
        deliverable.save(update_fields=["post_id"])
    for number, (kind, text, hours, opt_in) in enumerate(CONVERSATION, start=1):
        sent_at = now - timedelta(hours=hours)
        message_id = f"demo-lead-{agency.slug}-{number}"
        if kind == MessageKind.COMMENT:
            message_id = f"{deliverable.post_id}:{message_id}"
        result = messages_ingest(
            agency=agency,
            messages=[
                MessageIn(
                    platform=Platform.TIKTOK,
                    platform_message_id=message_id,
                    kind=kind,
                    account=account,
                    author=AUTHOR,
                    text=text,
                    sent_at=sent_at,
                    campaign_code=deliverable.campaign.code,
                    opt_in=opt_in,
                )
            ],
            source=MessageSource.API,
        )
        messages_triage(message_ids=result.created, now=sent_at)
    lead_follow_ups_send(agency=agency, now=now)
