"""The Redis cache backend (core/cache.py): Django's, with one redis-py client per pool kept
instead of one built per call. Needs Redis: CI sets REDIS_URL (and fails rather than skips
there, see .ci/run); a bare machine without Redis skips this module."""

from __future__ import annotations

import os
import threading

import pytest
from django.core.cache import caches
from django.test import override_settings

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")


@pytest.fixture
def redis_cache():
    settings = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
    with override_settings(CACHES=settings):
        cache = caches["default"]
        cache.clear()
        yield cache
        cache.clear()


def test_the_product_uses_this_backend_when_redis_is_configured(settings):
    assert settings.CACHES["default"]["BACKEND"] == "core.cache.RedisCache"


def test_calls_share_one_client_and_still_read_and_write(redis_cache):
    client = redis_cache._cache.get_client("a")
    redis_cache.set("a", {"n": 1}, 60)
    assert redis_cache.get("a") == {"n": 1}
    assert redis_cache.add("a", 2, 60) is False
    assert redis_cache.add("b", 1, 60) is True
    assert redis_cache.incr("b") == 2
    assert redis_cache.get_many(["a", "b", "c"]) == {"a": {"n": 1}, "b": 2}
    redis_cache.delete_many(["a", "b"])
    assert redis_cache.get("a") is None
    assert redis_cache._cache.get_client("b", write=True) is client


def test_each_thread_has_its_own_cache_object_and_client(redis_cache):
    seen = {}

    def use() -> None:
        cache = caches["default"]
        cache.set("t", threading.get_ident(), 60)
        seen["client"] = cache._cache.get_client("t")

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()
    assert seen["client"] is not redis_cache._cache.get_client("t")
    assert redis_cache.get("t") is not None
