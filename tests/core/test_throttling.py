"""The API's per-user throttle (core/throttling.py): a counter per fixed window, one Redis
round trip per request, LocMem's add + incr elsewhere.

The rate is lowered to 3 a minute and the throttle's clock fixed 15.5 s into a minute, so
44.5 s of the window are left (`Retry-After: 45`). CI runs the suite on Redis (REDIS_URL),
so the API tests there count on Redis; the fallback is tested on a LocMem cache of its own.
"""

from __future__ import annotations

import os
import re
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from redis.connection import AbstractConnection

from core.cache import RedisCache
from core.throttling import UserRateThrottle

from .conftest import token_client

MINUTE_START = 1_800_000_000.0  # a multiple of 60


class Clock:
    """The throttle's `timer`: a callable instance, so it is not bound as a method."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    # DRF reads THROTTLE_RATES from api_settings once, when SimpleRateThrottle is defined,
    # so overriding REST_FRAMEWORK in a test would not reach it: patch the class instead.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    clock = Clock(MINUTE_START + 15.5)
    monkeypatch.setattr(UserRateThrottle, "timer", clock)
    return clock


def _roster(api, agency):
    return api.get(reverse("api:creator-list", args=[agency.slug]))


def _caller(pk: int):
    return SimpleNamespace(user=SimpleNamespace(pk=pk, is_authenticated=True))


# --- through the API ----------------------------------------------------------------------------


def test_the_request_over_the_rate_is_answered_429_until_the_window_ends(owner_api, agency):
    assert [_roster(owner_api, agency).status_code for _ in range(3)] == [200, 200, 200]

    response = _roster(owner_api, agency)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Retry-After"] == "45"
    assert response.json() == {"detail": "Request was throttled. Expected available in 45 seconds."}


def test_two_users_are_counted_apart(owner_api, manager, agency):
    for _ in range(3):
        _roster(owner_api, agency)
    assert _roster(owner_api, agency).status_code == 429

    assert _roster(token_client(manager, agency), agency).status_code == 200


def test_the_next_window_lets_the_user_in_again(owner_api, agency, clock):
    for _ in range(4):
        _roster(owner_api, agency)
    clock.now = MINUTE_START + 59.9
    assert _roster(owner_api, agency).status_code == 429

    clock.now = MINUTE_START + 60

    assert [_roster(owner_api, agency).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_in_the_last_second_of_a_window_retry_after_is_one_not_zero(owner_api, agency, clock):
    clock.now = MINUTE_START + 59.5
    for _ in range(3):
        _roster(owner_api, agency)

    response = _roster(owner_api, agency)

    assert response.status_code == 429
    assert response["Retry-After"] == "1"


def test_without_a_rate_every_request_passes(monkeypatch, owner_api, agency):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": None})
    assert {_roster(owner_api, agency).status_code for _ in range(5)} == {200}


# --- on Redis: one round trip -------------------------------------------------------------------

# The name of each command in a RESP-encoded write: `*<args>\r\n$<len>\r\n<NAME>\r\n`.
COMMAND = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n")


# A bare machine without Redis skips this; CI (which sets REDIS_URL) fails without it.
@pytest.mark.skipif(
    not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="REDIS_URL is not set"
)
def test_on_redis_a_request_costs_one_round_trip_and_no_get_or_set(monkeypatch):
    cache = caches["default"]
    assert isinstance(cache, RedisCache), "the suite runs on Redis in CI: set REDIS_URL"
    throttle = UserRateThrottle()
    assert throttle.allow_request(_caller(7), view=None)  # the connection is open from here on
    writes = []
    send = AbstractConnection.send_packed_command

    def spy(connection, command, check_health=True):
        packed = command if isinstance(command, bytes) else b"".join(command)
        writes.append([name.upper() for name in COMMAND.findall(packed)])
        return send(connection, command, check_health)

    with monkeypatch.context() as patch:
        patch.setattr(AbstractConnection, "send_packed_command", spy)
        assert UserRateThrottle().allow_request(_caller(7), view=None)

    assert writes == [[b"INCRBY", b"EXPIRE"]]  # redis-py's incr() is INCRBY key 1
    key = cache.make_and_validate_key(f"throttle_user_7_{int(MINUTE_START // 60)}")
    client = cache._cache.get_client(key)
    assert int(client.get(key)) == 2
    # Gone a moment after its window: 44.5 s left, plus a second's margin.
    assert 44 <= client.ttl(key) <= 45


# --- on any other cache: add + incr -------------------------------------------------------------


@pytest.fixture
def locmem_throttle():
    def make() -> UserRateThrottle:
        throttle = UserRateThrottle()
        throttle.cache = LocMemCache("throttle-test", {})  # one store per name, shared
        return throttle

    yield make
    LocMemCache("throttle-test", {}).clear()


def test_on_another_cache_the_fourth_request_in_a_window_is_refused(locmem_throttle, clock):
    assert [locmem_throttle().allow_request(_caller(7), None) for _ in range(3)] == [True] * 3

    throttle = locmem_throttle()
    assert throttle.allow_request(_caller(7), None) is False
    assert throttle.wait() == 44.5
    assert locmem_throttle().allow_request(_caller(8), None) is True

    clock.now = MINUTE_START + 60
    assert locmem_throttle().allow_request(_caller(7), None) is True


def test_a_counter_that_vanishes_before_its_incr_counts_the_request_as_the_first(
    locmem_throttle, monkeypatch
):
    throttle = locmem_throttle()
    # Evicted (or expired) between add() and incr(): add() stores nothing here.
    monkeypatch.setattr(throttle.cache, "add", lambda *args, **kwargs: True)

    assert throttle.allow_request(_caller(7), None) is True
    assert throttle.cache.get(f"throttle_user_7_{int(MINUTE_START // 60)}") == 1
