"""`make serve`: the Procfile's processes under honcho, stopped gracefully.

    python -m config.serve --check          # exit 1 with the reason unless set up for it
    python -m config.serve -p 8000          # honcho start, with its options

honcho passes SIGTERM (or Ctrl+C) on to every process, and when one process ends it stops
the others the same way. It then SIGKILLs whatever is still running after a fixed five
seconds (a constant, honcho issue #189), which would cut short gunicorn's graceful stop
(GUNICORN_GRACEFUL_TIMEOUT) and a worker's (CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT). Here
that wait is SERVE_STOP_TIMEOUT seconds, longer than both.

Like `honcho start`, it exits 143 after SIGTERM (130 after Ctrl+C) once every process has
stopped, each process's own exit status logged as "<name> stopped (rc=N)".

The web and worker processes count their Prometheus figures in one folder
(PROMETHEUS_MULTIPROC_DIR, by default `var/metrics/` in the project), made and cleared of
earlier runs' files here, before any of them starts, so a scrape of any web worker adds up
the requests and tasks of the whole machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from honcho import command, manager

from ops import metrics

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_METRICS_DIR = BASE_DIR / "var" / "metrics"


def setup_problems() -> list[str]:
    """Why these settings cannot run the production processes (empty when they can)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        # Here, so that bad settings become a reported problem rather than a crash at import.
        from config import settings
    except ImproperlyConfigured as exc:  # e.g. no SECRET_KEY outside DEBUG
        return [str(exc)]
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must name a PostgreSQL database (postgres://…)")
    if not settings.CELERY_BROKER_URL:
        problems.append("CELERY_BROKER_URL must name the Redis broker (redis://…)")
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append("CELERY_TASK_ALWAYS_EAGER is on: the worker would get no tasks")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL must name the Redis cache shared by the processes")
    return problems


def metrics_dir_prepare() -> Path:
    """The one PROMETHEUS_MULTIPROC_DIR of every process honcho starts (they inherit this
    environment), made and pruned before any of them writes to it. Returns the folder."""
    # honcho hands .env's values to the processes; a folder named there wins, as in settings.
    if (BASE_DIR / ".env").is_file():
        environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    if not os.environ.get(metrics.MULTIPROC_ENV):  # empty would break prometheus_client too
        os.environ[metrics.MULTIPROC_ENV] = str(DEFAULT_METRICS_DIR)
    metrics.multiproc_dir_prune()
    return Path(os.environ[metrics.MULTIPROC_ENV])


def main(argv: list[str]) -> None:
    if argv[:1] == ["--check"]:
        problems = setup_problems()
        for problem in problems:
            print(f"make serve: {problem}", file=sys.stderr)
        sys.exit(1 if problems else 0)
    manager.KILL_WAIT = int(os.environ.get("SERVE_STOP_TIMEOUT", "40"))
    metrics_dir_prepare()
    command.main(["start", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
