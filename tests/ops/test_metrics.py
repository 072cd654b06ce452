"""GET /metrics: behind METRICS_TOKEN (404 while unset, 401 without a bearer token, 403 with
another), the Prometheus text format with request, task, queue and payouts figures."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import fakeredis
import pytest
import redis
from django.test import Client
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from ops.metrics import (
    BANK_IMPORTS,
    RECONCILIATION_RUNS,
    RECONCILIATION_TRANSACTIONS,
    multiproc_dir_prune,
)
from payouts.models import ReconciliationRun
from payouts.tasks import reconciliation_run
from tests.helpers import client_for
from tests.payouts.builders import credit, statement

TOKEN = "s3cret-scrape-token"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: Client | None = None, token: str = TOKEN):
    return (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")


def samples(response) -> dict[tuple[str, frozenset], float]:
    families = text_string_to_metric_families(response.content.decode())
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in families
        for s in family.samples
    }


def value(counter, **labels) -> float:
    return counter.labels(**labels)._value.get()


# --- who may scrape -------------------------------------------------------------------------------


def test_the_endpoint_does_not_exist_without_a_token(db, settings):
    settings.METRICS_TOKEN = ""

    assert scrape().status_code == 404
    assert scrape(token="").status_code == 404


def test_a_scrape_without_a_bearer_token_is_unauthorised(db, token):
    response = Client().get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_a_wrong_token_is_forbidden(db, token):
    response = scrape(token=TOKEN + "x")

    assert response.status_code == 403
    assert b"talentdesk" not in response.content


def test_a_signed_in_staff_user_still_needs_the_token(db, token, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()

    assert client_for(owner).get("/metrics").status_code == 401


def test_only_get_is_answered(db, token):
    response = Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 405


# --- what it says ---------------------------------------------------------------------------------


def test_request_latency_and_status_by_view(db, token):
    Client().get("/accounts/login/")
    Client().get("/no-such-page/")

    response = scrape()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    found = samples(response)
    login = frozenset({"view": "account_login", "method": "GET"}.items())
    assert found[("talentdesk_http_request_duration_seconds_count", login)] >= 1
    assert found[("talentdesk_http_request_duration_seconds_bucket", login | {("le", "+Inf")})] >= 1
    ok = frozenset({"view": "account_login", "method": "GET", "status": "200"}.items())
    assert found[("talentdesk_http_responses_total", ok)] >= 1
    missing = frozenset({"view": "<unresolved>", "method": "GET", "status": "404"}.items())
    assert found[("talentdesk_http_responses_total", missing)] >= 1


def test_a_completed_reconciliation_run_is_counted_with_its_outcomes(
    finance_client, agency, token, django_capture_on_commit_callbacks
):
    statement(agency, "TT-2025-01-A", "120.00")
    credit(agency, "120.00", remittance="Payout TT-2025-01-A")
    credit(agency, "77.77", remittance="nobody knows")
    runs_before = value(RECONCILIATION_RUNS, status="completed")
    matched_before = value(RECONCILIATION_TRANSACTIONS, outcome="matched")

    with django_capture_on_commit_callbacks(execute=True):
        finance_client.post(reverse("payouts:run_start", kwargs={"agency_slug": agency.slug}))

    run = ReconciliationRun.objects.get()
    assert run.status == "completed" and run.matched_count == 1
    assert value(RECONCILIATION_RUNS, status="completed") == runs_before + 1
    assert value(RECONCILIATION_TRANSACTIONS, outcome="matched") == matched_before + 1
    found = samples(scrape())
    run_key = ("talentdesk_reconciliation_runs_total", frozenset({("status", "completed")}))
    assert found[run_key] == runs_before + 1
    task = frozenset({"task": "payouts.tasks.reconciliation_run", "state": "SUCCESS"}.items())
    assert found[("talentdesk_celery_tasks_total", task)] >= 1
    duration = frozenset({("task", "payouts.tasks.reconciliation_run")})
    assert found[("talentdesk_celery_task_duration_seconds_count", duration)] >= 1


def test_a_run_that_is_rolled_back_is_not_counted(agency, django_capture_on_commit_callbacks):
    before = value(RECONCILIATION_RUNS, status="completed")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ReconciliationRun.objects.create(agency=agency).save()  # a full save, not yet done
        run = ReconciliationRun.objects.create(agency=agency)
        run.status = "completed"
        run.save()

    assert len(callbacks) == 1  # queued for the commit that never comes in this test
    assert value(RECONCILIATION_RUNS, status="completed") == before


def test_a_task_that_raises_is_counted_as_a_failure_by_name_and_exception(agency, token):
    failed_runs = value(RECONCILIATION_RUNS, status="failed")

    with pytest.raises(ReconciliationRun.DoesNotExist):
        reconciliation_run.apply(args=(agency.pk, 987654))

    found = samples(scrape())
    labels = {"task": "payouts.tasks.reconciliation_run", "exception": "DoesNotExist"}
    assert found[("talentdesk_celery_task_failures_total", frozenset(labels.items()))] >= 1
    state = frozenset({"task": "payouts.tasks.reconciliation_run", "state": "FAILURE"}.items())
    assert found[("talentdesk_celery_tasks_total", state)] >= 1
    assert value(RECONCILIATION_RUNS, status="failed") == failed_runs + 1


def test_bank_imports_are_counted_in_the_scrape(db, token):
    BANK_IMPORTS.labels(status="done")  # the family is listed before the first import
    found = samples(scrape())

    assert ("talentdesk_bank_imports_total", frozenset({("status", "done")})) in found


# --- queue depth, read from the broker at scrape time ---------------------------------------------


@pytest.fixture
def fake_broker(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/1"
    server = fakeredis.FakeServer()

    def fake(cls, url, **kwargs):
        return fakeredis.FakeRedis(server=server)

    monkeypatch.setattr(redis.Redis, "from_url", classmethod(fake))
    return fakeredis.FakeRedis(server=server)


def test_queue_depth_per_queue_counts_every_priority(db, token, fake_broker):
    fake_broker.rpush("imports", "m1", "m2")
    fake_broker.rpush("imports\x06\x169", "urgent")
    fake_broker.rpush("reconciliation", "m3")

    found = samples(scrape())

    def depth(queue):
        return found[("talentdesk_celery_queue_length", frozenset({("queue", queue)}))]

    assert found[("talentdesk_celery_broker_up", frozenset())] == 1
    assert (depth("imports"), depth("reconciliation"), depth("reports")) == (3, 1, 0)
    assert {depth(q) for q in ("platform_sync", "default", "celery")} == {0}


def test_a_broker_that_does_not_answer_is_reported_not_raised(db, token, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    response = scrape()

    assert response.status_code == 200
    found = samples(response)
    assert found[("talentdesk_celery_broker_up", frozenset())] == 0
    assert not any(name == "talentdesk_celery_queue_length" for name, _ in found)


def test_no_broker_no_queue_figures(db, token, settings):
    settings.CELERY_BROKER_URL = ""

    found = samples(scrape())

    assert not any(name.startswith("talentdesk_celery_broker") for name, _ in found)


# --- several worker processes ---------------------------------------------------------------------


def test_multiprocess_mode_adds_up_what_every_process_counted(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (gunicorn with several workers), a scrape answered by one
    process reports what every process of the machine counted."""
    script = textwrap.dedent(
        """
        import os
        from ops.metrics import RESPONSES, exposition, multiproc_dir_prune

        multiproc_dir_prune()
        children = []
        for _ in range(3):  # three "workers", each answering two requests
            pid = os.fork()
            if pid == 0:
                for _ in range(2):
                    RESPONSES.labels(view="creators:list", method="GET", status="200").inc()
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)
        body, _ = exposition()
        print(body.decode())
        """
    )
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TESTING": "true",
        "CELERY_BROKER_URL": "",
    }
    command = [sys.executable, "-c", script]
    out = subprocess.run(  # noqa: S603 (this interpreter, our script)
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    line = 'talentdesk_http_responses_total{method="GET",status="200",view="creators:list"} 6.0'
    assert line in out


def test_a_new_start_drops_the_files_of_processes_that_ended(tmp_path, monkeypatch):
    folder = tmp_path / "metrics"
    folder.mkdir()
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (folder / f"counter_{ended}.db").write_bytes(b"old")
    (folder / f"histogram_{os.getpid()}.db").write_bytes(b"mine")
    (folder / "notes.txt").write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))

    multiproc_dir_prune()

    assert sorted(p.name for p in folder.iterdir()) == [f"histogram_{os.getpid()}.db", "notes.txt"]
