"""Pulling a linked account: its videos and their figures (daily) into the roster's snapshots,
and the comments on its videos into the moderation inbox on an age-based cadence.

The figures go through the metrics import's write (creators/metrics_import.py, source `api`)
and the comments through moderation's ingest (moderation/inbound.py), so a pulled comment is
triaged exactly like one that arrived by webhook, API or CSV, and both are idempotent by the
platform's ids. Calls to the platform happen outside any database transaction; each write is
its own short transaction. Where a pull stopped is stored (`SyncCursor`, `PlatformVideo`), and
the outcome of the last run on the account (`last_synced_at`, `last_sync_summary`).

Comment ids are stored as `<video id>:<comment id>` (TikTok needs the video to reply to or hide
a comment; platforms/delivery.py reads it back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creators.metrics_import import (
    ACCOUNTS,
    VIDEOS,
    AccountRow,
    ParsedMetrics,
    VideoRow,
    metrics_import,
)
from creators.models import MetricsSource
from creators.models import Video as RosterVideo
from moderation.inbound import MAX_BATCH, MAX_TEXT, MessageIn, messages_ingest
from moderation.models import MessageKind, MessageSource

from .connectors import connector_for
from .connectors.base import (
    PlatformError,
    RateLimited,
    ReauthorizationRequired,
    Video,
)
from .models import AccountStatus, PlatformAccount, PlatformVideo, SyncCursor

VIDEOS_EVERY = timedelta(days=1)
# How often a video's comments are polled, by the video's age: most comments come in the
# first hours, so recent videos are polled often and old ones rarely.
COMMENT_CADENCE = (
    (timedelta(days=1), timedelta(minutes=10)),
    (timedelta(days=7), timedelta(hours=1)),
    (timedelta(days=30), timedelta(hours=6)),
)
OLD_VIDEO_EVERY = timedelta(days=7)
MAX_PAGES = 500  # 10,000 videos, or 15,000 new comments on one video, per run
VIDEOS_CURSOR = "videos"


def comment_poll_interval(posted_at: datetime, now: datetime) -> timedelta:
    age = now - posted_at
    for younger_than, every in COMMENT_CADENCE:
        if age < younger_than:
            return every
    return OLD_VIDEO_EVERY


def comment_message_id(video_id: str, comment_id: str) -> str:
    return f"{video_id}:{comment_id}"


@dataclass
class SyncSummary:
    videos_new: int = 0
    videos_updated: int = 0
    snapshots: int = 0
    videos_polled: int = 0
    comments_new: int = 0
    comments_duplicate: int = 0
    error: str = ""
    retry_after: float | None = None

    @property
    def videos(self) -> int:
        return self.videos_new + self.videos_updated

    def add(self, other: SyncSummary) -> None:
        for name in (
            "videos_new",
            "videos_updated",
            "snapshots",
            "videos_polled",
            "comments_new",
            "comments_duplicate",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def accounts_due(*, agency_id: int, now: datetime) -> list[int]:
    """The agency's linked accounts with something to pull: never synced, their daily
    videos due, or a video whose comments are due."""
    linked = PlatformAccount.objects.filter(agency_id=agency_id, status=AccountStatus.LINKED)
    videos_fresh = SyncCursor.objects.filter(
        agency_id=agency_id, kind=VIDEOS_CURSOR, next_poll_at__gt=now
    ).values("account_id")
    comments_due = PlatformVideo.objects.filter(agency_id=agency_id, next_poll_at__lte=now).values(
        "account_id"
    )
    return list(
        linked.filter(Q(pk__in=comments_due) | ~Q(pk__in=videos_fresh))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def videos_due(account: PlatformAccount, now: datetime) -> bool:
    cursor = SyncCursor.objects.filter(account=account, kind=VIDEOS_CURSOR).first()
    return cursor is None or cursor.next_poll_at is None or cursor.next_poll_at <= now


def account_sync(
    *,
    account: PlatformAccount,
    now: datetime | None = None,
    force_videos: bool = False,
    connector=None,
) -> SyncSummary:
    """Pull one linked account: its videos and figures when a day has passed since the last
    pull (or `force_videos`), then the comments of every video whose poll is due.

    Never raises a platform error: a rate limit stops the run (`retry_after` says when to
    come back), a revoked grant leaves the account in "reconnect" (the connector marks it),
    and any other refusal is recorded on the account; what was pulled before stays.
    """
    now = now or timezone.now()
    summary = SyncSummary()
    if account.status != AccountStatus.LINKED:
        summary.error = _("The account is not linked.")
        return summary
    own_connector = connector is None
    connector = connector or connector_for(account)
    _record(account, summary, now, state="running")
    try:
        if force_videos or videos_due(account, now):
            _pull_videos(account, connector, now, summary)
        _pull_comments(account, connector, now, summary)
    except RateLimited as exc:
        summary.error = _("TikTok asked us to slow down; the sync resumes later.")
        summary.retry_after = exc.retry_after
    except ReauthorizationRequired:
        summary.error = _("TikTok no longer accepts the link: the account needs reconnecting.")
    except PlatformError as exc:
        summary.error = _("TikTok refused the sync: %(reason)s") % {
            "reason": exc.message or type(exc).__name__
        }
    finally:
        if own_connector and hasattr(connector, "close"):
            connector.close()
    _record(account, summary, timezone.now(), state="failed" if summary.error else "ok")
    return summary


def _record(account: PlatformAccount, summary: SyncSummary, at: datetime, *, state: str) -> None:
    """The run's progress on the account (what the account page shows)."""
    data = {
        "state": state,
        "at": at.isoformat(),
        "videos": summary.videos,
        "videos_new": summary.videos_new,
        "snapshots": summary.snapshots,
        "videos_polled": summary.videos_polled,
        "comments": summary.comments_new,
        "error": summary.error,
    }
    fields = {"last_sync_summary": data}
    if state == "ok":
        fields["last_synced_at"] = at
    PlatformAccount.objects.filter(pk=account.pk).update(**fields)
    account.last_sync_summary = data
    if state == "ok":
        account.last_synced_at = at


# --- videos and figures -----------------------------------------------------------------------


def _all_videos(connector) -> list[Video]:
    videos, cursor = [], ""
    for _page in range(MAX_PAGES):
        page = connector.list_videos(cursor)
        videos += page.items
        if not page.has_more or not page.next_cursor or page.next_cursor == cursor:
            break
        cursor = page.next_cursor
    return videos


def _pull_videos(account: PlatformAccount, connector, now: datetime, summary: SyncSummary) -> None:
    profile = connector.profile()
    videos = _all_videos(connector)
    social = account.social_account
    with transaction.atomic():
        if social is not None:
            _write_figures(account, social, profile.followers, videos, now, summary)
        _track_videos(account, videos, now)
        SyncCursor.objects.update_or_create(
            account=account,
            kind=VIDEOS_CURSOR,
            defaults={
                "agency_id": account.agency_id,
                "value": videos[0].video_id if videos else "",
                "next_poll_at": now + VIDEOS_EVERY,
            },
        )


def _write_figures(account, social, followers, videos: list[Video], now, summary) -> None:
    """Videos and today's account snapshot, through the metrics import's write."""
    # TikTok has no "qualified views": keep what a CSV import brought for a known video.
    qualified = dict(
        RosterVideo.objects.filter(
            agency_id=account.agency_id,
            social_account=social,
            platform_video_id__in=[v.video_id for v in videos],
        ).values_list("platform_video_id", "qualified_views")
    )
    rows = []
    for n, video in enumerate(videos, start=1):
        metrics = video.metrics
        views = min(metrics.views if metrics else 0, 10**13)
        watch = metrics.average_watch_seconds if metrics else None
        rows.append(
            VideoRow(
                row=n,
                platform=social.platform,
                handle=social.handle,
                video_id=video.video_id[:64],
                posted_at=video.posted_at,
                duration_seconds=min(video.duration_seconds or 0, 24 * 60 * 60),
                views=views,
                qualified_views=min(qualified.get(video.video_id, 0), views),
                average_watch_seconds=(
                    Decimal(str(round(watch, 2))) if watch is not None and watch >= 0 else None
                ),
                title=video.caption[:200],
            )
        )
    if rows:
        written = metrics_import(
            agency=account.agency,
            actor=None,
            parsed=ParsedMetrics(kind=VIDEOS, rows=rows),
            source=MetricsSource.API,
        )
        summary.videos_new += written.created
        summary.videos_updated += written.updated + written.unchanged
    recent = now - timedelta(days=30)
    # TikTok's "views in the last 30 days" is not in the Accounts API's profile: the views
    # of the videos posted in the last 30 days stand in for it.
    views_30 = sum(v.metrics.views for v in videos if v.metrics and v.posted_at >= recent)
    if followers is not None:
        snapshot = AccountRow(
            row=1,
            platform=social.platform,
            handle=social.handle,
            date=timezone.localdate(now),
            followers=min(followers, 10**11),
            views_last_30_days=min(views_30, 10**13),
            audience_country="",
        )
        metrics_import(
            agency=account.agency,
            actor=None,
            parsed=ParsedMetrics(kind=ACCOUNTS, rows=[snapshot]),
            source=MetricsSource.API,
        )
        summary.snapshots += 1


def _track_videos(account: PlatformAccount, videos: list[Video], now: datetime) -> None:
    """A `PlatformVideo` per video (new ones due for a comment poll at once)."""
    known = {v.platform_video_id: v for v in PlatformVideo.objects.filter(account=account)}
    roster = {}
    if account.social_account_id:
        roster = dict(
            RosterVideo.objects.filter(
                agency_id=account.agency_id, social_account_id=account.social_account_id
            ).values_list("platform_video_id", "pk")
        )
    new = []
    for video in videos:
        if video.video_id not in known:
            new.append(
                PlatformVideo(
                    agency_id=account.agency_id,
                    account=account,
                    creator_id=account.creator_id,
                    platform_video_id=video.video_id[:64],
                    video_id=roster.get(video.video_id),
                    posted_at=video.posted_at,
                    next_poll_at=now,
                )
            )
    PlatformVideo.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)


# --- comments ---------------------------------------------------------------------------------


def _pull_comments(
    account: PlatformAccount, connector, now: datetime, summary: SyncSummary
) -> None:
    due = list(
        PlatformVideo.objects.filter(account=account, next_poll_at__lte=now).order_by(
            "next_poll_at", "pk"
        )
    )
    if not due:
        return
    cursors = {
        c.kind: c
        for c in SyncCursor.objects.filter(
            account=account, kind__in=[f"comments:{v.platform_video_id}" for v in due]
        )
    }
    polled: list[tuple[PlatformVideo, list, str]] = []
    try:
        for video in due:
            cursor = cursors.get(f"comments:{video.platform_video_id}")
            fresh, position = _new_comments(connector, video.platform_video_id, cursor)
            polled.append((video, fresh, position))
    finally:
        # What was read is stored even when a rate limit or refusal stops the run.
        _store_comments(account, polled, cursors, now, summary)


def _store_comments(
    account: PlatformAccount,
    polled: list[tuple[PlatformVideo, list, str]],
    cursors: dict[str, SyncCursor],
    now: datetime,
    summary: SyncSummary,
) -> None:
    """One transaction for the account's poll: the new comments (ingested, so triaged), the
    moved cursors and each video's next poll; a fixed number of queries per 500 comments."""
    if not polled:
        return
    handle = account.social_account.handle if account.social_account_id else account.handle
    messages = [
        MessageIn(
            platform=account.platform,
            platform_message_id=comment_message_id(c.video_id, c.comment_id),
            kind=MessageKind.COMMENT,
            account=handle,
            author=(c.author_handle or c.author_id or "unknown")[:100],
            text=c.text[:MAX_TEXT],
            sent_at=c.created_at,
        )
        for _video, fresh, _position in polled
        for c in fresh
    ]
    moved = []
    for video, _fresh, position in polled:
        kind = f"comments:{video.platform_video_id}"
        if position != (cursors[kind].value if kind in cursors else ""):
            moved.append(
                SyncCursor(agency_id=account.agency_id, account=account, kind=kind, value=position)
            )
        video.last_polled_at = now
        video.next_poll_at = now + comment_poll_interval(video.posted_at, now)
    with transaction.atomic():
        for start in range(0, len(messages), MAX_BATCH):
            result = messages_ingest(
                agency=account.agency,
                messages=messages[start : start + MAX_BATCH],
                source=MessageSource.PLATFORM,
            )
            summary.comments_new += len(result.created)
            summary.comments_duplicate += result.duplicates
        SyncCursor.objects.bulk_create(
            moved,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["account", "kind"],
            update_fields=["value", "updated_at"],
        )
        PlatformVideo.objects.bulk_update(
            [video for video, _fresh, _position in polled],
            ["last_polled_at", "next_poll_at"],
            batch_size=500,
        )
    summary.videos_polled += len(polled)


def _new_comments(connector, video_id: str, cursor: SyncCursor | None):
    """The comments written since the stored cursor (the platform lists them oldest first,
    so its cursor after the last page is where the next poll starts), without the account's
    own replies and hidden comments; and that cursor."""
    fresh, position = [], cursor.value if cursor else ""
    for _page in range(MAX_PAGES):
        page = connector.list_comments(video_id, position)
        fresh += [c for c in page.items if not c.is_owner and not c.hidden and c.text.strip()]
        if page.next_cursor:
            position = page.next_cursor
        if not page.has_more or not page.next_cursor:
            break
    return fresh, position
