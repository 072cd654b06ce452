"""Limits that must hold when many triage workers run at once.

- Automated DMs per person per 7 days (`DmAllowance`). Database: the caller holds the
  person's `Contact` row locked (SELECT … FOR UPDATE) while the live DMs in the window are
  counted and the new one inserted, so parallel workers serialise on the person. Redis
  (when REDIS_URL is set): an atomic Lua script on a sorted set of due times per person,
  so workers never wait on a row; a batch sends its DMs' reservations in one script call
  when it writes (`take_later`, `settle`), instead of one round trip per DM.
- Automated replies per account per hour and per day (`AccountGate.reply_take`): the
  account's `AccountCounter` row is locked while its replies are counted.
- The comment-spike guard (`AccountGate.spike_take`): a token bucket per account. Every
  inbound comment takes a token, tokens come back at the policy's rate up to its capacity;
  an empty bucket pauses automated replies on the account. Database: the bucket lives on
  the locked `AccountCounter` row; Redis: an atomic Lua script on a hash per account, one
  call for all the accounts of a batch (`spike_take_many`).

A batch asks once per person or account and then decides in memory, so the number of
queries does not grow with the batch. A Redis reservation whose database transaction
later rolls back stays counted: the limit errs on the side of fewer automated messages.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from .bulk import bulk_set, pairs_q
from .models import AccountCounter, ActionKind, ActionOutcome, AutomatedAction

DM_WINDOW = timedelta(days=7)
LIVE = (ActionOutcome.SCHEDULED, ActionOutcome.SENT)
SPIKE_FIELDS = ["spike_tokens", "spike_checked_at"]
Account = tuple[str, str]  # (platform, account handle)

# Sorted set of due times (ms) per person, one key per reservation, taken in order (a person
# may appear more than once). ARGV: window start, ttl (ms), then limit, due (ms) and member
# of each reservation. Returns, per reservation, -1 when the DM is reserved, else the number
# of DMs already in the window.
DM_SCRIPT = """
local taken = {}
for i, key in ipairs(KEYS) do
  local at = 2 + (i - 1) * 3
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local live = redis.call('ZCARD', key)
  if live >= tonumber(ARGV[at + 1]) then
    taken[i] = live
  else
    redis.call('ZADD', key, ARGV[at + 2], ARGV[at + 3])
    redis.call('PEXPIRE', key, ARGV[2])
    taken[i] = -1
  end
end
return taken
"""

# Hash {tokens, at} per account, one key per account. ARGV: now (ms), then capacity, refill
# per minute, wanted and ttl of each. Returns the number of tokens granted (0..wanted) to each.
BUCKET_SCRIPT = """
local now = tonumber(ARGV[1])
local granted = {}
for i, key in ipairs(KEYS) do
  local arg = 1 + (i - 1) * 4
  local capacity = tonumber(ARGV[arg + 1])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or capacity
  local at = tonumber(state[2]) or now
  if now > at then
    tokens = math.min(capacity, tokens + (now - at) * tonumber(ARGV[arg + 2]) / 60000.0)
    at = now
  end
  granted[i] = math.min(tonumber(ARGV[arg + 3]), math.floor(tokens))
  redis.call('HSET', key, 'tokens', tostring(tokens - granted[i]), 'at', tostring(at))
  redis.call('PEXPIRE', key, ARGV[arg + 4])
end
return granted
"""


@functools.cache
def _redis_from_url(url: str):
    # Only when REDIS_URL is set: redis adds to every process's start (ops/metrics.py).
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
        self._pending: list[tuple[int, int, datetime, Callable[[int], None]]] = []
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
        refused: list[int] = []
        self.take_later(contact_id, limit=limit, due_at=due_at, refused=refused.append)
        self.settle()
        return refused[0] if refused else None

    def take_later(
        self, contact_id: int, *, limit: int, due_at: datetime, refused: Callable[[int], None]
    ) -> None:
        """Reserve one DM due at `due_at`; `refused(live)` is called if it is not allowed.

        With the database that is decided at once; with Redis the reservations wait for
        `settle()`, which must be called before the batch is written, and are then taken
        in the order they were asked for, as if one by one.
        """
        if self.redis is not None:
            self._pending.append((contact_id, limit, due_at, refused))
        elif self.recent[contact_id] >= limit:
            refused(self.recent[contact_id])
        else:
            self.recent[contact_id] += 1

    def settle(self) -> None:
        """Take the reservations waiting for Redis, in one script call."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        args: list = [
            _ms(self.now - DM_WINDOW),
            int(DM_WINDOW.total_seconds() * 1000) + 24 * 3600 * 1000,
        ]
        for _contact, limit, due_at, _refused in pending:
            args += [limit, _ms(due_at), uuid.uuid4().hex]
        keys = [f"td:dm:{self.agency_id}:{contact}" for contact, *_ in pending]
        taken = self.redis.eval(DM_SCRIPT, len(keys), *keys, *args)
        for (_contact, _limit, _due, refused), live in zip(pending, taken, strict=True):
            if live >= 0:
                refused(int(live))


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
        return self.spike_take_many({account: (wanted, guard)})[account]

    def spike_take_many(self, wanted: dict[Account, tuple[int, dict]]) -> dict[Account, int]:
        """`spike_take` for several accounts ({account: (wanted, guard)}), in one Redis
        call; returns how many tokens each account got."""
        granted: dict[Account, int] = {}
        asks: list[tuple[Account, int, dict]] = []
        for account, (n, guard) in wanted.items():
            if not guard.get("enabled", True) or n <= 0:
                granted[account] = n
            else:
                asks.append((account, n, guard))
        if self.redis is not None:
            if asks:
                keys, args = [], [_ms(self.now)]
                for (platform, handle), n, guard in asks:
                    capacity, per_minute = guard["capacity"], guard["refill_per_minute"]
                    keys.append(f"td:spike:{self.agency_id}:{platform}:{handle}")
                    # The ttl is long enough to refill completely; then a missing key means
                    # "full".
                    args += [capacity, per_minute, n, int(capacity / per_minute * 60_000) + 60_000]
                taken = self.redis.eval(BUCKET_SCRIPT, len(keys), *keys, *args)
                for (account, _n, _guard), got in zip(asks, taken, strict=True):
                    granted[account] = int(got)
            return granted
        for account, n, guard in asks:
            counter = self.counters[account]
            granted[account], counter.spike_tokens, counter.spike_checked_at = bucket_take(
                tokens=counter.spike_tokens,
                checked_at=counter.spike_checked_at,
                now=self.now,
                capacity=guard["capacity"],
                per_minute=guard["refill_per_minute"],
                wanted=n,
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
