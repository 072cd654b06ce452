"""Idempotency keys for API writes that create money or messages.

A client that may send a POST twice (a timeout, a dropped connection, a retrying job) sends a
key of its own choosing in the `Idempotency-Key` header. The first successful request with a
key, from one agency and user, is remembered for 24 hours:

- the same request again (same method, path and body) gets the first response back, with
  `Idempotent-Replayed: true`, and creates nothing more;
- the same key with a different request (another path or body) is refused with 422;
- a repeat that arrives while the first is still running is refused with 409 (try again);
- a request that fails (a status of 400 or more, or an exception) leaves the key unused, so
  it can be corrected and sent again with the same key.

The records live in Django's cache: Redis in production and CI (every process sees them),
the in-process locmem cache of `make run` otherwise. A response is remembered when the
request's transaction commits (ATOMIC_REQUESTS), so one whose writes were rolled back is
never replayed; until then (at most RUNNING_SECONDS) the key reads as running.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_SECONDS = 24 * 60 * 60
# Longer than a request may run (gunicorn's timeout is 60 s): a key stays "running" no longer
# than this when its request died before it could be remembered or released.
RUNNING_SECONDS = 5 * 60
MAX_KEY_LENGTH = 255
_KEY = re.compile(r"[\x21-\x7e][\x20-\x7e]*")  # visible ASCII, inner spaces allowed
_RUNNING = "running"
_DONE = "done"

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your own (at most 255 visible ASCII characters) that makes a retry safe: "
        "the same request with the same key within 24 hours returns the first response and "
        "creates nothing more; the same key with a different request is refused with 422."
    ),
)
IDEMPOTENCY_RESPONSES = {
    409: OpenApiResponse(description="A request with this Idempotency-Key is still running."),
    422: OpenApiResponse(description="This Idempotency-Key was used for a different request."),
}


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was used for a different request; use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class KeyRunning(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "A request with this Idempotency-Key is still being processed; try again in a moment."
    )
    default_code = "idempotency_key_running"


def _cache_key(scope: str, key: str) -> str:
    # Hashed: the client's key may hold characters memcached-style backends refuse.
    digest = hashlib.sha256(f"{scope}\x1f{key}".encode()).hexdigest()
    return f"idempotency:v1:{digest}"


def fingerprint(request: Request) -> str:
    """What makes two requests "the same": method, path and body (JSON keys in any order)."""
    data: Any = request.data
    if hasattr(data, "lists"):  # a form or multipart body: every value of every field
        data = {name: [str(v) for v in values] for name, values in data.lists()}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder, default=str)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def request_key(request: Request) -> str | None:
    """The request's Idempotency-Key, or None; a malformed one is a 400."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise exceptions.ValidationError(
            {
                HEADER: [
                    _("Use at most %(n)s visible ASCII characters for the Idempotency-Key.")
                    % {"n": MAX_KEY_LENGTH}
                ]
            }
        )
    return key


def run_once(
    *, scope: str, key: str, fingerprint: str, respond: Callable[[], Response]
) -> Response:
    """`respond()` once per (scope, key): see the module docstring for the rules.

    `scope` names whose keys these are (the agency and user); two scopes never share a key.
    """
    cache_key = _cache_key(scope, key)
    claim = {"state": _RUNNING, "fingerprint": fingerprint}
    if not cache.add(cache_key, claim, RUNNING_SECONDS):  # add is atomic: one request wins
        return _replay(cache.get(cache_key), fingerprint)
    try:
        response = respond()
    except BaseException:
        cache.delete(cache_key)
        raise
    if not status.is_success(response.status_code) or not isinstance(response, Response):
        cache.delete(cache_key)
        return response
    record = {
        "state": _DONE,
        "fingerprint": fingerprint,
        "status": response.status_code,
        # Plain JSON types: what the client was sent, whatever the cache's serializer.
        "data": json.loads(json.dumps(response.data, cls=JSONEncoder)),
        "location": response.get("Location"),
    }
    transaction.on_commit(lambda: cache.set(cache_key, record, KEEP_SECONDS))
    return response


def _replay(record: dict | None, fingerprint: str) -> Response:
    if record is None:
        # Released between our add and get (the first request failed): ask for a retry.
        raise KeyRunning
    if record["fingerprint"] != fingerprint:
        raise KeyReused
    if record["state"] != _DONE:
        raise KeyRunning
    headers = {REPLAYED_HEADER: "true"}
    if record.get("location"):
        headers["Location"] = record["location"]
    return Response(record["data"], status=record["status"], headers=headers)


def request_scope(request: Request) -> str:
    """Keys are per agency (from the URL, set by the API base) and per user."""
    agency = getattr(request, "agency", None)
    return f"{getattr(agency, 'pk', '-')}:{request.user.pk}"


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view's `post`: with an Idempotency-Key header it runs once per key.

    Runs after authentication and permissions (DRF's `initial`), so a refused request never
    touches a key. Document the header on the view with IDEMPOTENCY_KEY and
    IDEMPOTENCY_RESPONSES.
    """

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        key = request_key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        return run_once(
            scope=request_scope(request),
            key=key,
            fingerprint=fingerprint(request),
            respond=lambda: handler(view, request, *args, **kwargs),
        )

    return wrapper
