"""The demo's live connection: northstar's portal creator linked to an account of the fake
TikTok (platforms/fake_tiktok.py), so that right after `make run` seeds the demo,
`manage.py platform_sync --agency northstar` pulls videos, figures and comments and delivers
what moderation decides, with nothing else running. Only when the fake is the transport (the
default with DEBUG on and no TikTok app configured); never against a real TikTok."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.audit import audit_record
from agencies.models import Agency
from creators.models import Creator, Platform, SocialAccount

from . import fake_tiktok
from .models import AccountStatus, PlatformAccount, PlatformKind

DEMO_AGENCY = "northstar"
DEMO_CREATOR_EMAIL = "creator@northstar.test"
FAKE_TRANSPORT = "platforms.fake_tiktok.transport"


def seed_demo_platforms(agency: Agency) -> PlatformAccount | None:
    """Link the demo creator's TikTok account to the fake one unless it is linked already;
    returns the new account (None when nothing was made)."""
    if agency.slug != DEMO_AGENCY or settings.PLATFORMS_HTTP_TRANSPORT != FAKE_TRANSPORT:
        return None
    creator = Creator.objects.for_agency(agency).filter(email=DEMO_CREATOR_EMAIL).first()
    if creator is None:
        return None
    if PlatformAccount.objects.filter(
        agency=agency, platform=PlatformKind.TIKTOK, external_id=fake_tiktok.DEMO_OPEN_ID
    ).exists():
        return None
    social = (
        SocialAccount.objects.filter(agency=agency, creator=creator, platform=Platform.TIKTOK)
        .order_by("pk")
        .first()
    )
    grant = fake_tiktok.shared().issue_tokens(fake_tiktok.DEMO_OPEN_ID)
    now = timezone.now()
    with transaction.atomic():
        account = PlatformAccount(
            agency=agency,
            creator=creator,
            social_account=social,
            platform=PlatformKind.TIKTOK,
            external_id=fake_tiktok.DEMO_OPEN_ID,
            handle=social.handle if social else "demo_creator",
            display_name=creator.display_name,
            status=AccountStatus.LINKED,
            scopes=grant["scope"].split(","),
            linked_at=now,
        )
        account.set_tokens(
            access_token=grant["access_token"],
            refresh_token=grant["refresh_token"],
            access_expires_at=now + timedelta(seconds=grant["expires_in"]),
            refresh_expires_at=now + timedelta(seconds=grant["refresh_token_expires_in"]),
        )
        account.save()
        audit_record(
            agency=agency,
            actor=None,
            actor_label="demo",
            action="platform_account.link",
            obj=account,
            after={"creator": creator.pk, "handle": account.handle, "fake": True},
        )
    return account
