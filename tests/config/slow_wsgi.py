"""The project's WSGI app with one slow path in front, for the graceful-stop tests.

`/slow?<seconds>` creates the file named by SLOW_REQUEST_STARTED (so the test knows the
request is in flight), sleeps, then lets the app answer it as `/healthz`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from config.wsgi import application as django_application


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/slow":
        Path(os.environ["SLOW_REQUEST_STARTED"]).touch()
        time.sleep(float(environ.get("QUERY_STRING") or 1))
        environ = {**environ, "PATH_INFO": "/healthz", "QUERY_STRING": ""}
    return django_application(environ, start_response)
