"""The project package: settings, URLs, the WSGI/ASGI entry points and the Celery app.

The Celery app (config/celery.py) is not imported here, as Django's usual recipe does: it is
created by the first import of `agencies.tasking` (which every task module declares its tasks
through, so before any task is queued or run) or by `celery -A config`. A process that never
queues or runs a task — migrate, check, collectstatic — then does not import Celery.
"""

from __future__ import annotations


def __getattr__(name: str):
    # `config.celery_app`, as the usual recipe names it.
    if name == "celery_app":
        # Lazily: importing config must not import Celery (the module docstring).
        from .celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
