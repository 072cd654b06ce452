"""Moderation fixtures: messages are built through the real ingest and triage services."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from moderation.inbound import MessageIn, messages_ingest
from moderation.models import InboundMessage, MessageSource

_ids = itertools.count(1)


def make_message(
    agency,
    text: str,
    *,
    kind: str = "comment",
    author: str = "fan",
    account: str = "acmecreator",
    platform: str = "tiktok",
    sent_at: datetime | None = None,
    campaign_code: str = "",
    opt_in: bool = False,
    message_id: str | None = None,
) -> InboundMessage:
    """Ingest one message (triage is not run: the caller decides when)."""
    from django.utils import timezone

    incoming = MessageIn(
        platform=platform,
        platform_message_id=message_id or f"m{next(_ids)}",
        kind=kind,
        account=account,
        author=author,
        text=text,
        sent_at=sent_at or timezone.now(),
        campaign_code=campaign_code,
        opt_in=opt_in,
    )
    result = messages_ingest(agency=agency, messages=[incoming], source=MessageSource.API)
    return InboundMessage.objects.get(pk=result.created[0])


@pytest.fixture
def message_factory():
    return make_message
