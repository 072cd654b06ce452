"""Prometheus metrics: what is recorded, and the exposition the /metrics view serves.

Several gunicorn workers (and Celery pool processes) each hold their own counters. With
PROMETHEUS_MULTIPROC_DIR set (before the process starts, to an empty writable folder shared
by every process of the machine), prometheus_client writes them to files there and a scrape
adds them up; without it (runserver, tests) the process's own registry is served.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Every queue the workers read (issue 14's routing), and Celery's default one.
DEFAULT_QUEUES = ("imports", "reconciliation", "reports", "platform_sync", "default", "celery")
# kombu's Redis transport keeps a queue's messages of priority 3, 6 and 9 in lists of their
# own, named "<queue>\x06\x16<priority>"; a queue's length is the sum.
REDIS_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED_VIEW = "<unresolved>"

REQUEST_LATENCY = Histogram(
    "talentdesk_http_request_duration_seconds",
    "Time to answer a request, by view name (URL name) and method.",
    ["view", "method"],
)
RESPONSES = Counter(
    "talentdesk_http_responses",
    "Responses by view name, method and status code.",
    ["view", "method", "status"],
)
TASK_DURATION = Histogram(
    "talentdesk_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, float("inf")),
)
TASKS = Counter(
    "talentdesk_celery_tasks",
    "Celery task executions by task name and final state (SUCCESS, FAILURE, RETRY…).",
    ["task", "state"],
)
TASK_FAILURES = Counter(
    "talentdesk_celery_task_failures",
    "Celery tasks that raised, by task name and exception class.",
    ["task", "exception"],
)
RECONCILIATION_RUNS = Counter(
    "talentdesk_reconciliation_runs",
    "Reconciliation runs that finished, by status (completed, failed).",
    ["status"],
)
RECONCILIATION_TRANSACTIONS = Counter(
    "talentdesk_reconciliation_transactions",
    "Bank transactions of completed reconciliation runs, by outcome "
    "(matched, ambiguous, unmatched).",
    ["outcome"],
)
BANK_IMPORTS = Counter(
    "talentdesk_bank_imports",
    "Bank statement imports that finished, by status (done, failed).",
    ["status"],
)
BANK_IMPORT_TRANSACTIONS = Counter(
    "talentdesk_bank_import_transactions",
    "Transactions read from imported bank statement files, by kind (new, duplicate).",
    ["kind"],
)


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


def queue_names() -> list[str]:
    """The queues to measure: those Celery is configured with, then the usual ones."""
    # Celery when a scrape reads the queues, not at start-up (config/__init__.py); by its
    # path, as a process without models (a gunicorn master) may scrape too.
    configured = import_string(settings.TASKS_CELERY_APP).conf.task_queues or ()
    names = [getattr(queue, "name", queue) for queue in configured]
    return list(dict.fromkeys([*names, *DEFAULT_QUEUES]))


class QueueDepthCollector:
    """Messages waiting in each Celery queue, read from the Redis broker at scrape time."""

    def __init__(self, broker_url: str, queues: Iterable[str]):
        self.broker_url = broker_url
        self.queues = list(queues)

    def collect(self) -> Iterator[Metric]:
        if not self.broker_url.startswith(("redis://", "rediss://", "unix://")):
            return  # eager tasks (no broker) or another broker: nothing to read
        up = GaugeMetricFamily(
            "talentdesk_celery_broker_up", "1 if the Redis broker answered this scrape."
        )
        depth = GaugeMetricFamily(
            "talentdesk_celery_queue_length",
            "Messages waiting in a Celery queue (not yet taken by a worker).",
            labels=["queue"],
        )
        # Imported here, not at the top: only a scrape reads the broker, and redis (with its
        # asyncio client) added about 0.1 s to every process's start, migrate included.
        import redis

        # A scrape must not hang on a broker that is down: short timeouts, one round trip.
        client = redis.Redis.from_url(self.broker_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            pipe = client.pipeline(transaction=False)
            for queue in self.queues:
                for suffix in REDIS_PRIORITY_SUFFIXES:
                    pipe.llen(queue + suffix)
            lengths = pipe.execute()
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        finally:
            client.close()
        up.add_metric([], 1)
        per_queue = len(REDIS_PRIORITY_SUFFIXES)
        for index, queue in enumerate(self.queues):
            depth.add_metric([queue], sum(lengths[index * per_queue : (index + 1) * per_queue]))
        yield up
        yield depth


def exposition() -> tuple[bytes, str]:
    """The body and content type of a scrape: this process's (or, in multiprocess mode, every
    process's) metrics, then the queue depths."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    queues = CollectorRegistry()
    queues.register(QueueDepthCollector(settings.CELERY_BROKER_URL, queue_names()))
    return generate_latest(registry) + generate_latest(queues), CONTENT_TYPE_LATEST


def multiproc_dir_prune() -> None:
    """Remove from PROMETHEUS_MULTIPROC_DIR the files of processes no longer running (and
    create the folder if missing). For gunicorn's `on_starting`, before any worker forks:
    an earlier run's files would otherwise be added to this run's figures. A Celery worker
    on the same machine may share the folder; its running processes' files are kept."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    # prometheus_client names its files <kind>_<pid>.db (gauges: <kind>_<mode>_<pid>.db).
    for stale in path.glob("*_*.db"):
        pid = stale.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not process_running(int(pid)):
            stale.unlink(missing_ok=True)


def process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def worker_exited(pid: int) -> None:
    """Tell the multiprocess collector that a worker process ended (gunicorn's `child_exit`).
    Counters and histograms it wrote are kept; only live gauges are dropped."""
    if os.environ.get(MULTIPROC_ENV):
        mark_process_dead(pid)
