from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("talentdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids into task messages, one log line and metrics per task (ops/celery_hooks.py):
# connected wherever the app exists, so in every process that queues or runs a task.
import ops.celery_hooks  # noqa: E402,F401
