"""`make bench`: run every benchmark and print its figures.

Each benchmark is a module in bench/ with `run(args) -> list[tuple[str, str]]` returning
(label, figure) rows; data come from the module's own seeded generator, so runs are
reproducible. `python -m bench roster` runs one.

The benchmarks run against the configured database (SQLite by default, PostgreSQL when
DATABASE_URL is set) in a throw-away test database, never the development one.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

BENCHES = [
    "roster",
    "insights",
    "campaigns",
    "moderation",
    "platforms_sync",
    "payouts_parse",
    "payouts_import",
    "statements_import",
    "reconcile",
    "reconcile_e2e",
    "reports",
    "served",
    "rls",
    "first_start",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=BENCHES, help="benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="smaller data, for a smoke run")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TESTING", "true")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.db import connection

    from core.db_scope import owner_credentials

    # Like the test suite: log in as the tables' owner when there is one (DATABASE_OWNER_URL);
    # the measured requests and tasks run as the app role (core/db_scope.py).
    if connection.vendor == "postgresql":
        connection.settings_dict.update(owner_credentials())
    # A throw-away database, like the test suite's.
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        for name in args.names:
            module = importlib.import_module(f"bench.{name}")
            started = time.perf_counter()
            print(f"\n== {name} ==", flush=True)
            for label, figure in module.run(args):
                print(f"  {label:<58} {figure}", flush=True)
            print(f"  {'(benchmark wall time)':<58} {time.perf_counter() - started:.1f} s")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
