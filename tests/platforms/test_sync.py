"""Pulling a linked account against the fake TikTok: videos and figures into the roster's
snapshots, comments into the moderation inbox (triaged), cursors and cadence, token trouble."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from creators.models import AccountSnapshot, MetricsSource, Video
from moderation.models import InboundMessage, MessageSource, MessageStatus
from platforms.models import AccountStatus, PlatformVideo, SyncCursor
from platforms.sync import account_sync, accounts_due, comment_poll_interval
from platforms.tasks import account_sync_task, sync_due_task

from ..fakes.tiktok import link_fake_account

pytestmark = pytest.mark.django_db


def _videos(fake, remote, *, count=3, comments=2):
    now = fake.now()
    made = []
    for n in range(count):
        video = fake.add_video(
            remote.open_id,
            create_time=now - (count - n) * 86_400,
            caption=f"video {n}",
            views=1000 * (n + 1),
            duration=61,
        )
        for c in range(comments):
            fake.add_comment(video.item_id, text=f"comment {c} on {n}", username=f"fan{c}")
        made.append(video)
    return made


def test_a_sync_pulls_videos_figures_and_comments_once(agency, tiktok):
    # given a linked account with 3 videos of 2 comments each, and the account's own reply
    account, remote = link_fake_account(agency, tiktok)
    videos = _videos(tiktok, remote)
    first = videos[-1].comments[0]
    tiktok.add_comment(
        videos[-1].item_id,
        text="thanks!",
        username="mila",
        parent_comment_id=first.comment_id,
        owner=True,
    )
    # when
    summary = account_sync(account=account)
    # then
    assert (summary.videos_new, summary.snapshots, summary.comments_new) == (3, 1, 6)
    assert not summary.error
    stored = Video.objects.filter(social_account=account.social_account).order_by("posted_at")
    assert [v.views for v in stored] == [1000, 2000, 3000]
    assert {v.source for v in stored} == {MetricsSource.API}
    snapshot = AccountSnapshot.objects.get(social_account=account.social_account)
    assert snapshot.followers == 12_000 and snapshot.views_last_30_days == 6000
    messages = InboundMessage.objects.filter(agency=agency)
    assert messages.count() == 6
    assert {m.source for m in messages} == {MessageSource.PLATFORM}
    assert messages.filter(
        platform_message_id=f"{videos[-1].item_id}:{first.comment_id}", account="mila"
    ).exists()
    account.refresh_from_db()
    assert account.last_synced_at is not None
    assert account.last_sync_summary["state"] == "ok"
    assert account.last_sync_summary["comments"] == 6

    # and a second pull brings nothing twice; a new comment is all the next poll reads
    again = account_sync(account=account, force_videos=True)
    assert (again.videos_new, again.comments_new) == (0, 0)
    late = tiktok.add_comment(videos[0].item_id, text="late question", username="late")
    PlatformVideo.objects.update(next_poll_at=timezone.now())
    tiktok.requests.clear()
    third = account_sync(account=account)
    assert third.comments_new == 1
    assert InboundMessage.objects.filter(platform_message_id__endswith=late.comment_id).exists()
    comment_calls = [r for r in tiktok.requests if r[1] == "business/comment/list/"]
    assert len(comment_calls) == 3  # one page per video, from its stored cursor
    assert SyncCursor.objects.filter(account=account, kind__startswith="comments:").count() == 3


def test_pulled_comments_are_triaged(agency, tiktok, django_capture_on_commit_callbacks):
    account, remote = link_fake_account(agency, tiktok)
    video = tiktok.add_video(remote.open_id)
    tiktok.add_comment(video.item_id, text="What is the price?", username="buyer")
    with django_capture_on_commit_callbacks(execute=True):
        account_sync(account=account)
    message = InboundMessage.objects.get(agency=agency)
    assert message.status == MessageStatus.TRIAGED and message.intent


def test_recent_videos_are_polled_often_and_old_ones_rarely(agency, tiktok):
    now = timezone.now()
    assert comment_poll_interval(now - timedelta(hours=2), now) == timedelta(minutes=10)
    assert comment_poll_interval(now - timedelta(days=3), now) == timedelta(hours=1)
    assert comment_poll_interval(now - timedelta(days=20), now) == timedelta(hours=6)
    assert comment_poll_interval(now - timedelta(days=90), now) == timedelta(days=7)
    account, remote = link_fake_account(agency, tiktok)
    tiktok.add_video(remote.open_id, create_time=tiktok.now() - 3600)
    tiktok.add_video(remote.open_id, create_time=tiktok.now() - 90 * 86_400)
    account_sync(account=account, now=now)
    polls = sorted(v.next_poll_at - now for v in PlatformVideo.objects.filter(account=account))
    assert polls == [timedelta(minutes=10), timedelta(days=7)]
    # nothing is due a minute later; the recent video is due after ten minutes
    assert accounts_due(agency_id=agency.pk, now=now + timedelta(minutes=1)) == []
    assert accounts_due(agency_id=agency.pk, now=now + timedelta(minutes=10)) == [account.pk]


def test_an_expired_access_token_is_refreshed_and_the_sync_goes_on(agency, tiktok):
    account, remote = link_fake_account(agency, tiktok)
    _videos(tiktok, remote, count=1, comments=1)
    before = account.access_token
    tiktok.expire_access_tokens()
    summary = account_sync(account=account)
    assert not summary.error and summary.comments_new == 1
    account.refresh_from_db()
    assert account.status == AccountStatus.LINKED
    assert account.access_token != before and account.last_refreshed_at is not None


def test_a_revoked_grant_puts_the_account_in_reconnect(agency, tiktok):
    account, remote = link_fake_account(agency, tiktok)
    _videos(tiktok, remote, count=1)
    tiktok.revoke(remote.open_id)
    summary = account_sync(account=account)
    assert "reconnecting" in summary.error
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT
    assert account.last_sync_summary["state"] == "failed"
    assert not InboundMessage.objects.exists()
    # a later beat leaves it alone until someone links it again
    assert accounts_due(agency_id=agency.pk, now=timezone.now()) == []


def test_a_rate_limited_sync_stops_and_stays_due(agency, tiktok):
    account, remote = link_fake_account(agency, tiktok)
    _videos(tiktok, remote, count=2)
    tiktok.fail_next(1, status=429, path="business/video/list", retry_after=30)
    summary = account_sync(account=account)
    assert summary.retry_after == 30 and summary.error
    assert accounts_due(agency_id=agency.pk, now=timezone.now()) == [account.pk]
    assert account_sync(account=account).videos_new == 2


def test_the_beat_syncs_due_accounts_and_a_task_never_reaches_another_agency(
    agency, other_agency, tiktok
):
    _account, remote = link_fake_account(agency, tiktok)
    _videos(tiktok, remote, count=1, comments=1)
    theirs, their_remote = link_fake_account(other_agency, tiktok, handle="theirs")
    _videos(tiktok, their_remote, count=1, comments=1)
    # a task for this agency naming the other agency's account does nothing
    assert account_sync_task(agency.pk, theirs.pk) == {}
    assert not InboundMessage.objects.filter(agency=other_agency).exists()
    # the beat queues both agencies' accounts, each under its own agency
    assert sync_due_task() == 2
    assert InboundMessage.objects.filter(agency=agency).count() == 1
    assert InboundMessage.objects.filter(agency=other_agency).count() == 1


def test_the_connections_page_shows_the_last_sync_and_its_problem(agency, tiktok, owner_client):
    from django.urls import reverse

    account, remote = link_fake_account(agency, tiktok)
    _videos(tiktok, remote, count=2, comments=1)
    account_sync(account=account)
    url = reverse(
        "platforms:creator-accounts", kwargs={"agency_slug": agency.slug, "pk": account.creator_id}
    )
    assert "videos: 2, new comments: 2" in owner_client.get(url).text
    tiktok.revoke(remote.open_id)
    account_sync(account=account, force_videos=True)
    page = owner_client.get(reverse("platforms:accounts", kwargs={"agency_slug": agency.slug}))
    assert "the account needs reconnecting" in page.text
