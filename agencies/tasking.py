"""Queue Celery tasks by their registered name, so a service never imports its tasks module
(tasks import services; the reverse would be a cycle)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Iterator
from functools import wraps

from celery import current_app, shared_task
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from core.db_scope import session_scope

from .models import Agency


def celery_app():
    """The project's Celery app (settings.TASKS_CELERY_APP: config/celery.py)."""
    return import_string(settings.TASKS_CELERY_APP)


# Every task module declares its tasks through this module, so the project's app is created
# here, before any task is queued or run, rather than at start-up (config/__init__.py).
celery_app()


def task_by_name(name: str):
    """The registered task called `name` (the task modules are imported on first use)."""
    if name not in current_app.tasks:
        # Import the apps' tasks modules ourselves: the loader's import_default_modules()
        # would have Celery's Django fixup run django.setup() again inside this request.
        for app_config in apps.get_app_configs():
            module = f"{app_config.name}.tasks"
            try:
                spec = importlib.util.find_spec(module)
            except ModuleNotFoundError:  # an app that is a plain module
                spec = None
            if spec is not None:
                importlib.import_module(module)
    return current_app.tasks[name]


def queue_per_agency(task) -> int:
    """A beat entry point's work: queue `task(agency_id)` for every agency once the current
    transaction commits, each run its own transaction. Returns how many were queued."""
    agency_ids = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    for agency_id in agency_ids:
        transaction.on_commit(lambda pk=agency_id: task.delay(pk))
    return len(agency_ids)


def enqueue_on_commit(name: str, *args) -> None:
    """Queue task `name` with `args` once the current transaction commits (at once outside
    one); eager in the embedded default, like `.delay()`."""
    transaction.on_commit(lambda: task_by_name(name).delay(*args))


# --- Tasks and row-level security -------------------------------------------------------------
# Every Celery task is declared with one of the two decorators below, so that what a task can
# see in the database is decided where it is declared (core/db_scope.py); a test enumerates
# the registered tasks to prove it (tests/agencies/test_rls.py).

TENANT = "tenant"
SYSTEM = "system"


def tenant_task(*, name: str, **options):
    """A task about one agency: its first parameter is `agency_id`, and its body runs scoped
    to that agency (every transaction it opens sees that agency's rows and no other's)."""

    def decorator(fn):
        parameters = list(inspect.signature(fn).parameters)
        if not parameters or parameters[0] != "agency_id":
            raise TypeError(f"tenant task {name} must take agency_id first")

        @wraps(fn)
        def run(agency_id, *args, **kwargs):
            with session_scope(agency_id):
                return fn(agency_id, *args, **kwargs)

        run.talentdesk_scope = TENANT
        return shared_task(name=name, **options)(run)

    return decorator


def system_task(*, name: str, **options):
    """A beat task that spans agencies: it starts with no agency in scope and may only visit
    agencies one at a time through `each_agency()` (or queue tenant tasks)."""

    def decorator(fn):
        @wraps(fn)
        def run(*args, **kwargs):
            with session_scope(None):
                return fn(*args, **kwargs)

        run.talentdesk_scope = SYSTEM
        return shared_task(name=name, **options)(run)

    return decorator


def each_agency() -> Iterator[int]:
    """Every agency's id in turn, the body of the loop scoped to that agency."""

    for agency_id in list(Agency.objects.order_by("pk").values_list("pk", flat=True)):
        with session_scope(agency_id):
            yield agency_id
