"""WeasyPrint is loaded by workers, never by web processes (reports/services.py, tasks.py).

Each check runs in a new interpreter: this test process has long since imported everything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import sys, django; django.setup(); "


def _run(code: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", SETUP + code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_a_web_process_serves_every_url_without_loading_weasyprint():
    # The URL check imports every URLconf and every view, as `manage.py check` and a web
    # worker's first requests do.
    loaded = _run(
        "import config.wsgi; from django.core.checks.urls import check_url_config; "
        "assert not check_url_config(None); print('weasyprint' in sys.modules)"
    )
    assert loaded == "False"


def test_a_worker_loads_weasyprint_before_forking_its_pool():
    loaded = _run(
        "from config.celery import app; from celery.signals import worker_init; "
        "app.loader.import_default_modules(); before = 'weasyprint' in sys.modules; "
        "worker_init.send(sender=None); print(before, 'weasyprint' in sys.modules)"
    )
    assert loaded == "False True"
