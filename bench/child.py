"""Run part of a bench in a fresh Python process against the same database, the way a Celery
worker or a web process would run it: its peak memory (VmHWM) is then its own, and what it
prints last (one JSON line) comes back as a dict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the database Django uses now (in tests: the test database)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


def run_json(args: list[str], *, env: dict[str, str], what: str) -> dict[str, Any]:
    """`python <args>` with `env` on top of this process's environment and DATABASE_URL
    pointing at this database; returns its last output line, parsed as JSON."""
    completed = subprocess.run(  # noqa: S603 - our own interpreter and modules
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "TESTING": "true", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
