"""A task for the worker-shutdown tests (tests/config/test_worker_shutdown.py), loaded into
a real worker with `--include`. Its first delivery sleeps; a redelivery (the message put
back by a worker that stopped) finishes at once. Progress is written to Redis under `key`.
It takes the project's task defaults (acks_late, reject_on_worker_lost) from the settings."""

from __future__ import annotations

import os
import time

import redis
from celery import shared_task


@shared_task(name="tests.shutdown.sleep")
def sleep(key: str, seconds: float) -> None:
    client = redis.Redis.from_url(os.environ["SHUTDOWN_TEST_REDIS"])
    deliveries = client.incr(f"{key}:deliveries")
    if deliveries == 1:
        time.sleep(seconds)
    client.set(f"{key}:finished", deliveries)
