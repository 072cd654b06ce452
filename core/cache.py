"""Django's Redis cache with one redis-py client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` object around the shared
connection pool for every cache call (its constructor sets up retries, response callbacks
and the pool's options): four calls a request for an API list answered from the cache —
throttle read and write (one pipelined call since: `incr_expiring`), roster version, cached
page — cost about 7 % of the request's CPU (cProfile, bench/README.md). A redis-py client
is safe to share between threads, and Django already keeps one cache object per thread, so
one client per pool does.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """`BACKEND: core.cache.RedisCache`: Django's, keeping its redis-py clients."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def incr_expiring(self, key: str, timeout: int) -> int:
        """Add one to the counter `key` (0 when absent) and let it expire `timeout` seconds
        from now; returns the new count. One round trip (INCR and EXPIRE pipelined), where
        Django's add() then incr() take two."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, timeout)
        count, _ = pipeline.execute()
        return count
