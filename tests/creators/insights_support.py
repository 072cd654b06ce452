"""Helpers for the insight tests: eligible baselines and creators with metrics in one call."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

from creators.insights.eligibility import CreatorFacts
from creators.insights.estimates import VideoFacts
from creators.models import AccountSnapshot, Creator, PolicyStrike, SocialAccount, Video
from tests.factories import CreatorFactory

UTC = dt.UTC


def eligible_facts(**overrides) -> CreatorFacts:
    """A creator who meets every rule of both programs, exactly at the thresholds."""
    values = {
        "date_of_birth": date(1990, 1, 1),
        "country": "US",
        "account_type": "creator",
        "followers": 10_000,
        "views_last_30_days": 100_000,
        "unresolved_strikes": 0,
        "recent_video_seconds": (61,),
    }
    values.update(overrides)
    return CreatorFacts(**values)


def video(
    key: int,
    posted_on: date,
    *,
    seconds: int = 90,
    views: int = 0,
    qualified: int = 0,
) -> VideoFacts:
    return VideoFacts(
        key=key,
        posted_on=posted_on,
        duration_seconds=seconds,
        views=views,
        qualified_views=qualified,
        posted_at=dt.datetime(posted_on.year, posted_on.month, posted_on.day, 12, tzinfo=UTC),
    )


def insight_creator(
    agency,
    *,
    followers: int | None = 10_000,
    views: int | None = 100_000,
    date_of_birth: date | None = date(1990, 1, 1),
    country: str = "US",
    account_type: str = "creator",
    strikes: int = 0,
    video_seconds: tuple[int, ...] = (90,),
    snapshot_day: date | None = None,
    **creator_fields,
) -> Creator:
    """A creator with a TikTok account (`followers`), one snapshot (`views` in the last 30
    days), unresolved strikes and videos of the given lengths. None: no account/snapshot."""
    creator = CreatorFactory(
        agency=agency,
        date_of_birth=date_of_birth,
        country=country,
        account_type=account_type,
        **creator_fields,
    )
    if followers is not None:
        account = SocialAccount.objects.create(
            agency=agency,
            creator=creator,
            platform="tiktok",
            handle=f"tt{creator.pk}",
            followers=followers,
        )
        if views is not None:
            AccountSnapshot.objects.create(
                agency=agency,
                social_account=account,
                date=snapshot_day or date(2024, 1, 1),
                followers=followers,
                views_last_30_days=views,
            )
        for index, seconds in enumerate(video_seconds):
            Video.objects.create(
                agency=agency,
                social_account=account,
                platform_video_id=f"v{creator.pk}-{index}",
                posted_at=dt.datetime(2024, 1, 1, 12, tzinfo=UTC) - dt.timedelta(days=index),
                duration_seconds=seconds,
                views=1_000,
                qualified_views=500,
                average_watch_seconds=Decimal("12.5"),
            )
    for index in range(strikes):
        PolicyStrike.objects.create(
            agency=agency, creator=creator, date=date(2023, 12, 1 + index), reason="Spam"
        )
    return creator
