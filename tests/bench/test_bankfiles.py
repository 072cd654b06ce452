"""The bench's file generator: its files parse with the real parsers and its answer key
agrees with them, so a poor reconciliation figure is the engine's, not the generator's."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from bench.generators.bankfiles import generate
from creators.roster_csv import parse_roster_csv
from payouts.parsers import parse_statement
from payouts.reconciliation import normalise_reference


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("bankfiles"), 400, seed=5)


@pytest.fixture(scope="module")
def parsed(files):
    """{bank reference: [(direction, amount, reversal, text, end-to-end id, code)]} of
    every transaction the parsers read from the bank files."""
    found = defaultdict(list)
    for path in files.bank_files:
        result = parse_statement(path.read_bytes())
        assert not [w for w in result.warnings if "balance" in str(w)], path.name
        for t in result.transactions:
            ref = t.bank_reference or t.account_servicer_reference
            found[ref].append(
                (
                    t.direction,
                    t.amount,
                    t.reversal,
                    " ".join(x for x in (t.remittance_info, t.creditor_reference) if x),
                    t.end_to_end_id or "",
                    t.transaction_code or "",
                )
            )
    return found


def rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_same_seed_writes_the_same_files(files, tmp_path):
    again = generate(tmp_path, 400, seed=5)

    for first, second in zip(
        [files.roster, files.statements, files.fx_rates, *files.bank_files, files.key_allocations],
        [again.roster, again.statements, again.fx_rates, *again.bank_files, again.key_allocations],
        strict=True,
    ):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_every_key_allocation_is_a_parsed_credit_of_that_amount(files, parsed):
    statements = {r["platform_reference"]: r for r in rows(files.statements)}
    per_credit = defaultdict(Decimal)

    for row in rows(files.key_allocations):
        assert row["platform_reference"] in statements
        credits = [p for p in parsed[row["bank_reference"]] if p[0] == "credit"]
        assert credits, row
        amount = Decimal(row["amount"])
        # a CAMT batch (Btch) is split into one transaction per statement
        assert amount in {c[1] for c in credits} or sum(c[1] for c in credits) >= amount
        per_credit[row["bank_reference"]] += amount

    for ref, total in per_credit.items():
        assert total == sum({c[1] for c in parsed[ref]}), ref  # cent-exact, never more


def test_named_references_survive_parsing(files, parsed):
    for row in rows(files.key_allocations):
        scenario = row["scenario"]
        if not scenario.startswith(("exact/", "fee", "split", "end_to_end")):
            continue
        # (a set: the bank resends some entries at the start of the next file)
        ((_d, _a, _r, text, e2e, _c),) = {
            p for p in parsed[row["bank_reference"]] if p[0] == "credit"
        }
        wanted = normalise_reference(row["platform_reference"])
        assert wanted in normalise_reference(text + e2e), (scenario, text, e2e)


def test_reversals_come_in_every_form_and_are_never_in_the_key(files, parsed):
    credits = rows(files.key_credits)
    reversed_refs = {c["bank_reference"] for c in credits if c["reversed"] == "true"}
    debits = [c for c in credits if c["scenario"].startswith("reversed/")]
    key_refs = {r["bank_reference"] for r in rows(files.key_allocations)}

    assert reversed_refs and not reversed_refs & key_refs
    forms = {c["scenario"].split("/")[1] for c in debits}
    timing = {c["scenario"].split("/")[2] for c in debits}
    assert forms == {"rvslind", "return_code", "return_word"}
    assert timing == {"same_file", "later_file"}
    for c in debits:
        if not c["scenario"].endswith("/debit"):
            continue
        ((direction, _a, reversal, _t, e2e, code),) = set(parsed[c["bank_reference"]])
        assert direction == "debit"
        if "/return_code/" in c["scenario"]:
            assert not e2e and not reversal
            assert "RRTN" in code or code.startswith("NRTI")


def test_every_scenario_is_present_and_files_use_both_formats(files):
    statements = Counter(r["scenario"] for r in rows(files.key_allocations))
    credits = Counter(c["scenario"].split("/")[0] for c in rows(files.key_credits))

    for scenario in ("end_to_end", "truncated", "truncated_shared", "missing", "fee", "split"):
        assert statements[scenario], scenario
    for prefix in ("exact/", "fx/", "batched/", "reversed/"):
        assert any(s.startswith(prefix) for s in statements), prefix
    for kind in ("sponsor_twin", "duplicate", "bank_debit", "creator_payment"):
        assert credits[kind], kind
    suffixes = {p.suffix for p in files.bank_files}
    assert suffixes == {".xml", ".sta"}
    assert b"\xfc" in next(p for p in files.bank_files if p.suffix == ".sta").read_bytes()


def test_the_roster_and_rate_files_are_what_the_imports_read(files):
    roster = parse_roster_csv(files.roster.read_bytes(), max_bytes=10**8, max_rows=10**6)
    assert not roster.errors
    header, first = files.fx_rates.read_text().splitlines()[:2]
    assert header.startswith("Date,USD,") and first.endswith(",")
