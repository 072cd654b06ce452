"""Bank statement import: persisted atomically, re-imports never duplicate, twins both stay."""

from __future__ import annotations

import io

import pytest

from agencies.models import AuditLog
from bench.generators.camt053 import random_transactions, write_camt053
from payouts.bank_import import BankImportError, bank_statement_import
from payouts.models import BankImport, BankTransaction
from payouts.parsers.errors import StatementParseError

from .builders import account

pytestmark = pytest.mark.django_db
IBAN = "NL55INGB0000000001"


def camt(transactions, iban=IBAN) -> bytes:
    out = io.BytesIO()
    write_camt053(out, list(transactions), account_iban=iban)
    return out.getvalue()


def test_a_camt_file_is_imported_and_audited(agency, finance):
    data = camt(random_transactions(25, seed=1))
    result = bank_statement_import(
        account=account(agency, iban=IBAN), actor=finance, data=data, file_name="jan.xml"
    )
    assert (result.format, result.transaction_count, result.new_count) == ("camt053", 25, 25)
    assert BankTransaction.objects.filter(agency=agency).count() == 25
    assert AuditLog.objects.filter(action="bank_import.create", actor=finance).count() == 1


def test_the_same_or_an_overlapping_file_adds_nothing_twice(agency, finance):
    planned = list(random_transactions(30, seed=2))
    acct = account(agency, iban=IBAN)
    bank_statement_import(account=acct, actor=finance, data=camt(planned[:20]), file_name="a")
    again = bank_statement_import(
        account=acct, actor=finance, data=camt(planned[:20]), file_name="a"
    )
    overlap = bank_statement_import(
        account=acct, actor=finance, data=camt(planned[10:]), file_name="b"
    )
    assert (again.new_count, again.duplicate_count) == (0, 20)
    assert (overlap.new_count, overlap.duplicate_count) == (10, 10)
    assert BankTransaction.objects.count() == 30


def test_two_identical_transactions_on_one_day_both_stay(agency, finance):
    one = next(iter(random_transactions(1, seed=3)))
    acct = account(agency, iban=IBAN)
    bank_statement_import(account=acct, actor=finance, data=camt([one, one]), file_name="x")
    assert sorted(BankTransaction.objects.values_list("occurrence", flat=True)) == [1, 2]
    bank_statement_import(account=acct, actor=finance, data=camt([one, one]), file_name="x")
    assert BankTransaction.objects.count() == 2


def test_a_malformed_file_writes_nothing_and_names_the_element(agency, finance):
    data = camt(random_transactions(5, seed=4)).replace(b"</Amt>", b"</Amount>", 1)
    with pytest.raises(StatementParseError) as exc:
        bank_statement_import(
            account=account(agency, iban=IBAN), actor=finance, data=data, file_name="x"
        )
    assert "line" in str(exc.value).lower() or "element" in str(exc.value).lower()
    assert not BankTransaction.objects.exists() and not BankImport.objects.exists()


def test_a_file_for_another_account_is_refused(agency, finance):
    data = camt(random_transactions(3, seed=5))
    with pytest.raises(BankImportError):
        bank_statement_import(
            account=account(agency, iban="NL91ABNA0417164300"),
            actor=finance,
            data=data,
            file_name="x",
        )
    assert not BankTransaction.objects.exists()


# --- Large files: parsed by a helper process --------------------------------------------------


@pytest.fixture
def parse_ahead(monkeypatch):
    """Every file counts as large: parsed by a forked helper while this process saves."""
    import payouts.bank_import as bank_import

    if not bank_import._CAN_FORK:
        pytest.skip("fork is not available on this platform")
    monkeypatch.setattr(bank_import, "PARSE_AHEAD_BYTES", 0)


def stored(agency):
    return sorted(
        BankTransaction.objects.filter(agency=agency).values_list(
            "booking_date", "amount", "credit_debit", "remittance_info", "fingerprint", "occurrence"
        )
    )


def test_a_large_file_parsed_ahead_is_stored_exactly_like_a_small_one(
    agency, other_agency, finance, parse_ahead, monkeypatch
):
    import multiprocessing

    import payouts.bank_import as bank_import

    planned = list(random_transactions(4500, seed=6))
    data = camt(planned + planned[:3])  # three twins too
    ahead = bank_statement_import(
        account=account(agency, iban=IBAN), actor=finance, data=data, file_name="big.xml"
    )
    monkeypatch.setattr(bank_import, "PARSE_AHEAD_BYTES", 1 << 40)
    here = bank_statement_import(
        account=account(other_agency, iban=IBAN), actor=None, data=data, file_name="big.xml"
    )

    assert (ahead.transaction_count, ahead.new_count) == (4503, 4503)
    assert (here.transaction_count, here.new_count) == (4503, 4503)
    assert stored(agency) == stored(other_agency)
    assert multiprocessing.active_children() == []


def test_a_large_file_with_an_error_near_its_end_writes_nothing(agency, finance, parse_ahead):
    import multiprocessing

    lines = camt(random_transactions(3000, seed=7)).split(b"\n")
    lines[-3] = lines[-3].replace(b"<CdtDbtInd>", b"<CdtDbtInd>X", 1)
    with pytest.raises(StatementParseError) as exc:
        bank_statement_import(
            account=account(agency, iban=IBAN),
            actor=finance,
            data=b"\n".join(lines),
            file_name="x",
        )

    assert "Element /Document/BkToCstmrStmt/Stmt[1]/Ntry[" in str(exc.value)
    assert exc.value.element and exc.value.line == len(lines) - 2
    assert not BankTransaction.objects.exists() and not BankImport.objects.exists()
    assert multiprocessing.active_children() == []


def test_a_large_file_for_another_account_stops_the_helper_and_writes_nothing(
    agency, finance, parse_ahead
):
    import multiprocessing

    with pytest.raises(BankImportError):
        bank_statement_import(
            account=account(agency, iban="NL91ABNA0417164300"),
            actor=finance,
            data=camt(random_transactions(3000, seed=8)),
            file_name="x",
        )

    assert not BankTransaction.objects.exists()
    assert multiprocessing.active_children() == []
