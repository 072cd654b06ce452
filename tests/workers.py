"""Each pytest-xdist worker gets Redis databases of its own (loaded with `-p tests.workers`).

`make test` runs the suite in two processes (pytest-xdist). PostgreSQL is kept apart by
pytest-django (test_talentdesk_gw0, test_talentdesk_gw1), but both workers would share the
Redis databases of REDIS_URL (the cache every test clears), CELERY_BROKER_URL and
TEST_CELERY_BROKER_URL (the real Celery workers the shutdown tests start and flush). This
plugin is imported before pytest-django reads the settings, and moves worker gwN's databases
up by N * STRIDE in the environment, so the settings and every subprocess a test starts see
the same ones. Without xdist (one process) nothing changes.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis.conf's default `databases`
# Serial layout: 0 cache, 1 broker, 5 test broker; 6-7 CI's stack smoke. gw1 takes 10, 11, 15.
STRIDE = 10
REDIS_SETTINGS = (
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "TEST_CELERY_BROKER_URL",
)
DEFAULT_TEST_BROKER = "redis://127.0.0.1:6379/5"  # tests/config/test_worker_shutdown.py


def worker_number(name: str | None) -> int | None:
    """gw0 -> 0, gw1 -> 1; None outside xdist (or in its controller)."""
    if not name or not name.startswith("gw") or not name[2:].isdigit():
        return None
    return int(name[2:])


def moved(url: str, offset: int) -> str:
    """The Redis URL with its database number moved up by `offset` (a URL with no path is
    database 0). Other URLs (an AMQP broker, an empty string) are returned as they are."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or offset == 0:
        return url
    path = parts.path.strip("/")
    database = int(path) if path.isdigit() else 0
    target = database + offset
    if target >= REDIS_DATABASES:
        raise RuntimeError(
            f"pytest-xdist worker needs Redis database {target}, past the server's "
            f"{REDIS_DATABASES}: run with fewer workers (-n 2)"
        )
    return urlunsplit(parts._replace(path=f"/{target}"))


def isolate(environ: dict[str, str] | os._Environ) -> None:
    number = worker_number(environ.get("PYTEST_XDIST_WORKER"))
    if not number:
        return
    offset = number * STRIDE
    environ.setdefault("TEST_CELERY_BROKER_URL", DEFAULT_TEST_BROKER)
    for name in REDIS_SETTINGS:
        if environ.get(name):
            environ[name] = moved(environ[name], offset)


isolate(os.environ)
