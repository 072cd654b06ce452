"""Celery signals: the request id travels in a message header from the request (or task) that
queued a task to the worker; each task execution is one log line and a few metrics.

Connected by config/celery.py with the app, in web processes (which publish) and workers
(which run); the task modules themselves know nothing of this.
"""

from __future__ import annotations

import inspect
import sys
import threading
import time
from typing import Any

import structlog
from celery import Task
from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun

from .logs import REQUEST_ID_RE
from .metrics import RECONCILIATION_RUNS, TASK_DURATION, TASK_FAILURES, TASKS

REQUEST_ID_HEADER = "request_id"
# payouts.reconciliation.runs.RUN_TASK, by name: importing the reconciliation engine here made
# every process (migrate included) load the bank parsers at start-up (about 0.1 s), and ops sits
# below payouts. tests/ops/test_metrics.py runs the real task and counts its failure.
RECONCILIATION_TASK = "payouts.tasks.reconciliation_run"
logger = structlog.get_logger("talentdesk.task")

# task id → (context tokens to restore, start time); prerun and postrun of one task run in
# the same thread, and an eager task runs inside the request (or task) that queued it.
_running: dict[str, tuple[dict[str, Any], float]] = {}
_running_lock = threading.Lock()


@before_task_publish.connect(dispatch_uid="ops_request_id_header")
def add_request_id_header(headers: dict | None = None, **_: Any) -> None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if headers is not None and request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


def agency_id_of(task: Task, args: tuple | None, kwargs: dict | None) -> int | None:
    """The `agency_id` argument of a task call, by name or position (tasks take it first)."""
    try:
        bound = inspect.signature(task.run).bind_partial(*(args or ()), **(kwargs or {}))
    except (TypeError, ValueError):
        return None
    value = bound.arguments.get("agency_id")
    return value if isinstance(value, int) else None


def request_id_for(task: Task, task_id: str) -> str:
    """The id of the request that queued the task: its message header on a worker, the bound
    context when eager; a task nobody's request queued (beat) starts a chain of its own."""
    candidate = getattr(task.request, REQUEST_ID_HEADER, None) or (
        structlog.contextvars.get_contextvars().get("request_id")
    )
    if isinstance(candidate, str) and REQUEST_ID_RE.fullmatch(candidate):
        return candidate
    return task_id


@task_prerun.connect(dispatch_uid="ops_task_prerun")
def task_started(
    task_id: str, task: Task, args: tuple | None = None, kwargs: dict | None = None, **_: Any
) -> None:
    tokens = structlog.contextvars.bind_contextvars(
        request_id=request_id_for(task, task_id),
        task=task.name,
        task_id=task_id,
        agency_id=agency_id_of(task, args, kwargs),
    )
    with _running_lock:
        _running[task_id] = (tokens, time.perf_counter())


@task_postrun.connect(dispatch_uid="ops_task_postrun")
def task_finished(task_id: str, task: Task, state: str | None = None, **_: Any) -> None:
    with _running_lock:
        tokens, started = _running.pop(task_id, (None, None))
    if started is None:
        return
    seconds = time.perf_counter() - started
    if state is None:
        # Eager with propagation (tests, the embedded default): Celery re-raises at once,
        # without task_failure and without a state; the exception is on its way out.
        error = sys.exc_info()[1]
        state = "FAILURE" if error else "UNKNOWN"
        if error:
            failure_count(task.name, error)
    TASK_DURATION.labels(task=task.name).observe(seconds)
    TASKS.labels(task=task.name, state=state).inc()
    log = logger.error if state == "FAILURE" else logger.info
    log("task", state=state, duration_ms=round(seconds * 1000, 1))
    structlog.contextvars.reset_contextvars(**tokens)


@task_failure.connect(dispatch_uid="ops_task_failure")
def task_failed(sender: Task | None = None, exception: BaseException | None = None, **_: Any):
    failure_count(getattr(sender, "name", "unknown"), exception)


def failure_count(name: str, exception: BaseException | None) -> None:
    TASK_FAILURES.labels(task=name, exception=type(exception).__name__).inc()
    if name == RECONCILIATION_TASK:
        # A run that raised is marked failed with a bare UPDATE (no post_save to count it);
        # runs that complete or are given up are counted in ops.receivers.
        RECONCILIATION_RUNS.labels(status="failed").inc()
