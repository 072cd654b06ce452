"""One log line per Celery task, carrying the id of the request that queued it: eager (the
test suite and the embedded default) through a real view, and through a broker to a worker
thread, where only the message header can carry it."""

from __future__ import annotations

import io
import logging
import time

import pytest
import structlog
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from bench.generators.camt053 import random_transactions, write_camt053
from config.celery import app as project_app
from ops.metrics import BANK_IMPORTS, TASKS
from ops.middleware import RequestObservabilityMiddleware
from payouts.models import BankImport
from tests.payouts.builders import account

IBAN = "NL55INGB0000000001"
IMPORT_TASK = "payouts.tasks.bank_import_run"


def camt(count: int) -> bytes:
    out = io.BytesIO()
    write_camt053(out, list(random_transactions(count, seed=9)), account_iban=IBAN)
    return out.getvalue()


def sample(counter, **labels) -> float:
    return counter.labels(**labels)._value.get()


# transaction=True: the request's own transaction (ATOMIC_REQUESTS) commits, so the task
# queued on commit runs inside the request, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_logs_one_line_with_that_requests_id(
    json_lines, finance_client, agency, settings
):
    settings.BANK_IMPORT_ASYNC_BYTES = 1000  # queued: imported by the (eager) task
    url = reverse(
        "payouts:bank_import",
        kwargs={"agency_slug": agency.slug, "pk": account(agency, iban=IBAN).pk},
    )
    tasks_before = sample(TASKS, task=IMPORT_TASK, state="SUCCESS")
    imports_before = sample(BANK_IMPORTS, status="done")

    response = finance_client.post(
        url,
        {"file": SimpleUploadedFile("statement.xml", camt(40)), "format": ""},
        HTTP_X_REQUEST_ID="upload-42",
    )

    assert response.status_code == 302
    assert BankImport.objects.get().status == "done"
    [task] = json_lines.events("task")
    assert task["task"] == IMPORT_TASK
    assert task["request_id"] == "upload-42"
    assert task["agency_id"] == agency.pk
    assert task["state"] == "SUCCESS"
    assert task["task_id"] and task["duration_ms"] >= 0
    [request] = json_lines.events("request")
    assert (request["request_id"], request["agency"], request["status"]) == (
        "upload-42",
        "acme",
        302,
    )
    # Every line written while the request ran (the task's included) names the request.
    assert {line["request_id"] for line in json_lines.all()} == {"upload-42"}
    assert sample(TASKS, task=IMPORT_TASK, state="SUCCESS") == tasks_before + 1
    assert sample(BANK_IMPORTS, status="done") == imports_before + 1


# A Celery app on an in-memory broker: its task runs in a worker thread, so nothing of the
# request's context reaches it except the message.
broker_app = Celery(
    "ops-tests", broker="memory://", backend="cache+memory://", set_as_current=False
)
broker_app.conf.task_always_eager = False
broker_app.conf.worker_hijack_root_logger = False
broker_app.conf.broker_transport_options = {"polling_interval": 0.05}


@broker_app.task(name="ops_tests.note")
def note(agency_id: int, text: str) -> str:
    structlog.get_logger("ops.tests").info("noted", text=text)
    return text


def logged(json_lines, event: str, timeout: float = 10.0) -> list[dict]:
    """The lines of `event`, waiting for the first: the worker writes a task's line when the
    task has ended (task_postrun), just after storing the result `get()` returns."""
    deadline = time.monotonic() + timeout
    while not (lines := json_lines.events(event)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return lines


@pytest.fixture(scope="module")
def worker():
    # Requested before json_lines: a starting worker applies LOGGING again (Django fixup).
    root_handlers = list(logging.getLogger().handlers)
    try:
        with start_worker(broker_app, pool="solo", perform_ping_check=False, shutdown_timeout=5):
            yield
    finally:
        # start_worker makes its app the current and default one; the project's is again.
        project_app.set_current()
        project_app.set_default()
        logging.getLogger().handlers[:] = root_handlers


def test_the_request_id_travels_to_a_worker_in_the_message_header(worker, json_lines):
    results = []

    def view(request):
        results.append(note.delay(7, "hello"))
        return HttpResponse("queued")

    request = RequestFactory().get("/queue", HTTP_X_REQUEST_ID="edge-99")
    response = RequestObservabilityMiddleware(view)(request)

    assert response["X-Request-ID"] == "edge-99"
    assert results[0].get(timeout=10) == "hello"
    [noted] = json_lines.events("noted")
    assert noted["request_id"] == "edge-99"
    assert (noted["task"], noted["agency_id"]) == ("ops_tests.note", 7)
    [task] = logged(json_lines, "task")
    assert (task["request_id"], task["state"], task["agency_id"]) == ("edge-99", "SUCCESS", 7)


def test_a_task_nobody_requested_is_its_own_chain(worker, json_lines):
    result = note.delay(3, "from beat")

    assert result.get(timeout=10) == "from beat"
    [task] = logged(json_lines, "task")
    assert task["request_id"] == task["task_id"] == result.id
