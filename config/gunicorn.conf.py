"""gunicorn settings, read from the environment (README, "Production settings").

    gunicorn -c config/gunicorn.conf.py config.wsgi        # the Procfile's web process

Worker class and counts, by measurement (bench/README.md, "served"): on the roster page at
8 concurrent clients every configuration tried costs the same CPU per request (55-58 ms)
and serves as much within the noise of a shared machine, so the default is the one with the
least memory: gthread, one process per CPU (at least 2) of 4 threads (280 MB against 390 MB
for 3 sync workers and 630 MB for 5). A thread waiting on the database or on a slow client
holds a thread, not a whole process. Put a buffering proxy (nginx, a load balancer) in front
for slow uploads all the same.

SIGTERM is a graceful stop: the master stops accepting, lets every request in flight finish
within `graceful_timeout`, then exits 0 (tests/config/test_gunicorn.py).
"""

from __future__ import annotations

import os

from ops import metrics


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _bool(name: str, default: bool) -> bool:
    return _env(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


CPUS = os.cpu_count() or 1

wsgi_app = "config.wsgi:application"
# honcho (make serve) and most platforms hand the port over in PORT.
bind = _env("GUNICORN_BIND", f"127.0.0.1:{_env('PORT', '8000')}").split(",")
worker_class = _env("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("GUNICORN_WORKERS", max(2, CPUS))
threads = _int("GUNICORN_THREADS", 4)
# A request running longer than this gets its worker restarted (sync/gthread).
timeout = _int("GUNICORN_TIMEOUT", 60)
# SIGTERM: how long requests in flight may take to finish before their worker is killed.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle each worker after this many requests (a leak stays bounded); the jitter keeps the
# workers from restarting all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Import the app once in the master and fork: less memory, a broken deploy fails at start.
preload_app = _bool("GUNICORN_PRELOAD", False)

# Access log off: the app logs one line per request with its request id, agency and user.
# GUNICORN_ACCESS_LOG=- writes gunicorn's own, one JSON object per line, to stdout.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
    '"query": "%(q)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}i)s"}'
)
errorlog = "-"
loglevel = _env("GUNICORN_LOG_LEVEL", "info")
proc_name = "talentdesk"
# Worker heartbeats on a RAM disk when there is one (a container's /tmp may be a slow overlay).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# gunicorn >= 25 opens a control socket in ~/.gunicorn by default; two servers on one
# machine (make serve, the bench, the tests) would share it. Nothing here uses it.
control_socket_disable = True


# Prometheus figures of several processes (PROMETHEUS_MULTIPROC_DIR, README "Operations"):
# before any worker forks, drop the files of processes of an earlier run (they would be added
# to this run's figures); when a worker ends, drop its live gauges (its counts stay).
def on_starting(server) -> None:
    metrics.multiproc_dir_prune()


def child_exit(server, worker) -> None:
    metrics.worker_exited(worker.pid)
