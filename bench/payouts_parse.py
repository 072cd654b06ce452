"""Bank statement parsing: a seeded 100,000-entry CAMT.053 and a 100,000-line MT940.

Each parse runs in a fresh Python process, so the peak memory reported (the child's maximum
resident set size) is the whole truth: interpreter, lxml, the file's bytes and every record.
The import target is 10 s and 300 MB for 100,000 CAMT entries including saving them; parsing
is the part measured here. No database is needed.

    python -m bench payouts_parse            # via the benchmark runner
    python -m bench.payouts_parse [--quick]  # on its own
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.generators.camt053 import generate_file

ROOT = Path(__file__).resolve().parent.parent
CAMT_ENTRIES = 100_000
MT940_LINES = 100_000
SEED = 20240131

# Runs in the child: parse the file one of two ways and report time and peak memory.
_CHILD = """
import json, resource, sys, time
from payouts.parsers import open_statement, parse_statement

path, mode = sys.argv[1], sys.argv[2]
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started, cpu = time.perf_counter(), time.process_time()
with open(path, "rb") as source:
    if mode == "collect":
        result = parse_statement(source, max_bytes=1 << 30)
        count, warnings = len(result.transactions), len(result.warnings)
    else:
        stream = open_statement(source, max_bytes=1 << 30)
        count = sum(1 for record in stream if hasattr(record, "amount"))
        warnings = len(stream.warnings)
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "cpu": time.process_time() - cpu,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "baseline_mb": baseline / 1024,
    "transactions": count,
    "warnings": warnings,
}))
"""


def _measure(path: Path, mode: str) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CHILD, str(path), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"parsing {path.name} failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


def write_mt940(path: Path, lines: int, *, seed: int = SEED) -> int:
    """An MT940 file of about `lines` lines: one statement, entries of three lines each."""
    import random

    rng = random.Random(seed)
    entries = max(1, (lines - 6) // 3)
    total = 0
    day = dt.date(2024, 1, 1)
    with path.open("w", encoding="utf-8", newline="\r\n") as out:
        out.write(":20:BENCH\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C231231EUR0,00\n")
        for number in range(entries):
            cents = rng.randrange(1, 500_000)
            credit = rng.random() < 0.8
            total += cents if credit else -cents
            booked = day + dt.timedelta(days=number % 28)
            out.write(
                f":61:{booked:%y%m%d}{booked:%m%d}{'C' if credit else 'D'}"
                f"{cents // 100},{cents % 100:02d}NTRFNONREF//B{number:09d}\n"
                f":86:166?00GUTSCHRIFT?20EREF+E2E-{number:09d}?21SVWZ+Payout ref P{number:07d}"
                f"\n?30ABNANL2A?31NL91ABNA0417164300?32TikTok Pte. Ltd.\n"
            )
        mark = "C" if total >= 0 else "D"
        out.write(f":62F:{mark}240131EUR{abs(total) // 100},{abs(total) % 100:02d}\n-\n")
    return entries


def run(args: argparse.Namespace) -> list[tuple[str, str]]:
    quick = getattr(args, "quick", False)
    entries = CAMT_ENTRIES // 10 if quick else CAMT_ENTRIES
    mt940_lines = MT940_LINES // 10 if quick else MT940_LINES
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-payouts-") as folder:
        camt = Path(folder) / "statement.xml"
        started = time.perf_counter()
        generate_file(camt, entries, seed=SEED)
        rows.append(
            (
                f"CAMT.053 generated: {entries:,} entries (seed {SEED})",
                f"{camt.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s",
            )
        )
        collected = _measure(camt, "collect")
        streamed = _measure(camt, "stream")
        assert collected["transactions"] == streamed["transactions"] == entries
        rows += [
            (
                "CAMT.053 parse_statement (all records kept): time",
                f"{collected['seconds']:.2f} s ({collected['cpu']:.2f} s CPU)",
            ),
            (
                "CAMT.053 parse_statement: peak memory (whole process)",
                f"{collected['peak_mb']:.0f} MB (interpreter {collected['baseline_mb']:.0f} MB)",
            ),
            (
                "CAMT.053 open_statement (streamed, records dropped): time",
                f"{streamed['seconds']:.2f} s ({streamed['cpu']:.2f} s CPU)",
            ),
            (
                "CAMT.053 open_statement: peak memory (whole process)",
                f"{streamed['peak_mb']:.0f} MB",
            ),
            ("CAMT.053 entries per second", f"{entries / collected['seconds']:,.0f}"),
        ]

        mt940 = Path(folder) / "statement.sta"
        count = write_mt940(mt940, mt940_lines)
        parsed = _measure(mt940, "collect")
        assert parsed["transactions"] == count and parsed["warnings"] == 0
        rows += [
            (
                f"MT940 parse_statement: {mt940_lines:,} lines, {count:,} entries",
                f"{parsed['seconds']:.2f} s, peak {parsed['peak_mb']:.0f} MB",
            ),
        ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payouts_parse")
    parser.add_argument("--quick", action="store_true")
    for label, figure in run(parser.parse_args(argv)):
        print(f"  {label:<58} {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
