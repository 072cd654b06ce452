"""Moderation benchmarks: triage throughput per process, and the SLA breach scan.

- ingest: batches of 500 through `messages_ingest` (validation done, language detection and
  sentiment included), with the triage task held back so it is timed on its own.
- triage: the Celery task body, `triage_messages(agency_id, ids)`, over the same batches of 500, in
  this one process (database included, no network: the outbox connector is local).
  Target: at least 2,000 messages/s.
- classify: the pure policy decision alone (matchers of the default policy), for scale.
- breach scan: 100,000 open cases of which 0.1 % are past due; `breach_scan` timed.
  Target: at most 1 s. A second run with 1 % past due shows how the handling scales.

Data (seeded): 5,000 messages (500 with --quick) on 50 creator accounts from 2,000 people,
85 % comments and 15 % DMs (a third of those with an explicit opt-in), texts in English and
Dutch: praise, questions that trigger replies, abuse, scam links, negative comments.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from unittest import mock

BATCH = 500
TEXTS = [
    "Love this video!",
    "Wat is de prijs?",
    "how much is it?",
    "you are an idiot",
    "check bit.ly/xyz for free crypto",
    "Leuke video, waar te koop?",
    "meh",
    "This is terrible and awful, worst thing I ever bought",
    "Where can I get the link?",
    "Wat een mooie kleuren, echt prachtig gedaan!",
    "Is er meer informatie over deze samenwerking?",
    "I really like the colours in this one, where did you get that jacket?",
]


def _messages(n: int, now, rng: random.Random) -> list:
    from moderation.inbound import MessageIn

    return [
        MessageIn(
            platform="tiktok",
            platform_message_id=f"b{i}",
            kind="dm" if rng.random() < 0.15 else "comment",
            account=f"creator{i % 50}",
            author=f"fan{rng.randrange(2000)}",
            text=rng.choice(TEXTS),
            sent_at=now - timedelta(seconds=n - i),
            opt_in=rng.random() < 0.33,
        )
        for i in range(n)
    ]


def _rate(count: int, wall: float, cpu: float) -> str:
    return f"{count / wall:,.0f} wall, {count / cpu:,.0f} CPU"


class _Clock:
    """Wall time and this process's CPU time (SQLite runs inside the process, so CPU time
    is the whole cost; on a shared machine the wall time also counts other processes)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def _forget_limits(agency_id: int) -> None:
    """Drop the spike buckets and DM reservations an earlier run left in Redis for this
    agency id (the database is new each run, Redis is not): otherwise a second run starts with
    empty buckets, escalates more and measures different work."""
    from moderation.limits import redis_client

    client = redis_client()
    if client is not None:
        for pattern in (f"td:spike:{agency_id}:*", f"td:dm:{agency_id}:*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)


def run(args) -> list[tuple[str, str]]:
    from django.utils import timezone

    from agencies.models import Agency
    from moderation.cases import breach_scan
    from moderation.inbound import messages_ingest
    from moderation.models import AutomatedAction, Case, CaseStatus, InboundMessage, Level
    from moderation.policies import policy_ensure_default
    from moderation.rules import classify, compile_rules
    from moderation.tasks import prepare_worker, triage_messages

    rng = random.Random(7)
    rows: list[tuple[str, str]] = []
    agency = Agency.objects.create(name="Bench", slug="bench-moderation")
    _forget_limits(agency.pk)
    version = policy_ensure_default(agency=agency).current_version
    prepare_worker()  # what a Celery worker process does at start (language models, gc)
    n = 500 if args.quick else 5000
    now = timezone.now()
    batch = _messages(n, now, rng)

    queued: list[list[int]] = []
    with (
        mock.patch.object(
            triage_messages, "delay", side_effect=lambda agency_id, ids: queued.append(ids)
        ),
        _Clock() as c,
    ):
        for i in range(0, n, BATCH):
            messages_ingest(agency=agency, messages=batch[i : i + BATCH], source="api")
    rows.append(("ingest incl. language + sentiment (msg/s)", _rate(n, c.wall, c.cpu)))

    compiled = compile_rules(version.rules, version_key=str(version.pk))
    with _Clock() as c:
        for m in batch:
            classify(m.text, compiled)
    rows.append(("policy decision only (msg/s)", _rate(n, c.wall, c.cpu)))

    with _Clock() as c:
        done = sum(triage_messages(agency.pk, ids) for ids in queued)
    assert done == n == InboundMessage.objects.filter(agency=agency, status="triaged").count()
    rows.append(("triage per process, DB included (msg/s; goal >= 5,000)", _rate(n, c.wall, c.cpu)))
    outcomes = AutomatedAction.objects.filter(agency=agency).values_list("kind", "outcome")
    mix: dict[str, int] = {}
    for kind, outcome in outcomes:
        mix[f"{kind}/{outcome}"] = mix.get(f"{kind}/{outcome}", 0) + 1
    rows.append(("decisions", ", ".join(f"{k} {v}" for k, v in sorted(mix.items()))))

    total = 10_000 if args.quick else 100_000
    for share in (1000, 100):
        Case.objects.all().delete()
        breached = total // share
        Case.objects.bulk_create(
            [
                Case(
                    agency=agency,
                    title=f"case {i}",
                    level=Level.HUMAN_REVIEW,
                    status=CaseStatus.OPEN,
                    opened_at=now - timedelta(hours=2),
                    due_at=now - timedelta(minutes=5)
                    if i % share == 0
                    else now + timedelta(hours=4),
                )
                for i in range(total)
            ],
            batch_size=5000,
        )
        with _Clock() as c:
            handled = breach_scan(now=now)
        assert handled == breached, (handled, breached)
        rows.append(
            (
                f"breach scan over {total:,} open cases, {handled:,} breached (s; target <= 1)",
                f"{c.wall:.3f} wall, {c.cpu:.3f} CPU",
            )
        )
    rows.append(("load average during the run (1 min)", f"{os.getloadavg()[0]:.1f}"))
    return rows
