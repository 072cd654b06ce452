"""First start: `manage.py migrate` on an empty database, then `seed_demo`, as `make run` runs
them (DEBUG on, TESTING off), each in its own process, three times (median).

On SQLite each round gets a new database file in a temporary folder; on PostgreSQL a new
database beside the bench's own (`<test database>_first_start`, made and dropped by the
bench's owner login), migrated by the owner role (DATABASE_OWNER_URL) and seeded by the app
role, as in production. Figures: wall time and the CPU time of the process (user + system),
which moves less than the wall time on a shared machine. `migrate --skip-checks` leaves out
Django's system checks (importing every URL configuration and view); the test suite's and
the bench's own migrate (`call_command`) skip them too.

`manage.py check` is timed beside the same command in a bare project (`django-admin
startproject`, same interpreter, its default SQLite settings), alternating, for the ratio the
start-up work is judged by: what importing the project and its every URL and view costs over
Django itself.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROUNDS = 3
ROOT = Path(__file__).resolve().parent.parent


def _timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - this interpreter running manage.py
        [sys.executable, "manage.py", *command],
        cwd=cwd,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _environment(**database) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DATABASE_OWNER_URL")}
    env.update(DEBUG="true", **database)
    return env


def run(args) -> list[tuple[str, str]]:
    from django.db import connection

    postgresql = connection.vendor == "postgresql"
    migrate = ["migrate", "--no-input", "-v", "0"]
    scenarios = {
        "migrate, empty database": migrate,
        "migrate --skip-checks, empty database": [*migrate, "--skip-checks"],
    }
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in [*scenarios, "seed_demo"]}
    for _ in range(ROUNDS):
        for label, command in scenarios.items():
            with tempfile.TemporaryDirectory() as folder:
                if postgresql:
                    name = f"{connection.settings_dict['NAME']}_first_start"
                    with connection.cursor() as cursor:
                        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                        cursor.execute(f'CREATE DATABASE "{name}"')
                    app = _with_database(os.environ["DATABASE_URL"], name)
                    owner = os.environ.get("DATABASE_OWNER_URL")
                    migrate_env = _environment(
                        DATABASE_URL=app,
                        **({"DATABASE_OWNER_URL": _with_database(owner, name)} if owner else {}),
                    )
                    seed_env = _environment(DATABASE_URL=app)
                else:
                    url = f"sqlite:///{folder}/first_start.sqlite3"
                    migrate_env = seed_env = _environment(DATABASE_URL=url)
                try:
                    times[label].append(_timed(command, migrate_env))
                    if label == "migrate, empty database":
                        times["seed_demo"].append(_timed(["seed_demo"], seed_env))
                finally:
                    if postgresql:
                        with connection.cursor() as cursor:
                            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    times.update(_checks())
    rows = [("database", connection.vendor), ("rounds (median)", str(ROUNDS))]
    for label, measured in times.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        rows.append((label, f"{wall:.2f} s wall, {cpu:.2f} s CPU"))
    ours, bare = (
        statistics.median(c for _, c in times[label]) for label in ("check", "check, bare project")
    )
    rows.append(("check: ours / bare project (CPU)", f"{ours / bare:.2f}x"))
    return rows


def _checks() -> dict[str, list[tuple[float, float]]]:
    """`manage.py check` here and in a bare project, alternating (ROUNDS + 2, median)."""
    times: dict[str, list[tuple[float, float]]] = {"check": [], "check, bare project": []}
    env = _environment(DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:///:memory:"))
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder)
        subprocess.run(  # noqa: S603 - this interpreter's django-admin
            [sys.executable, "-m", "django", "startproject", "bare", str(bare)],
            check=True,
            env={k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"},
        )
        bare_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
        for _ in range(ROUNDS + 2):
            times["check"].append(_timed(["check"], env))
            times["check, bare project"].append(_timed(["check"], bare_env, cwd=bare))
    return times
