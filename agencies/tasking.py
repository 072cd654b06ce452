"""Queue Celery tasks by their registered name, so a service never imports its tasks module
(tasks import services; the reverse would be a cycle)."""

from __future__ import annotations

from celery import current_app
from django.db import transaction


def task_by_name(name: str):
    """The registered task called `name` (the task modules are imported on first use)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue_on_commit(name: str, *args) -> None:
    """Queue task `name` with `args` once the current transaction commits (at once outside
    one); eager in the embedded default, like `.delay()`."""
    transaction.on_commit(lambda: task_by_name(name).delay(*args))
