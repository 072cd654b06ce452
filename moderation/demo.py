"""The demo moderation behind `manage.py seed_demo`: a day and a half of comments and DMs on
the demo creators' TikTok accounts, triaged by the agency's default policy (so the inbox,
the automated replies and the cases are the real outcome of the rules), then cases open at
each escalation level, one of them past its SLA, and one resolved.

Everything goes through the real entry points: `messages_ingest` (as the API and the
webhook call it), `messages_triage`, `case_open`, `case_escalate` and `case_resolve`.
Idempotent: an agency that already has the first demo message is left alone. Times follow
now, like the rest of the demo.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from creators.models import Creator, CreatorStatus, Platform, SocialAccount

from .cases import case_escalate, case_open, case_resolve
from .inbound import MessageIn, messages_ingest
from .models import Case, CaseStatus, InboundMessage, Level, MessageSource
from .policies import policy_ensure_default
from .triage import messages_triage

CAMPAIGN_CODE = "GLOW-26"  # campaigns/demo.py

# (kind, author, text, hours ago, campaign?) — on the accounts in turn.
MESSAGES = (
    ("comment", "sanne.bakt", "Love this morning routine, so calm 😍", 30, True),
    ("comment", "joris_vd", "What's the price of those oats? Where can I buy them?", 29, True),
    ("comment", "lisa.m", "Wat is de prijs? Graag de link!", 28, True),
    ("comment", "deals4u", "FREE followers!!! click my bio for 10k followers now", 27, False),
    ("comment", "tom.h", "This is the worst ad I've seen, you sold out", 26, True),
    ("comment", "anon_7731", "I'll find where you live and hurt you", 24, False),
    (
        "comment",
        "mark.legal",
        "You used my music without permission. My lawyer will sue you.",
        22,
        False,
    ),
    ("comment", "emma.x", "Your videos always make my day ❤️", 20, False),
    (
        "dm",
        "brand.glowco",
        "Hi! We're GlowCo, a skincare brand. What are your rates for a sponsored post in March?",
        18,
        False,
    ),
    ("comment", "pieter88", "info over de samenwerking?", 16, True),
    ("comment", "noor.eats", "Made the pink oat latte, it's so good", 12, True),
    ("comment", "troll_king", "you are an idiot and your content is garbage", 9, False),
    ("dm", "julia.fan", "Hoi! Mag ik meer info over je merch?", 6, False),
    ("comment", "kevin.runs", "Which camera do you film with?", 4, False),
    ("comment", "sophie.v", "Great collab, the bowl looks amazing!", 2, True),
    ("comment", "ruud_t", "Link to the recipe please?", 1, True),
)


def _first_id(agency: Agency) -> str:
    return f"demo-{agency.slug}-001"


def seed_demo_moderation(agency: Agency) -> bool:
    """Create the demo's messages and cases for `agency` unless they exist. Returns whether
    anything was made (False also when the agency has no active TikTok creators)."""
    if InboundMessage.objects.filter(agency=agency, platform_message_id=_first_id(agency)).exists():
        return False
    accounts = list(
        SocialAccount.objects.for_agency(agency)
        .filter(platform=Platform.TIKTOK, creator__status=CreatorStatus.ACTIVE)
        .select_related("creator")
        .order_by("creator_id")[:4]
    )
    if not accounts:
        return False
    with transaction.atomic():
        _seed(agency, accounts, timezone.now())
    return True


def _seed(agency: Agency, accounts: list[SocialAccount], now: datetime) -> None:
    policy_ensure_default(agency=agency)
    incoming = [
        MessageIn(
            platform=Platform.TIKTOK,
            platform_message_id=f"demo-{agency.slug}-{number:03d}",
            kind=kind,
            account=accounts[number % len(accounts)].handle,
            author=author,
            text=text,
            sent_at=now - timedelta(hours=hours),
            campaign_code=CAMPAIGN_CODE if campaign else "",
        )
        for number, (kind, author, text, hours, campaign) in enumerate(MESSAGES, start=1)
    ]
    result = messages_ingest(agency=agency, messages=incoming, source=MessageSource.API)
    messages_triage(message_ids=result.created, now=now)

    staff = get_user_model().objects.filter(
        memberships__agency=agency, memberships__role__in=["owner", "manager"]
    )
    actor = staff.order_by("memberships__role", "pk").first()
    creator: Creator = accounts[0].creator
    messages = {
        m.platform_message_id: m
        for m in InboundMessage.objects.filter(agency=agency, pk__in=result.created)
    }

    def message(number: int) -> InboundMessage | None:
        return messages.get(f"demo-{agency.slug}-{number:03d}")

    # One open case at every level the triage left empty.
    wanted = {
        Level.TRIAGE: ("Spam wave on the campaign video", message(4)),
        Level.HUMAN_REVIEW: ("Angry comment about the sponsored post", message(5)),
        Level.ACCOUNT_MANAGER: ("Brand asks for rates by DM", message(9)),
        Level.LEGAL_PR: ("Copyright complaint about the music in a video", message(7)),
    }
    open_levels = set(
        Case.objects.filter(agency=agency, status=CaseStatus.OPEN).values_list("level", flat=True)
    )
    for level, (title, about) in wanted.items():
        if level not in open_levels:
            case_open(
                agency=agency,
                title=title,
                actor=actor,
                level=level,
                message=about,
                creator=creator,
                campaign_code=CAMPAIGN_CODE,
                reason="Opened for the demo.",
                now=now,
            )
    # Past its SLA: opened four days ago at human review and never answered.
    case_open(
        agency=agency,
        title="Insult in the comments, not answered in time",
        actor=actor,
        level=Level.HUMAN_REVIEW,
        message=message(12),
        creator=creator,
        reason="Opened for the demo: shows a breached SLA.",
        now=now - timedelta(days=4),
    )
    # The history of one case: escalated, then resolved.
    handled = case_open(
        agency=agency,
        title="Question about the partnership terms",
        actor=actor,
        level=Level.TRIAGE,
        message=message(10),
        creator=creator,
        campaign_code=CAMPAIGN_CODE,
        now=now - timedelta(hours=15),
    )
    handled = case_escalate(
        case=handled,
        actor=actor,
        note="A person should answer this.",
        now=now - timedelta(hours=14),
    )
    case_resolve(
        case=handled,
        actor=actor,
        note="Answered in the comments with the campaign's disclosure.",
        now=now - timedelta(hours=13),
    )
