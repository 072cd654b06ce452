"""A creator on the roster linked to an account of the fake TikTok (platforms/fake_tiktok.py),
with real tokens the fake issued: what the sync, delivery and webhook tests start from."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from platforms.fake_tiktok import FakeAccount, FakeTikTok
from platforms.models import PlatformAccount

from ..factories import CreatorFactory, PlatformAccountFactory, SocialAccountFactory


def link_fake_account(
    agency, fake: FakeTikTok, *, handle: str = "mila", open_id: str | None = None
) -> tuple[PlatformAccount, FakeAccount]:
    """A roster creator with a TikTok account @handle, linked (an hour ago) to a new account
    of `fake`. The fake's account has no videos yet."""
    creator = CreatorFactory(agency=agency)
    social = SocialAccountFactory(creator=creator, handle=handle)
    remote = fake.add_account(open_id=open_id or f"open-{handle}", username=handle)
    grant = fake.issue_tokens(remote.open_id)
    account = PlatformAccountFactory(
        creator=creator,
        social_account=social,
        external_id=remote.open_id,
        handle=handle,
        linked_at=timezone.now() - timedelta(hours=1),
        tokens=(grant["access_token"], grant["refresh_token"]),
    )
    return account, remote
