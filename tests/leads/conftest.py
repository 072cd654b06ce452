"""Leads fixtures: conversations built through the real ingest and triage."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from moderation.inbound import MessageIn, messages_ingest
from moderation.models import InboundMessage, MessageSource
from moderation.triage import message_triage

_ids = itertools.count(1)
ACCOUNT = "acmecreator"


def say(
    agency,
    text: str,
    *,
    kind: str = "dm",
    author: str = "fenna",
    at: datetime | None = None,
    opt_in: bool = False,
    video: str = "",
    campaign_code: str = "",
    account: str = ACCOUNT,
):
    """Ingest one message and triage it at `at`; returns (message, actions)."""
    at = at or timezone.now()
    message_id = f"lm{next(_ids)}"
    if video:
        message_id = f"{video}:{message_id}"
    result = messages_ingest(
        agency=agency,
        messages=[
            MessageIn(
                platform="tiktok",
                platform_message_id=message_id,
                kind=kind,
                account=account,
                author=author,
                text=text,
                sent_at=at,
                campaign_code=campaign_code,
                opt_in=opt_in,
            )
        ],
        source=MessageSource.API,
    )
    message = InboundMessage.objects.get(pk=result.created[0])
    return message, message_triage(message_id=message.pk, now=at)


def conversation(
    agency,
    *,
    author: str = "fenna",
    video: str = "",
    campaign_code: str = "",
    email: str = "fenna@example.com",
    start: datetime | None = None,
    first: str = "Hoi! Mag ik meer info over de bowl?",
    account: str = ACCOUNT,
) -> datetime:
    """A comment under `video`, then the whole DM sequence; returns the opt-in time."""
    start = start or timezone.now() - timedelta(hours=1)
    common = {"author": author, "campaign_code": campaign_code, "account": account}
    say(agency, "Mooie video!", kind="comment", video=video, at=start, **common)
    opt_in = start + timedelta(minutes=1)
    say(agency, first, opt_in=True, at=opt_in, **common)
    say(agency, "Fenna", at=start + timedelta(minutes=2), **common)
    say(agency, "JA", at=start + timedelta(minutes=3), **common)
    say(agency, email, at=start + timedelta(minutes=4), **common)
    return opt_in


@pytest.fixture
def talk():
    return conversation
