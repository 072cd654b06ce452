"""Reconciliation end to end, through the management commands, scored against an answer key.

`bench/generators/bankfiles.py` writes real files (roster CSV, payout statements CSV, monthly
CAMT.053 files with one month as MT940 in ISO-8859-1, an ECB reference-rate CSV) and the
answer key. The chain runs in-process with `call_command`, as an operator would run it:

  import_roster → import_payout_statement → import_fx_rates → for each bank file in date
  order: import_bank_statement, reconcile → reconcile once more (must change nothing) →
  export_reconciliation --matches

and the export is scored against the key: precision of the confirmed allocations, recall,
proposals left for a person, reversed credits left matched, cent-exactness, and the same per
scenario (what the matching engine needs to be tuned on). Wall time of every step.

Sizes: 2,000 and 100,000 statements (`--quick`: 2,000). `RECONCILE_E2E_SIZES=2000,20000`
overrides. Targets (issue 11): precision ≥ 99.9 %, recall ≥ 99 %, 0 reversed credits left
matched, every allocation cent-exact; a reconciliation of 100k x 100k ≤ 15 s on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SIZES = (2_000, 100_000)
QUICK_SIZES = (2_000,)
SEED = 11
# Used only while `import_fx_rates` does not exist: one USD/EUR rate for the whole period.
FALLBACK_RATES = {"USD/EUR": "0.913"}


@dataclass
class Score:
    key: int = 0
    confirmed: int = 0
    confirmed_right: int = 0
    proposed: int = 0
    proposed_right: int = 0
    reversed_left_confirmed: int = 0
    reversed_left_proposed: int = 0
    not_cent_exact: int = 0
    # scenario → Counter(key, right, waiting, on_its_credits, wrong)
    by_scenario: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    wrong_examples: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.confirmed_right / self.confirmed if self.confirmed else 1.0

    @property
    def recall(self) -> float:
        return self.confirmed_right / self.key if self.key else 1.0


def _csv_rows(path: Path, encoding: str = "utf-8") -> list[dict]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def score(export: Path, key_allocations: Path, key_credits: Path) -> Score:
    """Compare `export_reconciliation --matches` output with the generator's answer key."""
    from core.spreadsheets import spreadsheet_unescape

    key = {
        (r["platform_reference"], r["bank_reference"]): (Decimal(r["amount"]), r["scenario"])
        for r in _csv_rows(key_allocations)
    }
    credits = {r["bank_reference"]: r for r in _csv_rows(key_credits)}
    reversed_refs = {ref for ref, r in credits.items() if r["reversed"] == "true"}
    result = Score(key=len(key))
    for _amount, scenario in key.values():
        result.by_scenario[scenario]["key"] += 1
    for row in _csv_rows(export, "utf-8-sig"):
        ref = spreadsheet_unescape(row["platform_reference"])
        bank_ref = spreadsheet_unescape(row["bank_reference"])
        pair = (ref, bank_ref)
        credit_scenario = credits.get(bank_ref, {}).get("scenario", "(unknown credit)")
        truth = key.get(pair)
        if row["status"] == "proposed":
            result.proposed += 1
            result.reversed_left_proposed += bank_ref in reversed_refs
            if truth:
                result.proposed_right += 1
                result.by_scenario[truth[1]]["waiting"] += 1
            continue
        result.confirmed += 1
        result.by_scenario[credit_scenario]["on_its_credits"] += 1
        result.reversed_left_confirmed += bank_ref in reversed_refs
        if truth:
            result.confirmed_right += 1
            result.by_scenario[truth[1]]["right"] += 1
            if Decimal(row["amount"]) != truth[0]:
                result.not_cent_exact += 1
        else:
            result.by_scenario[credit_scenario]["wrong"] += 1
            if len(result.wrong_examples) < 8:
                result.wrong_examples.append(
                    f"{bank_ref} ({credit_scenario}) → {ref} {row['amount']} by {row['rule']}"
                )
    return result


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.2%}" if whole else "—"


def scenario_table(result: Score) -> list[tuple[str, str]]:
    """One row per scenario: recall among its key allocations, and the precision of the
    confirmed matches on its credits (wrong ones are attributed to the credit's scenario)."""
    rows = [
        (
            "  scenario: key / confirmed right (recall) / waiting in review",
            "on its credits: confirmed / wrong (precision)",
        )
    ]
    for name in sorted(result.by_scenario):
        c = result.by_scenario[name]
        left = (
            f"{c['key']:,} / {c['right']:,} ({_percent(c['right'], c['key'])}) / {c['waiting']:,}"
        )
        right = (
            f"{c['on_its_credits']:,} / {c['wrong']:,} "
            f"({_percent(c['on_its_credits'] - c['wrong'], c['on_its_credits'])})"
        )
        rows.append((f"  {name}: {left}", right))
    return rows


def _run_step(label: str, timings: list[tuple[str, float]], name: str, *args: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    timings.append((label, time.perf_counter() - started))
    return out.getvalue().strip()


def _import_roster(agency, path: Path, timings: list[tuple[str, float]]) -> str:
    from django.core.management import get_commands

    if "import_roster" in get_commands():
        return _run_step(
            "import_roster", timings, "import_roster", "--agency", agency.slug, str(path)
        )
    # Until the command exists: the service the roster import page calls, on the same file.
    from django.conf import settings

    from creators.roster_csv import parse_roster_csv
    from creators.roster_import import roster_import

    started = time.perf_counter()
    parsed = parse_roster_csv(
        path.read_bytes(),
        max_bytes=settings.CSV_IMPORT_MAX_BYTES,
        max_rows=settings.CSV_IMPORT_MAX_ROWS,
    )
    summary = roster_import(agency=agency, actor=None, parsed=parsed, filename=path.name)
    timings.append(
        ("import_roster (no command yet: the page's service)", time.perf_counter() - started)
    )
    return f"{summary.created} created (import_roster does not exist yet: called roster_import)"


def _needs_analyze() -> bool:
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "off"


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("payouts_banktransaction", "payouts_payoutstatement", "payouts_match"):
            cursor.execute(f"ANALYZE {table}")


def run_size(size: int, folder: Path) -> list[tuple[str, str]]:
    from django.core.management import get_commands
    from django.test.utils import override_settings

    from agencies.models import Agency
    from bench.generators.bankfiles import IBAN, generate
    from payouts.models import BankAccount, PayoutSettings

    rows: list[tuple[str, str]] = []
    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    files = generate(folder, size, seed=SEED)
    timings.append(("generate the files", time.perf_counter() - started))
    rows.append(
        (
            f"n={size:,}: statements / bank entries / bank files",
            f"{files.statement_count:,} / {files.entry_count:,} / {len(files.bank_files)}",
        )
    )
    agency = Agency.objects.create(name=f"E2E bench {size}", slug=f"bench-e2e-{size}")
    BankAccount.objects.create(agency=agency, name="Main", iban=IBAN, currency="EUR")
    slug = agency.slug
    notes: list[str] = [_import_roster(agency, files.roster, timings)]
    # The whole statements file in one import (100,000 rows), whatever the upload limits.
    big = files.statements.stat().st_size
    with override_settings(
        CSV_IMPORT_MAX_ROWS=max(files.statement_count + 1, 20_000),
        CSV_IMPORT_MAX_BYTES=max(big + 1, 5 * 1024 * 1024),
        BANK_IMPORT_MAX_BYTES=200 * 1024 * 1024,
    ):
        notes.append(
            _run_step(
                "import_payout_statement",
                timings,
                "import_payout_statement",
                "--agency",
                slug,
                str(files.statements),
            )
        )
        if "import_fx_rates" in get_commands():
            notes.append(
                _run_step("import_fx_rates", timings, "import_fx_rates", str(files.fx_rates))
            )
        else:
            PayoutSettings.objects.update_or_create(
                agency=agency, defaults={"fx_reference_rates": FALLBACK_RATES}
            )
            notes.append(
                "import_fx_rates does not exist yet: skipped; fallback rate "
                f"{FALLBACK_RATES} in PayoutSettings.fx_reference_rates"
            )
        reconcile_total = 0.0
        analyze = _needs_analyze()
        if analyze:
            notes.append(
                "autovacuum is off on this server: ANALYZE after each import, as autoanalyze "
                "would after a change this size"
            )
        for path in files.bank_files:
            notes.append(
                f"{path.name}: "
                + _run_step(
                    f"import_bank_statement {path.name}",
                    timings,
                    "import_bank_statement",
                    "--agency",
                    slug,
                    "--account",
                    IBAN,
                    str(path),
                )
            )
            if analyze:
                _analyze()
            notes.append(
                _run_step(f"reconcile after {path.name}", timings, "reconcile", "--agency", slug)
            )
            reconcile_total += timings[-1][1]
        notes.append(
            "rerun: "
            + _run_step("reconcile again (nothing new)", timings, "reconcile", "--agency", slug)
        )
        export = folder / "matches.csv"
        notes.append(
            _run_step(
                "export_reconciliation --matches",
                timings,
                "export_reconciliation",
                "--agency",
                slug,
                "--matches",
                "--out",
                str(export),
            )
        )
    for note in notes:
        print(f"    {note.splitlines()[0] if note else ''}", flush=True)
    result = score(export, files.key_allocations, files.key_credits)
    rows += [
        (
            f"n={size:,}: precision of confirmed allocations (target ≥ 99.9 %)",
            f"{result.precision:.3%}",
        ),
        (f"n={size:,}: recall (target ≥ 99 %)", f"{result.recall:.3%}"),
        (
            f"n={size:,}: key allocations / confirmed / of which right",
            f"{result.key:,} / {result.confirmed:,} / {result.confirmed_right:,}",
        ),
        (
            f"n={size:,}: proposed (waiting for a person) / of which the true pair",
            f"{result.proposed:,} / {result.proposed_right:,}",
        ),
        (
            f"n={size:,}: reversed credits left matched (target 0): confirmed / proposed",
            f"{result.reversed_left_confirmed:,} / {result.reversed_left_proposed:,}",
        ),
        (
            f"n={size:,}: true pairs confirmed with another amount (target 0)",
            f"{result.not_cent_exact:,}",
        ),
    ]
    rows += [(f"n={size:,}: time: {label}", f"{seconds:.1f} s") for label, seconds in timings]
    rows.append(
        (f"n={size:,}: time: all reconcile runs after the imports", f"{reconcile_total:.1f} s")
    )
    rows += scenario_table(result)
    rows += [("  wrong match", example) for example in result.wrong_examples]
    return rows


def run(args) -> list[tuple[str, str]]:
    from django.db import connection

    sizes = QUICK_SIZES if args.quick else SIZES
    if os.environ.get("RECONCILE_E2E_SIZES"):
        sizes = tuple(int(s) for s in os.environ["RECONCILE_E2E_SIZES"].split(","))
    rows: list[tuple[str, str]] = [("database", connection.vendor)]
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="reconcile-e2e-") as folder:
            rows += run_size(size, Path(folder))
    return rows
