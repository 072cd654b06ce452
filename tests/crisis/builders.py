"""Crisis rows for tests and the URL matrix, built through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from crisis.models import FrozenDeliverable
from crisis.services import crisis_reply_create, drill_create
from tests.campaigns.factories import CampaignFactory, DeliverableFactory

_numbers = itertools.count(1)


def make_reply(agency, *, title: str = "", language: str = "en"):
    title = title or f"Holding line {next(_numbers)}"
    return crisis_reply_create(
        agency=agency, actor=None, language=language, title=title, text="We are looking into it."
    )


def make_drill(agency, *, held_on: dt.date | None = None, **fields):
    return drill_create(
        agency=agency,
        actor=None,
        held_on=held_on or dt.date(2026, 1, 15),
        scenario=fields.pop("scenario", "Sponsor product recall"),
        outcome=fields.pop("outcome", "passed"),
        level_minutes=fields.pop("level_minutes", {"1": 5, "4": 90}),
        **fields,
    )


def make_frozen(agency, creator=None):
    """A deliverable frozen by an earlier crisis (crisis mode off now)."""
    campaign = CampaignFactory(agency=agency)
    extra = {"creator": creator} if creator is not None else {}
    deliverable = DeliverableFactory(campaign=campaign, due_date=dt.date(2030, 1, 1), **extra)
    return FrozenDeliverable.objects.create(
        agency=agency,
        deliverable=deliverable,
        frozen_at=timezone.now(),
        scheduled_for=deliverable.due_date,
        scheduled_status=deliverable.status,
    )
