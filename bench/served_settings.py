"""Settings of the gunicorn server `bench/served.py` starts: the product's, plus the bench's
floor view (bench/served_urls.py), never part of the product's URLconf.

The server runs as production does (DEBUG and TESTING off) except for two things the bench
needs: static files without a collectstatic manifest (the pages are fetched, not their
assets) and the API throttle raised above what wrk sends (600 requests a minute would
answer 429 after a few seconds; the throttle's cache look-up still runs)."""

from __future__ import annotations

from config.settings import *  # noqa: F403
from config.settings import REST_FRAMEWORK, STORAGES

ROOT_URLCONF = "bench.served_urls"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "10000000/min"}}
