"""Limits that must hold when many triage workers run at once.

- Automated DMs per person per 7 days (`DmAllowance`). Database: the caller holds the
  person's `Contact` row locked (SELECT … FOR UPDATE) while the live DMs in the window are
  counted and the new one inserted, so parallel workers serialise on the person. Redis
  (when REDIS_URL is set): one atomic Lua script per DM on a sorted set of due times per
  person, so workers never wait on a row.
- Automated replies per account per hour and per day (`AccountGate.reply_take`): the
  account's `AccountCounter` row is locked while its replies are counted.
- The comment-spike guard (`AccountGate.spike_take`): a token bucket per account. Every
  inbound comment takes a token, tokens come back at the policy's rate up to its capacity;
  an empty bucket pauses automated replies on the account. Database: the bucket lives on
  the locked `AccountCounter` row; Redis: an atomic Lua script on a hash per account.

A batch asks once per person or account and then decides in memory, so the number of
queries does not grow with the batch. A Redis reservation whose database transaction
later rolls back stays counted: the limit errs on the side of fewer automated messages.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from .bulk import bulk_set, pairs_q
from .models import AccountCounter, ActionKind, ActionOutcome, AutomatedAction

DM_WINDOW = timedelta(days=7)
LIVE = (ActionOutcome.SCHEDULED, ActionOutcome.SENT)
SPIKE_FIELDS = ["spike_tokens", "spike_checked_at"]
Account = tuple[str, str]  # (platform, account handle)

# Sorted set of due times (ms) per person. ARGV: window start, limit, due, member, ttl (ms).
# Returns -1 when the DM is reserved, else the number of DMs already in the window.
DM_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local live = redis.call('ZCARD', KEYS[1])
if live >= tonumber(ARGV[2]) then return live end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return -1
"""

# Hash {tokens, at} per account. ARGV: now (ms), capacity, refill per minute, wanted, ttl.
# Returns the number of tokens granted (0..wanted).
BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * tonumber(ARGV[3]) / 60000.0)
  at = now
end
local granted = math.min(tonumber(ARGV[4]), math.floor(tokens))
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - granted), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return granted
"""


@functools.cache
def _redis_from_url(url: str):
    import redis

    return redis.Redis.from_url(url)


def redis_client():
    """The Redis client for limits, or None to keep them in the database."""
    url = getattr(settings, "REDIS_URL", "")
    return _redis_from_url(url) if url else None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def bucket_take(
    *,
    tokens: float | None,
    checked_at: datetime | None,
    now: datetime,
    capacity: int,
    per_minute: float,
    wanted: int,
) -> tuple[int, float, datetime]:
    """Refill a token bucket up to `now` and take up to `wanted` tokens (pure).

    Returns (granted, tokens left, the instant the bucket was refilled to). An unknown
    bucket is full; time running backwards refills nothing.
    """
    if tokens is None or checked_at is None:
        tokens, checked_at = float(capacity), now
    if now > checked_at:
        elapsed = (now - checked_at).total_seconds() / 60
        tokens, checked_at = min(float(capacity), tokens + elapsed * per_minute), now
    tokens = min(tokens, float(capacity))
    granted = max(0, min(wanted, math.floor(tokens)))
    return granted, tokens - granted, checked_at


class DmAllowance:
    """How many more automated DMs each person may get (see the module docstring).

    With the database, the caller must hold the contacts' rows locked until commit.
    """

    def __init__(self, *, agency_id: int, contact_ids: list[int], now: datetime) -> None:
        self.agency_id = agency_id
        self.now = now
        self.redis = redis_client()
        self.recent: dict[int, int] = defaultdict(int)
        if self.redis is None and contact_ids:
            rows = (
                AutomatedAction.objects.filter(
                    contact_id__in=contact_ids,
                    kind=ActionKind.DM,
                    outcome__in=LIVE,
                    due_at__gt=now - DM_WINDOW,
                )
                .values("contact_id")
                .annotate(n=Count("id"))
                .order_by()
            )
            self.recent.update({row["contact_id"]: row["n"] for row in rows})

    def take(self, contact_id: int, *, limit: int, due_at: datetime) -> int | None:
        """Reserve one DM due at `due_at`: None when allowed, else how many are live."""
        if self.redis is not None:
            live = self.redis.eval(
                DM_SCRIPT,
                1,
                f"td:dm:{self.agency_id}:{contact_id}",
                _ms(self.now - DM_WINDOW),
                limit,
                _ms(due_at),
                uuid.uuid4().hex,
                int(DM_WINDOW.total_seconds() * 1000) + 24 * 3600 * 1000,
            )
            if live >= 0:
                return int(live)
            self.recent[contact_id] += 1
            return None
        if self.recent[contact_id] >= limit:
            return self.recent[contact_id]
        self.recent[contact_id] += 1
        return None


class AccountGate:
    """Per-account limits of one batch: automated replies and the comment-spike bucket.

    Locks the accounts' counter rows (created on first use) until the caller's transaction
    ends, in primary-key order so two batches never deadlock.
    """

    def __init__(self, *, agency_id: int, accounts: set[Account], now: datetime) -> None:
        self.agency_id = agency_id
        self.now = now
        self.redis = redis_client()
        self.counters: dict[Account, AccountCounter] = {}
        self.hourly: dict[Account, int] = defaultdict(int)
        self.daily: dict[Account, int] = defaultdict(int)
        self._changed: list[AccountCounter] = []
        if not accounts:
            return
        AccountCounter.objects.bulk_create(
            [AccountCounter(agency_id=agency_id, platform=p, account=a) for p, a in accounts],
            ignore_conflicts=True,
        )
        which = pairs_q(accounts, "platform", "account")
        self.counters = {
            (c.platform, c.account): c
            for c in AccountCounter.objects.select_for_update()
            .filter(which, agency_id=agency_id)
            .order_by("pk")
        }
        replies = (
            AutomatedAction.objects.filter(
                which,
                agency_id=agency_id,
                kind=ActionKind.REPLY,
                outcome__in=LIVE,
                due_at__gt=now - timedelta(days=1),
            )
            .values("platform", "account")
            .annotate(
                day=Count("id"), hour=Count("id", filter=Q(due_at__gt=now - timedelta(hours=1)))
            )
            .order_by()
        )
        for row in replies:
            key = (row["platform"], row["account"])
            self.daily[key], self.hourly[key] = row["day"], row["hour"]

    def spike_take(self, account: Account, *, wanted: int, guard: dict) -> int:
        """Take a token per inbound comment; returns how many of `wanted` got one."""
        if not guard.get("enabled", True) or wanted <= 0:
            return wanted
        capacity, per_minute = guard["capacity"], guard["refill_per_minute"]
        if self.redis is not None:
            return int(
                self.redis.eval(
                    BUCKET_SCRIPT,
                    1,
                    f"td:spike:{self.agency_id}:{account[0]}:{account[1]}",
                    _ms(self.now),
                    capacity,
                    per_minute,
                    wanted,
                    # Long enough to refill completely; then a missing key means "full".
                    int(capacity / per_minute * 60_000) + 60_000,
                )
            )
        counter = self.counters[account]
        granted, counter.spike_tokens, counter.spike_checked_at = bucket_take(
            tokens=counter.spike_tokens,
            checked_at=counter.spike_checked_at,
            now=self.now,
            capacity=capacity,
            per_minute=per_minute,
            wanted=wanted,
        )
        self._changed.append(counter)
        return granted

    def reply_take(self, account: Account, *, hourly: int, daily: int) -> dict:
        """Reserve one reply: {} when allowed, else why not (a reason code, see
        moderation/explain.py)."""
        if self.hourly[account] >= hourly:
            return {"code": "hourly_limit", "limit": hourly}
        if self.daily[account] >= daily:
            return {"code": "daily_limit", "limit": daily}
        self.hourly[account] += 1
        self.daily[account] += 1
        return {}

    def save(self) -> None:
        if self._changed:
            bulk_set(list({c.pk: c for c in self._changed}.values()), SPIKE_FIELDS)
