"""Quick rosters for tests that need many rows (bulk inserts, not one factory call each)."""

from __future__ import annotations

from creators.models import Creator, NicheTag, SocialAccount

NICHES = ["beauty", "finance", "tech", "gaming", "food"]


def bulk_roster(agency, n: int, *, manager=None, prefix: str = "bulk") -> list[Creator]:
    """`n` creators with two niches and two social accounts each."""
    tags = [NicheTag.objects.get_or_create(agency=agency, name=name)[0] for name in NICHES]
    creators = Creator.objects.bulk_create(
        Creator(
            agency=agency,
            display_name=f"{prefix.title()} {i:04d}",
            email=f"{prefix}{i}@{agency.slug}.example",
            country=["NL", "GB", "DE", "US"][i % 4],
            account_manager=manager,
        )
        for i in range(n)
    )
    through = Creator.niches.through
    through.objects.bulk_create(
        through(creator_id=c.pk, nichetag_id=tags[(i + k) % len(tags)].pk)
        for i, c in enumerate(creators)
        for k in range(2)
    )
    SocialAccount.objects.bulk_create(
        SocialAccount(
            agency=agency,
            creator=c,
            platform=platform,
            handle=f"{prefix}_{platform}_{i}",
            followers=1000 * (i + 1),
        )
        for i, c in enumerate(creators)
        for platform in ("tiktok", "instagram")
    )
    return creators
