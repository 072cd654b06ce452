"""`/healthz` and `/readyz` for load balancers, orchestrators and `.ci/stack-smoke`.

- `/healthz` (liveness): the process answers. No database, no cache, no broker: a database
  outage must not get every web process restarted.
- `/readyz` (readiness): this process can serve requests: the database answers a trivial
  query, every migration on disk is applied, the cache and the Celery broker answer. 200
  when all do, 503 naming the ones that do not. It also says when the background last
  worked (`background`): beat queues `ops.heartbeat` every 30 s and a worker runs it, so a
  stale or missing heartbeat means beat or every worker is down. That is information for
  the operator, not a reason to take this web process out of rotation.

Both answer JSON to anyone (no login), say nothing about tenants and no secrets (fixed
words, never an exception's text; the reason goes to the log). They are served by a
middleware at the top of the stack, before host validation, HTTPS redirects, sessions and
the request's transaction: a probe from the load balancer comes by IP over plain HTTP, and
it should cost a few milliseconds, not a session lookup.

Written here rather than with django-health-check: its view answers 500, not 503; its
4.x releases have no migrations check; and it runs the checks through an async view, a
thread hop per probe under gunicorn's sync workers. What we need is four probes.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
OK = "ok"


class CheckFailed(Exception):
    """A readiness check's answer when it is not "ok" (a fixed word, safe to publish)."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


@functools.cache
def _migrations_on_disk() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """{(app, name): the migrations it replaces} for every migration in the code. The code
    does not change under a running process, so the files are read once."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: tuple(m.replaces) for key, m in loader.graph.nodes.items()}


def check_migrations() -> str:
    """Every migration on disk is recorded as applied (a squashed one counts as applied
    when all those it replaces are). One query a probe; the files are read once."""
    applied = MigrationRecorder(connection).applied_migrations()
    missing = [
        key
        for key, replaces in _migrations_on_disk().items()
        if key not in applied and not (replaces and all(r in applied for r in replaces))
    ]
    if missing:
        raise CheckFailed(f"{len(missing)} unapplied")
    return OK


def check_cache() -> str:
    # A GET through Django's cache: a Redis cache that is down raises; the in-process
    # cache of the embedded default always answers.
    cache.get("readyz-probe")
    return OK


def check_broker() -> str:
    # Celery when a probe asks, not when the URLconf is imported (config/__init__.py).
    from config.celery import app

    if app.conf.task_always_eager:
        return "eager"  # no broker: tasks run in the web process (the embedded default)
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    return OK


READINESS_CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
}


BACKGROUND_HEARTBEAT_KEY = "talentdesk:health:background"


def background_heartbeat() -> None:
    """What `ops.heartbeat` (beat, every 30 s, run by a worker) records."""
    cache.set(BACKGROUND_HEARTBEAT_KEY, time.time(), timeout=None)


def background() -> dict:
    """When beat and a worker last worked together: "ok" within
    HEALTH_BACKGROUND_STALE_SECONDS, else "stale"; "never" before the first heartbeat (or
    with tasks run in-process), "unknown" when the cache does not answer."""
    try:
        seen = cache.get(BACKGROUND_HEARTBEAT_KEY)
    except Exception:
        logger.warning("background heartbeat unreadable", exc_info=True)
        return {"state": "unknown"}
    if seen is None:
        return {"state": "never"}
    age = time.time() - float(seen)
    state = "ok" if age <= settings.HEALTH_BACKGROUND_STALE_SECONDS else "stale"
    return {
        "state": state,
        "last_seen": datetime.fromtimestamp(float(seen), tz=UTC).isoformat(timespec="seconds"),
    }


def liveness() -> dict:
    return {"status": OK}


def readiness() -> tuple[bool, dict]:
    checks: dict[str, str] = {}
    for name, check in READINESS_CHECKS.items():
        if name == "migrations" and checks["database"] != OK:
            checks[name] = "unknown"  # cannot be read without the database
            continue
        try:
            checks[name] = check()
        except CheckFailed as failed:
            checks[name] = str(failed)
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            checks[name] = "unavailable"
    ready = all(answer in (OK, "eager") for answer in checks.values())
    body = {"status": OK if ready else "unavailable", "checks": checks, "background": background()}
    return ready, body


def _answer(body: dict, status: int = 200) -> HttpResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answers the two probe paths before any other middleware runs (first in MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in (LIVENESS_PATH, READINESS_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _answer({"status": "method not allowed"}, status=405)
            response["Allow"] = "GET, HEAD"
            return response
        if request.path == LIVENESS_PATH:
            return _answer(liveness())
        ready, body = readiness()
        return _answer(body, status=200 if ready else 503)
