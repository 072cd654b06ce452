"""Keeping a grant alive: refresh before expiry, one refresh and retry on "token expired", and
"reconnect" (with nothing sent) when TikTok no longer accepts the grant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from agencies.models import AuditLog
from platforms.connectors import connector_for
from platforms.connectors.base import NotLinked, ReauthorizationRequired
from platforms.connectors.linked import TikTokLinkedConnector
from platforms.connectors.manual import ManualConnector
from platforms.models import AccountStatus, PlatformAccount
from platforms.services import account_refresh_token, ensure_fresh_token

from ..factories import CreatorFactory, PlatformAccountFactory


@pytest.fixture
def linked(agency, tiktok):
    """An account linked with a grant the fake issued, and one video with a comment."""
    tiktok.add_account(open_id="open-ana", username="ana")
    video = tiktok.add_video("open-ana", item_id="v1")
    tiktok.add_comment(video.item_id, comment_id="c1", text="price?")
    grant = tiktok.issue_tokens("open-ana")
    return PlatformAccountFactory(
        creator=CreatorFactory(agency=agency),
        external_id="open-ana",
        handle="ana",
        tokens=(grant["access_token"], grant["refresh_token"]),
    )


def _calls(tiktok, path: str) -> int:
    return sum(1 for _, route in tiktok.requests if route == path)


def test_a_token_that_expires_soon_is_refreshed_before_it_is_used(linked, tiktok):
    old = linked.access_token
    linked.access_expires_at = timezone.now() + timedelta(minutes=3)
    linked.save()

    token = ensure_fresh_token(account=linked)

    linked.refresh_from_db()
    assert token == linked.access_token != old
    assert linked.access_expires_at > timezone.now() + timedelta(hours=23)
    assert linked.last_refreshed_at is not None
    assert _calls(tiktok, "tt_user/oauth2/refresh_token/") == 1
    assert AuditLog.objects.filter(action="platform_account.token_refresh").count() == 1


def test_a_fresh_token_is_used_as_it_is(linked, tiktok):
    assert ensure_fresh_token(account=linked) == linked.access_token
    assert _calls(tiktok, "tt_user/oauth2/refresh_token/") == 0


def test_an_expired_token_is_refreshed_once_and_the_call_retried(linked, tiktok):
    tiktok.expire_access_tokens()  # TikTok says "expired" although our clock does not know yet
    tiktok.advance(2)  # (the fake counts tokens issued within that second as expired too)

    connector = connector_for(linked)
    page = connector.list_comments("v1")

    assert isinstance(connector, TikTokLinkedConnector)
    assert [c.comment_id for c in page.items] == ["c1"]
    assert _calls(tiktok, "tt_user/oauth2/refresh_token/") == 1
    assert _calls(tiktok, "business/comment/list/") == 2
    linked.refresh_from_db()
    assert linked.status == AccountStatus.LINKED


def test_a_revoked_grant_puts_the_account_in_reconnect_and_nothing_is_sent(linked, tiktok):
    tiktok.revoke("open-ana")  # the creator removed the app in TikTok

    with pytest.raises(ReauthorizationRequired):
        connector_for(linked).reply("v1", "c1", "Check your DMs")

    linked.refresh_from_db()
    assert linked.status == AccountStatus.RECONNECT
    assert linked.status_reason == "The access token is invalid or was revoked"
    assert tiktok.posted == []
    assert AuditLog.objects.filter(action="platform_account.needs_reconnect").count() == 1
    # From now on the account is manual: the outbox, never TikTok.
    manual = connector_for(linked)
    assert isinstance(manual, ManualConnector)
    with pytest.raises(NotLinked):
        manual.reply("v1", "c1", "Check your DMs")


def test_a_refresh_tiktok_refuses_means_reconnect(linked, tiktok):
    tiktok.expire_access_tokens()
    tiktok.revoke("open-ana")  # refresh token revoked too

    with pytest.raises(ReauthorizationRequired):
        account_refresh_token(account=linked, force=True)

    linked.refresh_from_db()
    assert linked.status == AccountStatus.RECONNECT
    assert linked.status_reason.startswith("TikTok no longer accepts the grant")


def test_a_refresh_token_past_its_end_needs_no_call_to_know_it_is_dead(linked, tiktok):
    linked.access_expires_at = timezone.now() - timedelta(minutes=1)
    linked.refresh_expires_at = timezone.now() - timedelta(minutes=1)
    linked.save()

    with pytest.raises(ReauthorizationRequired):
        ensure_fresh_token(account=linked)

    assert _calls(tiktok, "tt_user/oauth2/refresh_token/") == 0
    linked.refresh_from_db()
    assert linked.status == AccountStatus.RECONNECT


def test_a_second_worker_with_a_stale_copy_uses_the_first_workers_refresh(linked, tiktok):
    stale = PlatformAccount.objects.get(pk=linked.pk)
    tiktok.expire_access_tokens()
    account_refresh_token(account=linked, force=True)

    # The stale copy saw "expired" with the old token; the row was refreshed meanwhile, so it
    # takes the new token instead of spending the (rotated) refresh token again.
    account_refresh_token(account=stale, force=True)

    assert _calls(tiktok, "tt_user/oauth2/refresh_token/") == 1
    assert stale.access_token == PlatformAccount.objects.get(pk=linked.pk).access_token
    assert stale.status == AccountStatus.LINKED


def test_an_unlinked_or_missing_account_gets_the_manual_connector(agency):
    disconnected = PlatformAccountFactory(
        creator=CreatorFactory(agency=agency), status=AccountStatus.DISCONNECTED, tokens=False
    )
    assert connector_for(None).manual is True
    assert isinstance(connector_for(disconnected), ManualConnector)
    with pytest.raises(NotLinked):
        connector_for(disconnected).list_videos()


def test_a_token_no_key_opens_asks_for_reconnecting_instead_of_crashing(linked, tiktok, settings):
    settings.PLATFORM_TOKEN_KEYS = [Fernet.generate_key().decode()]  # the old key is gone

    with pytest.raises(ReauthorizationRequired):
        connector_for(linked).list_videos()

    linked.refresh_from_db()
    assert linked.status == AccountStatus.RECONNECT
    assert tiktok.requests == []
