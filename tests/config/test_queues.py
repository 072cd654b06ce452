"""Tasks go to the queue of their workload (CELERY_TASK_ROUTES), and the Procfile's worker
consumes every queue a task can be routed to, so nothing waits on a queue nobody reads."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from honcho.environ import parse_procfile

from config.celery import app as current_app
from creators.tasks import agency_eligibility_scan
from payouts.tasks import (
    bank_import_run,
    reconcile_agencies,
    reconciliation_run,
    resume_stalled_runs,
)
from reports.tasks import sponsor_report_render

QUEUES = {"default", "imports", "reconciliation", "reports", "platform_sync"}


def procfile() -> dict[str, str]:
    return parse_procfile((Path(settings.BASE_DIR) / "Procfile").read_text()).processes


def queue_of(task_name: str) -> str:
    return current_app.amqp.router.route({}, task_name)["queue"].name


def test_heavy_tasks_have_queues_of_their_own():
    assert queue_of(bank_import_run.name) == "imports"
    assert queue_of(reconciliation_run.name) == "reconciliation"
    assert queue_of(sponsor_report_render.name) == "reports"
    assert queue_of(agency_eligibility_scan.name) == "platform_sync"


def test_the_periodic_watchdogs_stay_on_default_behind_no_long_run():
    # Resuming a run whose worker died must not wait behind the runs themselves.
    assert queue_of(resume_stalled_runs.name) == "default"
    assert queue_of(reconcile_agencies.name) == "default"
    assert queue_of("anything.not.routed") == "default"


def test_every_task_goes_to_a_queue_the_procfile_worker_reads():
    current_app.loader.import_default_modules()
    worker = procfile()["worker"]
    consumed = set(re.search(r"--queues=(\S+)", worker).group(1).split(","))
    assert consumed == QUEUES
    routed = {queue_of(name) for name in current_app.tasks if not name.startswith("celery.")}
    assert routed <= consumed


def test_the_procfile_runs_gunicorn_with_its_config_and_one_beat():
    processes = procfile()
    assert set(processes) == {"web", "worker", "beat"}
    assert "gunicorn -c config/gunicorn.conf.py" in processes["web"]
    # The pool processes keep running when the whole group gets SIGTERM
    # (tests/config/test_worker_shutdown.py).
    assert "REMAP_SIGTERM=SIGQUIT" in processes["worker"]
    assert "celery -A config beat" in processes["beat"]
