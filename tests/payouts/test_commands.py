"""The batch commands: each prints a summary, or exits non-zero with a one-line reason and
writes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from openpyxl import load_workbook

from agencies.models import AuditLog
from bench.generators.camt053 import random_transactions, write_camt053
from payouts.models import BankImport, BankTransaction, Match, PayoutStatement, ReconciliationRun
from payouts.reconciliation import match_reject
from tests.factories import CreatorFactory, SocialAccountFactory

from .builders import account, credit, statement

pytestmark = pytest.mark.django_db
IBAN = "NL55INGB0000000001"
HEADER = (
    "platform_reference,creator_handle,source,period_start,period_end,currency,"
    "estimated_amount,settled_amount,status,settled_date\n"
)
GOOD_ROW = (
    "TT-1,@anna,creativity_program,2025-01-01,2025-01-31,EUR,100.00,98.50,settled,2025-02-05\n"
)


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(name: str, *args: str) -> str:
    """The command's reason for refusing; it must be one line with a non-zero exit code."""
    with pytest.raises(CommandError) as exc:
        run(name, *args)
    message = str(exc.value)
    assert message and "\n" not in message
    assert exc.value.returncode != 0
    return message


def camt_file(tmp_path, count=5, seed=1, name="statement.xml", iban=IBAN):
    out = io.BytesIO()
    write_camt053(out, list(random_transactions(count, seed=seed)), account_iban=iban)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def test_the_real_entry_point_exits_1_with_the_reason_on_one_line(agency, capsys, monkeypatch):
    # run_from_argv is what `manage.py` calls; it closes connections at the end, which
    # would end the test's transaction, so keep them open.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    command = load_command_class("payouts", "reconcile")

    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "reconcile", "--agency", "nope"])

    assert exit_.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err == "CommandError: No agency with slug 'nope'."


# --- reconcile ------------------------------------------------------------------------------


def test_reconcile_matches_and_prints_the_summary(agency):
    statement(agency, "TT-1", "120.00")
    statement(agency, "TT-2", "50.00")
    credit(agency, "120.00", remittance="TT-1")
    credit(agency, "75.00", remittance="something else")

    out = run("reconcile", "--agency", agency.slug)

    assert "1 matched, 0 ambiguous" in out and "1 unmatched" in out
    assert "Open statements: 50.00 EUR" in out
    assert "Open credits: 75.00 EUR" in out
    run_ = ReconciliationRun.objects.get(agency=agency)
    assert (run_.status, run_.matched_count) == ("completed", 1)
    assert AuditLog.objects.filter(agency=agency, action="reconciliation.complete").exists()


def test_reconcile_refuses_an_unknown_agency(agency):
    assert refused("reconcile", "--agency", "nope") == "No agency with slug 'nope'."
    assert not ReconciliationRun.objects.exists()


# --- import_bank_statement ------------------------------------------------------------------


def test_import_bank_statement_imports_and_prints_the_summary(agency, tmp_path):
    account(agency, iban=IBAN)
    path = camt_file(tmp_path)

    out = run("import_bank_statement", "--agency", agency.slug, "--account", IBAN, str(path))
    again = run("import_bank_statement", "--agency", agency.slug, "--account", IBAN, str(path))

    assert out.strip() == "camt053: 5 transactions, 5 new, 0 already imported."
    assert again.strip() == "camt053: 5 transactions, 0 new, 5 already imported."
    assert BankTransaction.objects.filter(agency=agency).count() == 5


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("agency", "No agency with slug 'nope'."),
        ("account", "The agency has no bank account NL91ABNA0417164300."),
        ("file", "No such file: "),
        ("malformed", "Line 3: the XML is not well-formed"),
        (
            "bad_amount",
            "Element /Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt (line 5): invalid amount",
        ),
        ("other_account", "The file is for account NL55INGB0000000001, not "),
        ("not_a_statement", "The file is not CAMT.053, MT940 or OFX; to import a CSV"),
    ],
)
def test_import_bank_statement_refuses_bad_input_and_writes_nothing(
    agency, tmp_path, problem, reason
):
    account(agency, iban=IBAN)
    other = account(agency, iban="DE89370400440532013000")
    path = camt_file(tmp_path)
    args = {"agency": agency.slug, "account": IBAN, "file": str(path)}
    if problem == "agency":
        args["agency"] = "nope"
    elif problem == "account":
        args["account"] = "NL91 ABNA 0417 1643 00"
    elif problem == "file":
        args["file"] = str(tmp_path / "missing.xml")
    elif problem == "malformed":
        path.write_bytes(path.read_bytes().replace(b"</Amt>", b"</Amount>", 3))
    elif problem == "bad_amount":
        lines = path.read_bytes().split(b"\n")
        lines[4] = re.sub(rb"(<Ntry><Amt [^>]*>)[^<]*", rb"\g<1>12,34", lines[4])
        path.write_bytes(b"\n".join(lines))
    elif problem == "other_account":
        args["account"] = other.iban
    elif problem == "not_a_statement":
        path.write_bytes(b"hello, world\n")

    message = refused(
        "import_bank_statement",
        "--agency",
        args["agency"],
        "--account",
        args["account"],
        args["file"],
    )

    assert message.startswith(reason)
    assert not BankTransaction.objects.exists() and not BankImport.objects.exists()


# --- import_payout_statement ----------------------------------------------------------------


@pytest.fixture
def anna(agency):
    creator = CreatorFactory(agency=agency, display_name="Anna")
    SocialAccountFactory(creator=creator, agency=agency, handle="anna")
    return creator


def test_import_payout_statement_imports_and_prints_the_summary(agency, anna, tmp_path):
    path = tmp_path / "statements.csv"
    path.write_text(HEADER + GOOD_ROW)

    out = run("import_payout_statement", "--agency", agency.slug, str(path))
    again = run("import_payout_statement", "--agency", agency.slug, str(path))

    assert out.strip() == "1 created, 0 updated, 0 unchanged."
    assert again.strip() == "0 created, 0 updated, 1 unchanged."
    assert PayoutStatement.objects.get().settled_amount == Decimal("98.50")


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("agency", "No agency with slug 'nope'."),
        ("file", "No such file: "),
        ("malformed", "2 problem(s), nothing imported; first: Line 3, column currency"),
    ],
)
def test_import_payout_statement_refuses_bad_input_and_writes_nothing(
    agency, anna, tmp_path, problem, reason
):
    path = tmp_path / "statements.csv"
    bad = GOOD_ROW.replace("TT-1", "TT-2").replace(",EUR,", ",EURO,").replace("98.50", "x")
    path.write_text(HEADER + GOOD_ROW + bad)
    slug, file = agency.slug, str(path)
    if problem == "agency":
        slug = "nope"
    elif problem == "file":
        file = str(tmp_path / "missing.csv")

    message = refused("import_payout_statement", "--agency", slug, file)

    assert message.startswith(reason)
    assert not PayoutStatement.objects.exists()


# --- export_reconciliation ------------------------------------------------------------------


@pytest.fixture
def matched(agency, finance):
    statement(agency, "=TT-1", "100.00")
    credit(agency, "100.00", remittance="=TT-1")
    run("reconcile", "--agency", agency.slug)
    assert Match.objects.filter(status="confirmed").count() == 1


def test_export_reconciliation_writes_a_formula_safe_csv(agency, matched, tmp_path):
    out_file = tmp_path / "report.csv"

    out = run("export_reconciliation", "--agency", agency.slug, "--out", str(out_file))

    assert out.strip() == f"Wrote 1 statements to {out_file}."
    header, row = list(csv.reader(io.StringIO(out_file.read_text("utf-8-sig"), newline="")))
    values = dict(zip(header, row, strict=True))
    assert values["statement_reference"] == "'=TT-1"
    assert (values["rule"], values["status"]) == ("reference", "reconciled")
    assert list(tmp_path.iterdir()) == [out_file]  # no temporary file left behind


def test_export_reconciliation_writes_xlsx_for_the_period(agency, matched, tmp_path):
    out_file = tmp_path / "report.xlsx"

    out = run(
        "export_reconciliation",
        "--agency",
        agency.slug,
        "--out",
        str(out_file),
        "--from",
        "2025-01-15",
        "--to",
        "2025-01-20",
    )
    empty = tmp_path / "empty.xlsx"
    run(
        "export_reconciliation",
        "--agency",
        agency.slug,
        "--out",
        str(empty),
        "--from",
        "2026-01-01",
    )

    assert out.strip() == f"Wrote 1 statements to {out_file}."
    cell = load_workbook(out_file).active["A2"]
    assert (cell.value, cell.data_type) == ("=TT-1", "s")
    assert load_workbook(empty).active.max_row == 1


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--agency", "nope"], "No agency with slug 'nope'."),
        (["--out", "{tmp}/report.pdf"], "--out must end in .csv or .xlsx."),
        (["--out", "{tmp}/missing/report.csv"], "No such directory: "),
        (["--from", "2025-02-30"], "--from must be a date like 2025-01-31, not '2025-02-30'."),
        (["--from", "2025-03-01", "--to", "2025-02-01"], "--from must not be after --to."),
    ],
)
def test_export_reconciliation_refuses_bad_input_and_writes_nothing(
    agency, matched, tmp_path, args, reason
):
    options = {"--agency": agency.slug, "--out": f"{tmp_path}/report.csv"}
    extra = [a.replace("{tmp}", str(tmp_path)) for a in args]
    for key, value in zip(extra[::2], extra[1::2], strict=True):
        options[key] = value
    argv = [part for pair in options.items() for part in pair]

    message = refused("export_reconciliation", *argv)

    assert message.startswith(reason)
    assert list(tmp_path.iterdir()) == []


# --- export_reconciliation --matches --------------------------------------------------------


@pytest.fixture
def allocations(agency, finance, other_agency):
    """One confirmed, one proposed (two candidates), one rejected and one reversed match, and
    a confirmed match of another agency."""
    # given a confirmed match by reference
    statement(agency, "=TT-1", "100.00")
    confirmed = credit(agency, "100.00", remittance="=TT-1")
    # two statements of 40.00 and one unreferenced credit of 40.00: proposed to both
    statement(agency, "TT-2", "40.00")
    statement(agency, "TT-3", "40.00")
    waiting = credit(agency, "40.00", remittance="payout")
    # a match that was undone because the bank took the money back
    statement(agency, "TT-4", "70.00")
    gone = credit(agency, "70.00", remittance="TT-4", end_to_end_id="E2E-4")
    statement(other_agency, "TT-9", "10.00")
    credit(other_agency, "10.00", remittance="TT-9")
    for txn, ref in ((confirmed, "ASR-1"), (waiting, "ASR-2"), (gone, "ASR-4")):
        BankTransaction.objects.filter(pk=txn.pk).update(bank_reference=ref)
    run("reconcile", "--agency", agency.slug)
    run("reconcile", "--agency", other_agency.slug)
    credit(
        agency,
        "70.00",
        debit=True,
        reversal=True,
        end_to_end_id="E2E-4",
        booking_date=dt.date(2025, 2, 5),
    )
    run("reconcile", "--agency", agency.slug)
    rejected = Match.objects.filter(agency=agency, status="proposed").order_by("pk").last()
    match_reject(match=rejected, actor=finance)
    assert set(Match.objects.filter(agency=agency).values_list("status", flat=True)) == {
        "confirmed",
        "proposed",
        "rejected",
        "reversed",
    }


def test_export_matches_writes_one_row_per_live_allocation(agency, allocations, tmp_path):
    out_file = tmp_path / "matches.csv"

    out = run("export_reconciliation", "--agency", agency.slug, "--matches", "--out", str(out_file))

    assert out.strip() == f"Wrote 2 allocations to {out_file}."
    reader = csv.reader(io.StringIO(out_file.read_text("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert header == [
        "platform_reference",
        "bank_reference",
        "amount",
        "currency",
        "rule",
        "status",
    ]
    assert rows == [
        ["'=TT-1", "ASR-1", "100.00", "EUR", "reference", "confirmed"],
        ["TT-2", "ASR-2", "40.00", "EUR", "amount_date", "proposed"],
    ]
    assert list(tmp_path.iterdir()) == [out_file]


def test_export_matches_writes_xlsx_by_booking_date(agency, allocations, tmp_path):
    out_file = tmp_path / "matches.xlsx"
    later = tmp_path / "later.xlsx"

    out = run(
        "export_reconciliation",
        *("--agency", agency.slug, "--matches", "--out", str(out_file)),
        *("--from", "2025-02-03", "--to", "2025-02-03"),
    )
    run(
        "export_reconciliation",
        *("--agency", agency.slug, "--matches", "--out", str(later), "--from", "2025-02-04"),
    )

    assert out.strip() == f"Wrote 2 allocations to {out_file}."
    sheet = load_workbook(out_file).active
    assert [c.value for c in sheet[1]] == [
        "platform_reference",
        "bank_reference",
        "amount",
        "currency",
        "rule",
        "status",
    ]
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == ("=TT-1", "s")
    assert sheet["C2"].value == 100
    assert load_workbook(later).active.max_row == 1


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--agency", "nope"], "No agency with slug 'nope'."),
        (["--out", "{tmp}/matches.txt"], "--out must end in .csv or .xlsx."),
        (["--to", "31-01-2025"], "--to must be a date like 2025-01-31, not '31-01-2025'."),
    ],
)
def test_export_matches_refuses_bad_input_and_writes_nothing(
    agency, allocations, tmp_path, args, reason
):
    options = {"--agency": agency.slug, "--out": f"{tmp_path}/matches.csv"}
    extra = [a.replace("{tmp}", str(tmp_path)) for a in args]
    for key, value in zip(extra[::2], extra[1::2], strict=True):
        options[key] = value
    argv = [part for pair in options.items() for part in pair]

    message = refused("export_reconciliation", "--matches", *argv)

    assert message.startswith(reason)
    assert list(tmp_path.iterdir()) == []
