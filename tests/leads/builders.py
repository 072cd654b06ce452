"""Leads for page, export and API tests, written straight to the tables (the DM sequence that
creates them in production is tested through triage in test_capture.py)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from campaigns.models import ConversionEvent, ConversionKind, ConversionSource
from leads.models import FOLLOW_UP_AFTER, Lead
from moderation.models import Contact, DmState

_ids = itertools.count(1)


def make_lead(
    agency,
    *,
    campaign=None,
    creator=None,
    deliverable=None,
    name=None,
    email=None,
    captured_at=None,
) -> Lead:
    n = next(_ids)
    now = captured_at or timezone.now() - timedelta(minutes=n)
    contact = Contact.objects.create(
        agency=agency,
        platform="tiktok",
        handle=f"lead{n}",
        name=name if name is not None else f"Lead {n}",
        email=email or f"lead{n}@example.com",
        language="nl",
        dm_opted_in_at=now - timedelta(hours=1),
        email_consent_at=now - timedelta(minutes=5),
        dm_state=DmState.HANDED_OFF,
    )
    conversion = None
    if campaign is not None:
        conversion = ConversionEvent.objects.create(
            agency=agency,
            campaign=campaign,
            kind=ConversionKind.LEAD,
            source=ConversionSource.CONVERSATION,
            occurred_at=now,
            currency=campaign.currency,
            creator=creator,
            deliverable=deliverable,
        )
    return Lead.objects.create(
        agency=agency,
        contact=contact,
        creator=creator,
        campaign=campaign,
        deliverable=deliverable,
        conversion=conversion,
        name=contact.name,
        email=contact.email,
        language="nl",
        opted_in_at=contact.dm_opted_in_at,
        consented_at=contact.email_consent_at,
        captured_at=now,
        follow_up_due_at=contact.dm_opted_in_at + FOLLOW_UP_AFTER,
    )
