"""Idempotency keys (core/idempotency.py): one response per key, agency and user for 24 hours,
422 for the same key on a different request, 409 while the first still runs; on the locmem
cache and, when REDIS_URL is set (CI), on Redis."""

from __future__ import annotations

import os
import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from core import idempotency
from core.idempotency import KeyReused, KeyRunning, fingerprint, request_key, run_once

# The response is remembered when the request's transaction commits (transaction.on_commit).
pytestmark = pytest.mark.django_db
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}


@pytest.fixture(
    params=[
        pytest.param(LOCMEM, id="locmem"),
        pytest.param(
            REDIS,
            id="redis",
            # CI sets REDIS_URL (and fails rather than skips there: see .ci/run); a bare
            # machine without Redis runs the locmem half only.
            marks=pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set"),
        ),
    ]
)
def backend(request):
    with override_settings(CACHES=request.param):
        cache.clear()
        yield request.param["default"]["BACKEND"]
        cache.clear()


class Counter:
    """A handler that creates one thing per call and answers what it created."""

    def __init__(self, code: int = status.HTTP_201_CREATED):
        self.calls = 0
        self.code = code

    def __call__(self) -> Response:
        self.calls += 1
        return Response({"id": self.calls, "amount": "12.50"}, status=self.code)


def once(counter, *, key="k-1", scope="1:1", fp="same") -> Response:
    return run_once(scope=scope, key=key, fingerprint=fp, respond=counter)


def test_the_same_key_and_request_answers_the_first_response_and_creates_nothing_more(
    backend, django_capture_on_commit_callbacks
):
    counter = Counter()
    with django_capture_on_commit_callbacks(execute=True):
        first = once(counter)

    again = once(counter)

    assert counter.calls == 1
    assert (again.status_code, again.data) == (201, {"id": 1, "amount": "12.50"})
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert idempotency.REPLAYED_HEADER not in first


def test_the_same_key_with_a_different_request_is_refused_with_422(
    backend, django_capture_on_commit_callbacks
):
    counter = Counter()
    with django_capture_on_commit_callbacks(execute=True):
        once(counter, fp="body A")

    with pytest.raises(KeyReused) as refused:
        once(counter, fp="body B")

    assert refused.value.status_code == 422
    assert counter.calls == 1


def test_a_repeat_while_the_first_still_runs_is_a_409_and_creates_nothing(backend):
    counter = Counter()
    # The first request's transaction has not committed: its response is not remembered yet.
    once(counter)

    with pytest.raises(KeyRunning) as running:
        once(counter)

    assert running.value.status_code == 409
    assert counter.calls == 1


def test_keys_are_per_scope_agency_and_user(backend, django_capture_on_commit_callbacks):
    counter = Counter()
    with django_capture_on_commit_callbacks(execute=True):
        once(counter, scope="1:1")
        other_user = once(counter, scope="1:2")
        other_agency = once(counter, scope="2:1")

    assert counter.calls == 3
    assert [other_user.data["id"], other_agency.data["id"]] == [2, 3]


@pytest.mark.parametrize("code", [400, 403, 404, 409])
def test_a_refused_request_leaves_the_key_unused(backend, code):
    refused = Counter(code)
    assert once(refused).status_code == code

    created = Counter()
    response = once(created, fp="a corrected body")

    assert (response.status_code, created.calls) == (201, 1)


def test_a_request_that_raises_leaves_the_key_unused(backend):
    def boom() -> Response:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        once(boom)

    counter = Counter()
    assert once(counter).status_code == 201 and counter.calls == 1


def test_a_response_is_remembered_for_24_hours(backend, django_capture_on_commit_callbacks):
    # The record's time to live, read back from the cache backend itself.
    counter = Counter()
    with django_capture_on_commit_callbacks(execute=True):
        once(counter, key="ttl")
    key = idempotency._cache_key("1:1", "ttl")
    if "redis" in backend.lower():
        ttl = cache._cache.get_client(key).ttl(cache.make_and_validate_key(key))
    else:
        ttl = cache._expire_info[cache.make_and_validate_key(key)] - time.time()
    assert 24 * 3600 - 60 < ttl <= 24 * 3600


# --- the request side: the header and the fingerprint -------------------------------------------

factory = APIRequestFactory()


def _drf_request(body: dict, *, path="/api/x/", **headers):
    django_request = factory.post(path, body, format="json", **headers)
    return Request(django_request, parsers=[JSONParser()])


def test_the_fingerprint_ignores_the_order_of_json_keys_but_not_values_or_path():
    a = fingerprint(_drf_request({"amount": "1.00", "reason": "x"}))
    b = fingerprint(_drf_request({"reason": "x", "amount": "1.00"}))
    c = fingerprint(_drf_request({"reason": "x", "amount": "2.00"}))
    d = fingerprint(_drf_request({"amount": "1.00", "reason": "x"}, path="/api/y/"))

    assert a == b
    assert len({a, c, d}) == 3


@pytest.mark.parametrize(
    "key", ["", " leading-space", "x" * 256, "tab\tinside", "naïve", "line\nbreak"]
)
def test_a_malformed_key_is_a_400_naming_the_header(key):
    request = _drf_request({}, HTTP_IDEMPOTENCY_KEY=key)

    with pytest.raises(ValidationError) as refused:
        request_key(request)

    assert "Idempotency-Key" in refused.value.detail


@pytest.mark.parametrize("key", ["a", "order-2025-01-31 #7", "x" * 255])
def test_a_well_formed_key_is_read(key):
    assert request_key(_drf_request({}, HTTP_IDEMPOTENCY_KEY=key)) == key


def test_no_header_means_no_key():
    assert request_key(_drf_request({})) is None
