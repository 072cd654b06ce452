"""Bank statement import: a seeded 100,000-entry CAMT.053 through the real import service.

`payouts.bank_import.bank_statement_import` parses the file as a stream, fingerprints every
entry, looks up what is already stored and inserts the rest in batches, all in one
transaction. Measured: the wall time and the peak memory of one import (target ≤ 10 s and
≤ 300 MB), then of importing the same file again (everything already there: nothing added).

On PostgreSQL each import runs in a fresh Python process against the benchmark's database,
so the peak memory reported (the child's high-water resident set size) is the whole
truth: interpreter, Django, lxml, the records and the rows. A large file is parsed by a
helper process forked from the importer; its own peak is reported beside. The in-memory
SQLite test database is not reachable from another process, so there the import runs in
this process and the peak is sampled from /proc while it runs (reported next to the
process's size before it started; the helper is not included).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.child import run_json

ENTRIES = 100_000
QUICK_ENTRIES = 5_000
SEED = 20240229
IBAN = "NL55INGB0000000001"
# A 100,000-entry CAMT.053 is about 67 MB, within the default upload limit of 100 MB; set
# explicitly so a smaller BANK_IMPORT_MAX_BYTES in the environment cannot fail the bench.
MAX_BYTES = 200 * 1024 * 1024

_CHILD = """
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from payouts.bank_import import bank_statement_import
from payouts.models import BankAccount

def high_water_mb():
    # VmHWM starts afresh with this program; ru_maxrss would carry the launcher's (Linux
    # keeps it across exec).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

path, account_id = sys.argv[1], int(sys.argv[2])
account = BankAccount.objects.get(pk=account_id)
baseline = high_water_mb()
started = time.perf_counter()
with open(path, "rb") as source:
    result = bank_statement_import(account=account, actor=None, data=source, file_name="bench.xml")
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "peak_mb": high_water_mb(),
    "helper_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "baseline_mb": baseline,
    "read": result.transaction_count,
    "new": result.new_count,
}))
"""


def _in_child(path: Path, account_id: int) -> dict[str, Any]:
    return run_json(
        ["-c", _CHILD, str(path), str(account_id)],
        env={"BANK_IMPORT_MAX_BYTES": str(MAX_BYTES)},
        what="the import",
    )


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _in_process(path: Path, account_id: int) -> dict[str, Any]:
    from payouts.bank_import import bank_statement_import
    from payouts.models import BankAccount

    account = BankAccount.objects.get(pk=account_id)
    baseline = _rss_mb()
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.005):
            peak = max(peak, _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        with path.open("rb") as source:
            result = bank_statement_import(
                account=account, actor=None, data=source, file_name="bench.xml"
            )
    finally:
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    return {
        "seconds": seconds,
        "peak_mb": max(peak, _rss_mb()),
        "baseline_mb": baseline,
        "read": result.transaction_count,
        "new": result.new_count,
    }


def run(args) -> list[tuple[str, str]]:
    from django.db import connection

    from agencies.models import Agency
    from bench.generators.camt053 import generate_file
    from payouts.models import BankAccount

    entries = QUICK_ENTRIES if args.quick else ENTRIES
    rows: list[tuple[str, str]] = [("database", connection.vendor)]
    agency = Agency.objects.create(name="Import bench", slug=f"bench-import-{entries}")
    account = BankAccount.objects.create(agency=agency, name="Bench", iban=IBAN, currency="EUR")
    from django.test import override_settings

    measure = _in_child if connection.vendor == "postgresql" else _in_process
    where = "fresh process" if measure is _in_child else "this process, sampled"
    with tempfile.TemporaryDirectory() as tmp:
        path = generate_file(Path(tmp) / "camt053.xml", entries, seed=SEED)
        rows.append(
            (f"CAMT.053 file, {entries:,} entries", f"{path.stat().st_size / 1024 / 1024:.1f} MB")
        )
        with override_settings(BANK_IMPORT_MAX_BYTES=MAX_BYTES):
            first = measure(path, account.pk)
            again = measure(path, account.pk)
        rows.append(("import: wall time (target ≤ 10 s)", f"{first['seconds']:.2f} s"))
        rows.append(
            (
                f"import: peak memory ({where}; target ≤ 300 MB)",
                f"{first['peak_mb']:.0f} MB (before: {first['baseline_mb']:.0f} MB)",
            )
        )
        if first.get("helper_mb"):
            # Forked from the importer: its pages are shared with it until either writes.
            rows.append(
                ("import: peak memory of the parsing helper", f"{first['helper_mb']:.0f} MB")
            )
        rows.append(("transactions read / new", f"{first['read']:,} / {first['new']:,}"))
        rows.append(("same file again: wall time", f"{again['seconds']:.2f} s"))
        rows.append(
            ("same file again: peak memory", f"{again['peak_mb']:.0f} MB"),
        )
        rows.append(("same file again: new transactions", f"{again['new']:,}"))
    return rows
