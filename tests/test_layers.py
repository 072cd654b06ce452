"""The layers of DESIGN.md hold (`.importlinter`, checked by import-linter), and the check
notices an upward import planted in a copy of the project."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def root_packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config["importlinter"]["root_packages"].split()


def lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own venv's lint-imports on our own files
        [str(LINT), "--config", str(where / ".importlinter"), "--no-cache"],
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_code_keeps_its_layers():
    result = lint(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    # given a copy of the project where core (the bottom layer) imports payouts
    for package in root_packages():
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    (tmp_path / "core" / "planted.py").write_text("from payouts.models import Match\n")

    # when the contract is checked
    result = lint(tmp_path)

    # then it fails, naming the import
    assert result.returncode != 0
    assert "core.planted -> payouts.models" in result.stdout


def test_every_app_of_ours_has_a_layer():
    from django.apps import apps

    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT  # not the libraries in .venv
    }

    assert ours <= set(root_packages())
