"""The demo campaign behind `manage.py seed_demo`: one sponsor, an active contract and a
campaign of the last four weeks for each demo agency, with a disclosure checklist, deliverables
(posted, submitted and one failing the checklist), daily metric snapshots, conversions and an
A/B experiment, so the dashboard and a sponsor report have something to show.

Deterministic (its own seeded random stream) and idempotent: an agency that already has the
campaign code is left alone. Dates follow today, so the dashboard is never empty.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from agencies.models import Agency
from creators.models import Creator, CreatorStatus

from .models import (
    Campaign,
    Checklist,
    Contract,
    ContractStatus,
    ConversionEvent,
    Deliverable,
    DeliverableReview,
    DeliverableStatus,
    Experiment,
    MetricSnapshot,
    Sponsor,
)

CODE = "GLOW-26"
DAYS = 28
SNAPSHOT_DAYS = 21  # a deliverable's daily figures stop three weeks after posting
CAPTIONS = (
    "Paid partnership with @sunnyoats #ad — my new breakfast ritual",
    "Paid partnership #ad @sunnyoats three ways to start the day",
    "Paid partnership #ad @sunnyoats oat latte, but make it pink",
)
FAILING_CAPTION = "Morning routine with my favourite oats"  # no disclosure: the checklist fails


def seed_demo_campaign(agency: Agency, approver) -> bool:
    """Create the demo campaign for `agency` unless it exists. Returns whether it was made."""
    if Campaign.objects.filter(agency=agency, code=CODE).exists():
        return False
    rng = random.Random(f"demo-campaign-{agency.slug}")
    today = timezone.localdate(timezone=agency.tzinfo)
    start = today - timedelta(days=DAYS)
    currency = agency.default_currency
    creators = list(
        Creator.objects.filter(agency=agency, status=CreatorStatus.ACTIVE).order_by("pk")[:6]
    )
    if not creators:
        return False

    sponsor, _created = Sponsor.objects.get_or_create(
        agency=agency, brand="Sunny Oats", defaults={"category": "food"}
    )
    contract = Contract.objects.create(
        agency=agency,
        sponsor=sponsor,
        title="Sunny Oats spring campaign",
        account_manager=approver,
        fee=Decimal("9000.00"),
        currency=currency,
        start_date=start,
        end_date=today + timedelta(days=60),
        exclusivity_category="breakfast cereals",
        exclusivity_start=start,
        exclusivity_end=today + timedelta(days=60),
        status=ContractStatus.ACTIVE,
        signed_at=timezone.now() - timedelta(days=DAYS + 2),
    )
    contract.creators.set(creators)
    campaign = Campaign.objects.create(
        agency=agency,
        sponsor=sponsor,
        contract=contract,
        name="Spring Glow",
        code=CODE,
        brief="Show Sunny Oats as part of a real morning routine; disclose the partnership.",
        start_date=start,
        end_date=today + timedelta(days=14),
        budget=Decimal("12000.00"),
        currency=currency,
        attribution_window_days=14,
    )
    Checklist.objects.create(
        agency=agency,
        campaign=campaign,
        disclosure_text="Paid partnership",
        required_hashtags=["#ad"],
        required_mentions=["@sunnyoats"],
        approver=approver,
    )
    experiment = Experiment.objects.create(
        agency=agency,
        campaign=campaign,
        name="Product in the first second",
        hypothesis="Showing the bowl in the first second keeps more viewers watching.",
        start_date=start,
        holdout_percent=15,
    )

    deliverables = []
    for index in range(len(creators) * 2):
        creator = creators[index % len(creators)]
        day = start + timedelta(days=2 + index * 2)
        posted = index < len(creators) * 2 - 2
        failing = index == len(creators) * 2 - 1
        posted_at = (
            timezone.make_aware(datetime.combine(day, time(18, rng.randrange(60))), agency.tzinfo)
            if posted
            else None
        )
        deliverables.append(
            Deliverable(
                agency=agency,
                campaign=campaign,
                creator=creator,
                kind="video",
                platform="tiktok",
                due_date=day,
                fee=Decimal(rng.choice(["450.00", "600.00", "750.00"])),
                caption=FAILING_CAPTION if failing else rng.choice(CAPTIONS),
                status=DeliverableStatus.POSTED if posted else DeliverableStatus.SUBMITTED,
                posted_at=posted_at,
                post_url=f"https://www.tiktok.com/@demo/video/{agency.pk}{index:03d}"
                if posted
                else "",
                approved_at=posted_at,
                approved_by=approver if posted else None,
                # 0-7 alternate B and A; 8 and 9, posts without the tested creative, are the
                # holdout the uplift is measured against.
                experiment=experiment if index < 10 else None,
                variant=("a" if index % 2 else "b") if index < 8 else ("h" if index < 10 else ""),
            )
        )
    deliverables = Deliverable.objects.bulk_create(deliverables)
    _history(agency, deliverables, approver, rng)

    snapshots = []
    now = timezone.now()
    for deliverable in deliverables:
        if deliverable.posted_at is not None:
            snapshots += metric_snapshots(deliverable, rng=rng, until=now)
    MetricSnapshot.objects.bulk_create(snapshots, batch_size=1000)

    posted = [d for d in deliverables if d.posted_at is not None]
    conversions = []
    for _ in range(60):
        deliverable = rng.choice(posted)
        occurred = deliverable.posted_at + timedelta(hours=rng.randint(1, 10 * 24))
        if occurred > now:
            continue
        conversions.append(
            ConversionEvent(
                agency=agency,
                campaign=campaign,
                deliverable=deliverable,
                kind=rng.choice(["click", "click", "lead", "signup", "purchase"]),
                occurred_at=occurred,
                value=Decimal(rng.randint(0, 4000)) / 100,
                currency=currency,
            )
        )
    ConversionEvent.objects.bulk_create(conversions)
    return True


def metric_snapshots(
    deliverable: Deliverable, *, rng: random.Random, until: datetime, days: int = SNAPSHOT_DAYS
) -> list[MetricSnapshot]:
    """A posted deliverable's daily figures as a platform export has them (unsaved): one
    cumulative snapshot a day, two hours after the posting time, for up to `days` days and
    none after `until`. Most views come on the first day; a holdout deliverable (variant "h")
    gets half the likes. The sponsor report benchmark builds its snapshots with it too."""
    snapshots = []
    views = reach = 0
    holdout = deliverable.variant == "h"
    for day in range(days):
        captured_at = deliverable.posted_at + timedelta(days=day, hours=2)
        if captured_at > until:
            break
        grown = rng.randint(3_000, 40_000) // (day + 1)
        views += grown
        reach += int(grown * rng.uniform(0.6, 0.9))
        snapshots.append(
            MetricSnapshot(
                agency_id=deliverable.agency_id,
                deliverable=deliverable,
                captured_at=captured_at,
                views=views,
                # The holdout engages less: the demo's experiment shows an uplift.
                likes=int(views * rng.uniform(0.03, 0.09) * (0.5 if holdout else 1)),
                comments=int(views * rng.uniform(0.002, 0.01)),
                shares=int(views * rng.uniform(0.002, 0.008)),
                saves=int(views * rng.uniform(0.001, 0.005)),
                avg_watch_seconds=Decimal(rng.randint(60, 240)) / 10,
                completion_25=Decimal(rng.randint(70, 90)),
                completion_50=Decimal(rng.randint(50, 69)),
                completion_75=Decimal(rng.randint(30, 49)),
                completion_100=Decimal(rng.randint(10, 29)),
                unique_reach=reach,
                source="csv",
            )
        )
    return snapshots


def _history(agency: Agency, deliverables: list[Deliverable], approver, rng: random.Random) -> None:
    """Each deliverable's review history, as the workflow would have written it: a posted
    one was submitted, approved and posted; a submitted one waits with its draft. (The
    deliverables are bulk-created, so their history is too, with its past times.)"""
    Decision = DeliverableReview.Decision
    now = timezone.now()
    planned: list[tuple[DeliverableReview, object]] = []
    submitted = []
    for deliverable in deliverables:
        if deliverable.posted_at is not None:
            posted = deliverable.posted_at
            steps = [
                (Decision.SUBMITTED, None, posted - timedelta(days=2, hours=rng.randrange(1, 9))),
                (Decision.APPROVED, approver, posted - timedelta(days=1, hours=rng.randrange(9))),
                (Decision.POSTED, approver, posted),
            ]
        else:
            deliverable.submitted_at = now - timedelta(hours=rng.randrange(2, 30))
            submitted.append(deliverable)
            steps = [(Decision.SUBMITTED, None, deliverable.submitted_at)]
        for decision, actor, at in steps:
            review = DeliverableReview(
                agency=agency,
                deliverable=deliverable,
                decision=decision,
                caption=deliverable.caption,
                actor=actor,
            )
            planned.append((review, at))
    reviews = DeliverableReview.objects.bulk_create([review for review, _at in planned])
    # created_at is set on insert (auto_now_add); the history's own times are written after.
    for review, (_planned, at) in zip(reviews, planned, strict=True):
        review.created_at = at
    DeliverableReview.objects.bulk_update(reviews, ["created_at"], batch_size=500)
    Deliverable.objects.bulk_update(submitted, ["submitted_at"])
