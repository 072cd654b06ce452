"""Platform sync benchmark: 100 linked TikTok accounts x 200 videos against the fake TikTok.

The fake (platforms/fake_tiktok.py) answers in-process through an httpx MockTransport, so the
figures are Talentdesk's own cost: the TikTok client, the metrics import's writes, the video
tracking and cursors, and the comment ingest (the triage it queues is not run here; that is
bench/moderation.py's). Each account has 200 videos, one a day, and 3 comments on each of its
20 newest (6,000 comments in all). 10 accounts x 50 videos with --quick.

Timed, with the requests the fake answered and the queries:
- the first sync of every account: the profile, every video page, 200 videos' figures and a
  snapshot each, and the first comment poll of every video (all new videos are due at once);
- the next day's sync: the figures again (all updates), and the comment polls then due by the
  age-based cadence (only the recent videos);
- delivering 100 due replies (one per account) through the connections.

The language models the ingest uses are loaded before timing, as a worker loads them at
start. Deterministic: a fixed seed drives the fake's world.
"""

from __future__ import annotations

import time
from datetime import timedelta

SEED = 17
cpu_seconds: dict[str, float] = {}


def _world(size: int, videos: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agencies.models import Agency, Membership
    from agencies.roles import Role
    from creators.models import Creator, SocialAccount
    from platforms import fake_tiktok
    from platforms.models import PlatformAccount

    fake = fake_tiktok.FakeTikTok(client_key="bench-key", client_secret="bench-secret")
    fake.seed(accounts=size, videos_per_account=videos, seed=SEED, prefix="bench")
    for remote in fake.accounts.values():
        for video in remote.videos[-20:]:
            for n in range(3):
                fake.add_comment(
                    video.item_id,
                    comment_id=f"{video.item_id}-c{n}",
                    text=["What is the price?", "Love it", "link please"][n],
                    username=f"fan{n}",
                    create_time=video.create_time + (n + 1) * 600,
                )
    agency = Agency.objects.create(name="Bench sync", slug="bench-sync")
    owner = get_user_model().objects.create(username="owner@sync.test", email="owner@sync.test")
    Membership.objects.create(user=owner, agency=agency, role=Role.OWNER)
    now = timezone.now()
    accounts = []
    for n, remote in enumerate(fake.accounts.values()):
        creator = Creator.objects.create(
            agency=agency, display_name=f"Sync creator {n}", email=f"sync{n}@bench.example"
        )
        social = SocialAccount.objects.create(
            agency=agency, creator=creator, platform="tiktok", handle=remote.username
        )
        grant = fake.issue_tokens(remote.open_id)
        account = PlatformAccount(
            agency=agency,
            creator=creator,
            social_account=social,
            external_id=remote.open_id,
            handle=remote.username,
            status="linked",
            scopes=grant["scope"].split(","),
            linked_at=now - timedelta(days=1),
        )
        account.set_tokens(
            access_token=grant["access_token"],
            refresh_token=grant["refresh_token"],
            access_expires_at=now + timedelta(days=1),
            refresh_expires_at=now + timedelta(days=365),
        )
        account.save()
        accounts.append(account)
    return fake, agency, accounts


def _timed(label: str, fn, fake):
    """Run `fn`: its result, wall and CPU seconds, requests the fake answered, SQL queries."""
    from django.db import connection

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    fake.requests.clear()
    with connection.execute_wrapper(count):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        elapsed = time.perf_counter() - started
    cpu_seconds[label] = time.process_time() - cpu
    return result, elapsed, len(fake.requests), queries[0]


def run(args) -> list[tuple[str, str]]:
    from django.conf import settings
    from django.utils import timezone

    import moderation.tasks
    import platforms.sync
    from core.db_scope import session_scope
    from moderation.analysis import warm_up
    from moderation.models import ActionKind, ActionOutcome, AutomatedAction, InboundMessage
    from moderation.outbox import send_due_actions
    from platforms import fake_tiktok
    from platforms.delivery import outbox_deliver_due
    from platforms.sync import SyncSummary, account_sync

    size, videos = (10, 50) if args.quick else (100, 200)
    # The language models load once per worker process (moderation/tasks.py), not per sync.
    warm_up()
    settings.TIKTOK_CLIENT_KEY, settings.TIKTOK_CLIENT_SECRET = "bench-key", "bench-secret"
    settings.PLATFORMS_HTTP_TRANSPORT = "platforms.fake_tiktok.transport"
    queued_triage = []
    original_delay = moderation.tasks.triage_messages.delay
    moderation.tasks.triage_messages.delay = lambda agency_id, ids: queued_triage.extend(ids)
    # The comment ingest's share (moderation's: language and sentiment of every comment).
    ingest_seconds = [0.0]
    original_ingest = platforms.sync.messages_ingest

    def timed_ingest(**kwargs):
        started = time.perf_counter()
        try:
            return original_ingest(**kwargs)
        finally:
            ingest_seconds[0] += time.perf_counter() - started

    platforms.sync.messages_ingest = timed_ingest
    rows: list[tuple[str, str]] = []
    try:
        fake, agency, accounts = _world(size, videos)
        fake_tiktok.install(fake)

        def sync_all(now):
            total = SyncSummary()
            with session_scope(agency.pk):
                for account in accounts:
                    total.add(account_sync(account=account, now=now, force_videos=True))
            return total

        now = timezone.now()
        first, elapsed, requests, queries = _timed("first", lambda: sync_all(now), fake)
        rows += [
            (f"first sync, {size} accounts x {videos} videos", f"{elapsed:.1f} s"),
            ("  of which this process's CPU", f"{cpu_seconds['first']:.1f} s"),
            ("  videos written (new)", f"{first.videos_new:,}"),
            ("  videos per second", f"{first.videos_new / elapsed:,.0f}"),
            ("  comment polls / comments ingested",
             f"{first.videos_polled:,} / {first.comments_new:,}"),
            ("  requests to the fake / SQL queries", f"{requests:,} / {queries:,}"),
            ("  per account", f"{elapsed / size * 1000:.0f} ms"),
            ("  of which the comment ingest (language, sentiment)", f"{ingest_seconds[0]:.1f} s"),
        ]  # fmt: skip
        next_day = now + timedelta(days=1)
        fake.advance(86_400)
        second, elapsed, requests, queries = _timed("next", lambda: sync_all(next_day), fake)
        rows += [
            ("next day's sync (figures updated, due polls only)", f"{elapsed:.1f} s"),
            ("  of which this process's CPU", f"{cpu_seconds['next']:.1f} s"),
            ("  videos updated / comment polls due",
             f"{second.videos_updated:,} / {second.videos_polled:,}"),
            ("  requests to the fake / SQL queries", f"{requests:,} / {queries:,}"),
        ]  # fmt: skip
        # One due reply per account, delivered through the connections.
        with session_scope(agency.pk):
            firsts = {}
            for message in InboundMessage.objects.filter(agency=agency).order_by("pk"):
                firsts.setdefault(message.account, message)
            AutomatedAction.objects.bulk_create(
                AutomatedAction(
                    agency=agency,
                    message=m,
                    contact=m.contact,
                    kind=ActionKind.REPLY,
                    outcome=ActionOutcome.SCHEDULED,
                    platform="tiktok",
                    account=m.account,
                    text="Thanks! The price is in the link in our bio.",
                    due_at=next_day,
                )
                for m in firsts.values()
            )
            send_due_actions(now=next_day)

        def deliver():
            with session_scope(agency.pk):
                return outbox_deliver_due(agency_id=agency.pk, now=next_day, limit=10_000)

        report, elapsed, requests, queries = _timed("deliver", deliver, fake)
        rows += [
            (f"delivering {len(firsts)} due replies", f"{elapsed:.2f} s"),
            ("  delivered / posted on the fake", f"{report.delivered} / {len(fake.posted)}"),
            ("  requests to the fake / SQL queries", f"{requests:,} / {queries:,}"),
        ]
    finally:
        moderation.tasks.triage_messages.delay = original_delay
        platforms.sync.messages_ingest = original_ingest
        fake_tiktok.install(None)
    return rows
