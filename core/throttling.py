"""The API's per-user throttle (`DEFAULT_THROTTLE_CLASSES`): a counter per fixed window.

DRF's `UserRateThrottle` keeps the timestamps of every request of the last period as a
pickled list in the cache, read, filtered and written back on every request: two cache
round trips and O(rate) pickling per request (about 0.3 ms at 600/min under load). This
one keeps a single integer per user and window (`int(now // duration)`): on Redis one
pipelined INCR + EXPIRE, one round trip and O(1) whatever the rate. Same scope ("user"),
rate setting and identity (the user's pk, else DRF's `get_ident`).

The price of a fixed window: a client may spend its whole allowance at the end of one
window and again at the start of the next, so up to twice the rate can pass within one
period that straddles a boundary. For a guard against runaway scripts that is fine.
"""

from __future__ import annotations

from django.core.cache import cache as default_cache
from django.core.cache import caches
from rest_framework import throttling

from .cache import RedisCache

# A window's counter outlives its window by this much, so a late INCR never sees it vanish.
EXPIRY_MARGIN = 1


class UserRateThrottle(throttling.UserRateThrottle):
    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident_key = self.get_cache_key(request, view)
        if ident_key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        timeout = int(self.window_end - self.now) + EXPIRY_MARGIN
        return self._count(f"{ident_key}_{window}", timeout) <= self.num_requests

    def wait(self) -> float:
        """Seconds until the current window ends (DRF sends them as `Retry-After`)."""
        return max(0.0, self.window_end - self.now)

    def _count(self, key: str, timeout: int) -> int:
        """Add this request to the window's counter; return the count including it."""
        # DRF's default is django.core.cache.cache, a proxy: isinstance() needs what it proxies.
        cache = caches["default"] if self.cache is default_cache else self.cache
        if isinstance(cache, RedisCache):
            return cache.incr_expiring(key, timeout)
        cache.add(key, 0, timeout)
        try:
            return cache.incr(key)
        except ValueError:  # expired or evicted between add() and incr()
            cache.set(key, 1, timeout)
            return 1
