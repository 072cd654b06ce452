"""What `django.setup()` leaves behind in a new process (core/apps.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_loaded_models_and_modules_are_frozen_out_of_the_collectors_scans():
    code = (
        "import gc, django; before = gc.get_freeze_count(); django.setup(); "
        "from django.apps import apps; "
        "frozen = gc.get_freeze_count(); young = sum(len(gc.get_objects(g)) for g in range(3)); "
        "print(before, frozen > 20_000, frozen > 10 * young, len(apps.get_models()) > 50)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["0", "True", "True", "True"]
