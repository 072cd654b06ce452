"""The Prometheus folder of the production processes: `make serve` (config/serve.py) names and
prunes it before honcho starts anything, and gunicorn's hooks (config/gunicorn.conf.py) prune
it when the master starts and mark a worker that ended. The whole stack is checked end to end
by .ci/stack_journey.py (a worker's task figures scraped from a web worker)."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from config import serve

GUNICORN_CONF = Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py"


def ended_pid() -> int:
    """The pid of a process that has already ended."""
    return int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def test_gunicorn_on_starting_removes_the_files_of_ended_processes(tmp_path, monkeypatch):
    # given a folder with an earlier run's file and one of a process still running
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / f"counter_{ended_pid()}.db").write_bytes(b"old")
    (folder / f"histogram_{os.getpid()}.db").write_bytes(b"running")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    hooks = runpy.run_path(str(GUNICORN_CONF))

    # when the master starts
    hooks["on_starting"](SimpleNamespace())

    # then only the running process's file is left
    assert [p.name for p in folder.iterdir()] == [f"histogram_{os.getpid()}.db"]


def test_gunicorn_child_exit_drops_the_live_gauges_of_the_worker_that_ended(tmp_path, monkeypatch):
    folder = tmp_path / "metrics"
    folder.mkdir()
    pid = ended_pid()
    (folder / f"gauge_livesum_{pid}.db").write_bytes(b"live")
    (folder / f"counter_{pid}.db").write_bytes(b"counts stay")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    hooks = runpy.run_path(str(GUNICORN_CONF))

    hooks["child_exit"](SimpleNamespace(), SimpleNamespace(pid=pid))

    assert [p.name for p in folder.iterdir()] == [f"counter_{pid}.db"]


def test_make_serve_names_the_project_folder_when_none_is_set(tmp_path, monkeypatch):
    # Empty counts as unset; setenv (unlike delenv of a missing name) is undone afterwards.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.setattr(serve, "DEFAULT_METRICS_DIR", tmp_path / "var" / "metrics")

    folder = serve.metrics_dir_prepare()

    assert folder == tmp_path / "var" / "metrics"
    assert folder.is_dir()
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)  # what honcho hands on


def test_make_serve_keeps_a_folder_that_is_set_and_prunes_it(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / f"counter_{ended_pid()}.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))

    assert serve.metrics_dir_prepare() == folder
    assert list(folder.iterdir()) == []
