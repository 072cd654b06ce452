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

The floor (PostgreSQL), measured in the same run: a fresh process reads the same file with
lxml's iterparse (every field the import stores, read in one pass over each entry's
elements, a sha256 fingerprint of them) and COPYs the rows into an unlogged table with the
bank transactions' columns and no index, constraint or trigger, as the app role. The import
and its re-import are reported as multiples of it. Imports and floor run as the app role
(NOBYPASSRLS) inside `tenant_transaction`, as the Celery task runs them.
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

# CPU seconds of this process, its finished children and its database backend (the server
# runs on this machine in the bench; None where /proc does not show it).
_CPU = """
def cpu_seconds():
    from django.db import connection
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        server = None
    return [own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime, server]

def cpu_spent(before):
    after = cpu_seconds()
    return [None if b is None or a is None else round(a - b, 2) for a, b in zip(after, before)]
"""

_CHILD = (
    """
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
"""
    + _CPU
    + """
from core.db_scope import tenant_transaction

path, account_id, agency_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with tenant_transaction(agency_id):
    account = BankAccount.objects.get(pk=account_id)
baseline = high_water_mb()
cpu_before = cpu_seconds()
started = time.perf_counter()
# As the Celery task runs it: one transaction scoped to the agency, as the app role.
with tenant_transaction(agency_id), open(path, "rb") as source:
    result = bank_statement_import(account=account, actor=None, data=source, file_name="bench.xml")
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": seconds,
    "cpu": cpu_spent(cpu_before),
    "peak_mb": high_water_mb(),
    "helper_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "baseline_mb": baseline,
    "read": result.transaction_count,
    "new": result.new_count,
}))
"""
)


# The floor: the same file read with iterparse, its rows COPYed into an unlogged table.
_FLOOR = (
    """
import datetime as dt, hashlib, json, os, resource, sys, time
from decimal import Decimal
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.db import connection
from lxml import etree
from core.db_scope import tenant_transaction
"""
    + _CPU
    + """
path, table, account_id, import_id, agency_id = sys.argv[1:6]
NS = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.08}"
COLUMNS = (
    "agency_id, bank_account_id, bank_import_id, created_at, allocated_amount, fingerprint, "
    "occurrence, booking_date, value_date, amount, currency, credit_debit, counterparty_name, "
    "counterparty_iban, remittance_info, end_to_end_id, bank_reference, is_reversal, "
    "transaction_code"
)
strip = len(NS)
cpu_before = cpu_seconds()
started = time.perf_counter()
now = dt.datetime.now(dt.timezone.utc)
fixed = (int(agency_id), int(account_id), int(import_id), now, Decimal(0))
rows = 0
with tenant_transaction(int(agency_id)), connection.cursor() as cursor:
    with cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
        for _event, entry in etree.iterparse(path, events=("end",), tag=NS + "Ntry"):
            # Every element's text by its local name, in one pass (a CAMT entry of this
            # file names each field once; BkTxCd's codes are the Cd/SubFmlyCd after Sts).
            text, codes = {}, []
            for element in entry.iter():
                name = element.tag[strip:]
                text[name] = element.text
                if name in ("Cd", "SubFmlyCd"):
                    codes.append(element.text)
            amount = entry[0]
            values = (
                dt.date.fromisoformat(text["Dt"]),
                dt.date.fromisoformat(text["Dt"]),
                Decimal(amount.text),
                amount.get("Ccy"),
                "credit" if text["CdtDbtInd"] == "CRDT" else "debit",
                text.get("Nm") or "",
                text.get("IBAN") or "",
                text.get("Ustrd") or "",
                text.get("EndToEndId") or "",
                text.get("AcctSvcrRef") or "",
                text.get("RvslInd") == "true",
                "/".join(codes[1:]),
            )
            fingerprint = hashlib.sha256("\\x1f".join(map(str, values)).encode()).digest()
            copy.write_row((*fixed, fingerprint, 1, *values))
            rows += 1
            entry.clear()
            while entry.getprevious() is not None:
                del entry.getparent()[0]
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "cpu": cpu_spent(cpu_before), "rows": rows}))
"""
)


def _in_child(path: Path, account_id: int, agency_id: int) -> dict[str, Any]:
    return run_json(
        ["-c", _CHILD, str(path), str(account_id), str(agency_id)],
        env={"BANK_IMPORT_MAX_BYTES": str(MAX_BYTES), **_app_role()},
        what="the import",
    )


def _app_role() -> dict[str, str]:
    # The children log in as the bench's (owner) login; tenant_transaction switches to this.
    from django.conf import settings

    return {"DATABASE_APP_ROLE": settings.DATABASE_APP_ROLE}


def _floor(path: Path, account, import_id: int) -> dict[str, Any]:
    """Seconds of the floor (see the module docstring), into a fresh unlogged table."""
    from django.conf import settings
    from django.db import connection

    table = "bench_import_floor"
    role = connection.ops.quote_name(settings.DATABASE_APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {table} AS SELECT agency_id, bank_account_id, "  # noqa: S608
            "bank_import_id, created_at, allocated_amount, fingerprint, occurrence, "
            "booking_date, value_date, amount, currency, credit_debit, counterparty_name, "
            "counterparty_iban, remittance_info, end_to_end_id, bank_reference, is_reversal, "
            "transaction_code FROM payouts_banktransaction WITH NO DATA"
        )
        cursor.execute(f"GRANT INSERT ON {table} TO {role}")
    result = run_json(
        ["-c", _FLOOR, str(path), table, str(account.pk), str(import_id), str(account.agency_id)],
        env=_app_role(),
        what="the floor",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own table
        (stored,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {table}")
    if stored != result["rows"]:
        raise RuntimeError(f"the floor stored {stored} rows of {result['rows']}")
    return result


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _in_process(path: Path, account_id: int, agency_id: int) -> dict[str, Any]:
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


def _cpu(result: dict[str, Any]) -> str:
    """ " (CPU: process a s + helper b s + server c s)" where the child could tell."""
    spent = result.get("cpu")
    if not spent:
        return ""
    own, helper, server = spent
    parts = [f"process {own:.2f} s"]
    if helper:
        parts.append(f"helper {helper:.2f} s")
    if server is not None:
        parts.append(f"server {server:.2f} s")
    return f" (CPU: {' + '.join(parts)})"


def run(args) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import override_settings

    from agencies.models import Agency
    from bench.generators.camt053 import generate_file
    from payouts.models import BankAccount, BankImport

    entries = QUICK_ENTRIES if args.quick else ENTRIES
    rows: list[tuple[str, str]] = [("database", connection.vendor)]
    agency = Agency.objects.create(name="Import bench", slug=f"bench-import-{entries}")
    account = BankAccount.objects.create(agency=agency, name="Bench", iban=IBAN, currency="EUR")
    postgresql = connection.vendor == "postgresql"
    measure = _in_child if postgresql else _in_process
    where = "fresh process" if postgresql else "this process, sampled"
    with tempfile.TemporaryDirectory() as tmp:
        path = generate_file(Path(tmp) / "camt053.xml", entries, seed=SEED)
        rows.append(
            (f"CAMT.053 file, {entries:,} entries", f"{path.stat().st_size / 1024 / 1024:.1f} MB")
        )
        floor = None
        if postgresql:
            # A real import row for the floor's rows to name (their table has no constraint).
            placeholder = BankImport.objects.create(
                agency=agency, bank_account=account, file_name="floor", sha256=""
            )
            floor = _floor(path, account, placeholder.pk)
            placeholder.delete()
        with override_settings(BANK_IMPORT_MAX_BYTES=MAX_BYTES):
            first = measure(path, account.pk, agency.pk)
            again = measure(path, account.pk, agency.pk)
        if floor is not None:
            rows.append(
                (
                    "floor: iterparse + COPY into an unlogged table (app role)",
                    f"{floor['seconds']:.2f} s{_cpu(floor)}",
                )
            )
        rows.append(("import: wall time (target ≤ 10 s)", f"{first['seconds']:.2f} s{_cpu(first)}"))
        if floor is not None:
            rows.append(
                ("import / floor (goal ≤ 1.5)", f"{first['seconds'] / floor['seconds']:.2f}x")
            )
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
        rows.append(("same file again: wall time", f"{again['seconds']:.2f} s{_cpu(again)}"))
        if floor is not None:
            rows.append(("same file again / floor", f"{again['seconds'] / floor['seconds']:.2f}x"))
        rows.append(
            ("same file again: peak memory", f"{again['peak_mb']:.0f} MB"),
        )
        rows.append(("same file again: new transactions", f"{again['new']:,}"))
        rows.append(("load average (1 min) after", f"{os.getloadavg()[0]:.1f}"))
    return rows
