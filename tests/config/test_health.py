"""/healthz and /readyz through the real middleware stack (config/health.py): JSON bodies,
200 or 503, no login, nothing about tenants, and each readiness failure named.

The broker and cache cases use a real Redis (TEST_CELERY_BROKER_URL, default database 5):
if it is not reachable they fail, they do not skip. A closed port stands for a service
that is down. The case where nothing at all is reachable runs through gunicorn
(tests/config/test_gunicorn.py)."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from django.core.cache import cache
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from agencies.roles import Role
from config.celery import app as current_app
from tests.helpers import client_for, member

REDIS = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(path: str, client: Client | None = None, **extra):
    response = (client or Client()).get(path, **extra)
    return response.status_code, json.loads(response.content)


@pytest.fixture
def broker(monkeypatch):
    """Point Celery at a broker (as production does) instead of running tasks eagerly."""

    def use(url: str) -> None:
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        monkeypatch.setitem(current_app.conf, "task_always_eager", False)
        monkeypatch.setitem(current_app.conf, "broker_url", url)
        monkeypatch.setitem(current_app.conf, "broker_write_url", url)

    return use


def redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": url}}


def test_liveness_answers_without_touching_the_database():
    # No django_db mark: any query would fail this test.
    assert get("/healthz") == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readiness_checks_database_migrations_cache_and_broker(broker, django_assert_num_queries):
    broker(REDIS)
    # SELECT 1; does django_migrations exist; the applied migrations.
    with override_settings(CACHES=redis_cache(REDIS)), django_assert_num_queries(3):
        status, body = get("/readyz")
    assert status == 200, body
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "broker": "ok"},
        "background": {"state": "never"},
    }


@pytest.mark.django_db
def test_the_embedded_default_is_ready_without_a_broker():
    status, body = get("/readyz")
    assert status == 200
    assert body["checks"]["broker"] == "eager"
    assert body["checks"]["cache"] == "ok"  # the in-process cache


@pytest.mark.django_db
def test_a_broker_that_is_down_makes_it_unready(broker):
    broker(f"redis://127.0.0.1:{closed_port()}/0")
    status, body = get("/readyz")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "cache": "ok",
        "broker": "unavailable",
    }


@pytest.mark.django_db
def test_a_cache_that_is_down_makes_it_unready():
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{closed_port()}/0")):
        status, body = get("/readyz")
    assert status == 503
    assert body["checks"]["cache"] == "unavailable"
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_an_unapplied_migration_makes_it_unready():
    MigrationRecorder.Migration.objects.filter(app="agencies").order_by("-id")[0].delete()
    status, body = get("/readyz")
    assert status == 503
    assert body["checks"]["migrations"] == "1 unapplied"


@pytest.mark.django_db
def test_the_body_names_no_url_host_or_secret(broker):
    port = closed_port()
    broker(f"redis://:hunter2@127.0.0.1:{port}/0")
    response = Client().get("/readyz")
    assert response.status_code == 503
    for secret in (b"hunter2", str(port).encode(), b"127.0.0.1", b"redis"):
        assert secret not in response.content


@pytest.mark.django_db
def test_a_signed_in_member_gets_the_same_answer_and_no_tenant_data(agency):
    client = client_for(member(agency, Role.OWNER))
    status, body = get("/readyz", client)
    assert status == 200
    assert agency.slug not in json.dumps(body)
    assert set(body) == {"status", "checks", "background"}


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["talentdesk.example"])
def test_a_probe_by_ip_over_plain_http_is_answered_not_redirected_or_refused():
    # A load balancer probes the instance by its address: no redirect to HTTPS, no 400 for
    # an unknown host, while a page under the same settings gets neither.
    assert get("/healthz", HTTP_HOST="10.1.2.3:8000") == (200, {"status": "ok"})
    assert get("/readyz", HTTP_HOST="10.1.2.3:8000")[0] == 200
    assert Client().get("/accounts/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_the_answers_are_never_cached():
    response = Client().get("/healthz")
    assert "no-store" in response["Cache-Control"]


def test_only_get_and_head_are_answered():
    assert Client().head("/healthz").status_code == 200
    response = Client().post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_readiness_says_when_beat_and_a_worker_last_worked_without_changing_the_status(
    db, settings
):
    from config.health import BACKGROUND_HEARTBEAT_KEY
    from ops.tasks import heartbeat

    settings.HEALTH_BACKGROUND_STALE_SECONDS = 180
    first_status, body = get("/readyz")
    assert body["background"] == {"state": "never"}

    heartbeat.delay()  # what beat queues every 30 s and a worker runs (eager here)
    status, body = get("/readyz")
    assert status == first_status and body["background"]["state"] == "ok"
    assert body["background"]["last_seen"].endswith("+00:00")

    cache.set(BACKGROUND_HEARTBEAT_KEY, time.time() - 600, timeout=None)
    status, body = get("/readyz")
    # Beat or every worker is down: the operator reads it here; readiness is unchanged.
    assert (status, body["background"]["state"]) == (first_status, "stale")


def test_the_heartbeat_is_on_beats_schedule():
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["ops-heartbeat"]
    assert entry["task"] == "ops.heartbeat" and entry["schedule"] <= 60
