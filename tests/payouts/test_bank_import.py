"""Bank statement import: persisted atomically, re-imports never duplicate, twins both stay."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from agencies.models import AuditLog
from bench.generators.camt053 import PlannedTransaction, random_transactions, write_camt053
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


def test_text_that_means_something_in_an_array_literal_is_stored_as_written(agency, finance):
    # Each column goes to PostgreSQL as one array literal: quotes, backslashes, braces,
    # commas and the word NULL inside a value must come back as the bank wrote them.
    texts = ['Say "hi" \\ {a,b}', "NULL", "", "Ünïcode & <tags>, too"]
    planned = [
        PlannedTransaction(
            amount=Decimal("0.10"),
            booking_date=dt.date(2024, 1, 2),
            counterparty_name=text or None,
            remittance_info=text or None,
            end_to_end_id=text or None,
        )
        for text in texts
    ]
    bank_statement_import(
        account=account(agency, iban=IBAN), actor=finance, data=camt(planned), file_name="x"
    )

    stored = BankTransaction.objects.filter(agency=agency).order_by("pk")
    assert list(stored.values_list("counterparty_name", "remittance_info", "end_to_end_id")) == [
        (text, text, text) for text in texts
    ]
    assert {str(amount) for amount in stored.values_list("amount", flat=True)} == {"0.10"}


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
    """Every column the import writes (the helper sends dates and amounts in another form)."""
    return sorted(
        BankTransaction.objects.filter(agency=agency).values_list(
            "booking_date",
            "value_date",
            "amount",
            "currency",
            "credit_debit",
            "counterparty_name",
            "counterparty_iban",
            "remittance_info",
            "end_to_end_id",
            "bank_reference",
            "is_reversal",
            "transaction_code",
            "fingerprint",
            "occurrence",
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


# --- A bank file lands in the right account ---------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "mt940"

# Real MT940 samples (tests/fixtures/mt940), the account their :25: names and an IBAN of it.
OWN_ACCOUNTS = [
    ("jejik__ing.sta", "0001234567", "NL20INGB0001234567"),
    ("self-provided__details_60-63.sta", "12345678/1020304050", "DE20123456781020304050"),
    ("jejik__abnamro.sta", "517852257", "NL20ABNA0517852257"),
    ("jejik__triodos.sta", "TRIODOSBANK/0390123456", "NL49TRIO0390123456"),
    ("jejik__knab.sta", "123456789", "NL68KNAB0123456789"),
    # Anonymised: the IBAN's check digits are wrong; compared as written.
    ("ASNB__0708271685_09022020_164516.940.txt", "NL81ASNB9999999999", "NL81ASNB9999999999"),
]


@pytest.mark.parametrize(("name", "named", "own"), OWN_ACCOUNTS)
def test_a_sample_for_another_account_is_refused_naming_both(agency, finance, name, named, own):
    with pytest.raises(BankImportError) as caught:
        bank_statement_import(
            account=account(agency, iban="NL91ABNA0417164300"),
            actor=finance,
            data=(SAMPLES / name).read_bytes(),
            file_name=name,
        )

    assert str(caught.value) == f"The file is for account {named}, not NL91ABNA0417164300."
    assert not BankTransaction.objects.exists() and not BankImport.objects.exists()


@pytest.mark.parametrize(("name", "named", "own"), OWN_ACCOUNTS)
def test_a_sample_is_imported_into_the_account_it_names(agency, finance, name, named, own):
    result = bank_statement_import(
        account=account(agency, iban=own),
        actor=finance,
        data=(SAMPLES / name).read_bytes(),
        file_name=name,
    )

    assert result.new_count == result.transaction_count > 0


def test_every_statement_of_a_file_must_name_the_chosen_account(agency, finance):
    # jejik__rabobank.sta: three statements of 1291.99.348EUR, then one of 1526.89.184EUR.
    with pytest.raises(BankImportError) as caught:
        bank_statement_import(
            account=account(agency, iban="NL19RABO0129199348"),
            actor=finance,
            data=(SAMPLES / "jejik__rabobank.sta").read_bytes(),
            file_name="x.sta",
        )

    assert str(caught.value) == "The file is for account 1526.89.184EUR, not NL19RABO0129199348."
    assert not BankTransaction.objects.exists()


@pytest.mark.parametrize(
    "identification",
    ["0417164300", "417164300", "ABNANL2A/0417164300", "ABNA/0417164300", "NL91ABNA0417164300"],
)
def test_a_camt_file_naming_the_account_by_its_number_is_imported(agency, finance, identification):
    acct = account(agency, iban="NL91ABNA0417164300")
    data = camt_with_account(f"<Othr><Id>{identification}</Id></Othr>")

    result = bank_statement_import(account=acct, actor=finance, data=data, file_name="x.xml")

    assert result.new_count == 1


@pytest.mark.parametrize(
    ("identification", "named"),
    [
        ("<Othr><Id>0001234567</Id></Othr>", "0001234567"),
        ("<Othr><Id>INGBNL2A/0417164300</Id></Othr>", "INGBNL2A/0417164300"),
        ("<IBAN>NL20INGB0001234567</IBAN>", "NL20INGB0001234567"),
    ],
)
def test_a_camt_file_for_another_account_is_refused(agency, finance, identification, named):
    with pytest.raises(BankImportError, match=f"for account {named}, not NL91ABNA0417164300"):
        bank_statement_import(
            account=account(agency, iban="NL91ABNA0417164300"),
            actor=finance,
            data=camt_with_account(identification),
            file_name="x.xml",
        )
    assert not BankTransaction.objects.exists()


@pytest.mark.parametrize(
    ("acctid", "accepted"),
    [("417164300", True), ("NL91 ABNA 0417 1643 00", True), ("0001234567", False)],
)
def test_an_ofx_file_is_checked_by_its_acctid(agency, finance, acctid, accepted):
    data = OFX_ACCOUNT.replace(b"ACCOUNT", acctid.encode())
    acct = account(agency, iban="NL91ABNA0417164300")

    if accepted:
        assert bank_statement_import(
            account=acct, actor=finance, data=data, file_name="x"
        ).new_count
    else:
        with pytest.raises(BankImportError, match=f"for account {acctid}, not NL91"):
            bank_statement_import(account=acct, actor=finance, data=data, file_name="x")


def test_a_csv_without_an_account_column_names_no_account_and_is_imported(agency, finance):
    acct = account(agency, iban="NL91ABNA0417164300")
    acct.csv_mapping = {"booking_date": "date", "amount": "amount", "fixed_currency": "EUR"}
    acct.save()

    result = bank_statement_import(
        account=acct, actor=finance, data=b"date,amount\n2024-01-02,5.00\n", file_name="x.csv"
    )

    assert result.new_count == 1


def test_an_mt940_dated_30_february_is_refused_naming_its_line(agency, finance):
    with pytest.raises(StatementParseError) as caught:
        bank_statement_import(
            account=account(agency, iban="DE20123456781020304050"),
            actor=finance,
            data=(SAMPLES / "self-provided__february_30.sta").read_bytes(),
            file_name="x.sta",
        )

    assert str(caught.value) == "Line 6: field :61: has an invalid date '160230' (no such day)"
    assert not BankTransaction.objects.exists() and not BankImport.objects.exists()


def test_a_pdf_uploaded_into_an_account_with_a_csv_mapping_is_refused_as_a_pdf(agency, finance):
    acct = account(agency, iban="NL91ABNA0417164300")
    acct.csv_mapping = {"booking_date": "date", "amount": "amount", "fixed_currency": "EUR"}
    acct.save()

    with pytest.raises(StatementParseError, match="the file is a PDF file, not a bank statement"):
        bank_statement_import(
            account=acct, actor=finance, data=b"%PDF-1.4\n%\xe2\xe3\n", file_name="x.pdf"
        )


def camt_with_account(identification: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<Stmt><Id>S1</Id><Acct><Id>{identification}</Id><Ccy>EUR</Ccy></Acct>"
        '<Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><Dt>2024-01-02</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>"
    ).encode()


OFX_ACCOUNT = (
    b"OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM>"
    b"<ACCTID>ACCOUNT</BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240102"
    b"<TRNAMT>1.00<FITID>F-1</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
)


# --- What reconciliation reads, and fingerprints that stay what they were ---------------------


def _ntry(amount: str, refs: str, details: str) -> str:
    return (
        f'<Ntry>{refs}<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-01-02</Dt></BookgDt>"
        f"<ValDt><Dt>2024-01-02</Dt></ValDt><NtryDtls>{details}</NtryDtls></Ntry>"
    )


def _txdtls(refs: str, amount: str = "", text: str = "Payout TTCR-1") -> str:
    money = f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>' if amount else ""
    return (
        f"<TxDtls><Refs>{refs}</Refs>{money}"
        "<RltdPties><Dbtr><Pty><Nm>TikTok Pte Ltd</Nm></Pty></Dbtr></RltdPties>"
        f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>"
    )


def _with_servicer(entry: str, reference: str) -> str:
    return entry.replace("<NtryDtls>", f"<AcctSvcrRef>{reference}</AcctSvcrRef><NtryDtls>")


# NtryRef, TxId and AcctSvcrRef in every combination that changed bank_reference.
CAMT_REFERENCES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
    "<Stmt><Id>S1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>"
    + _with_servicer(
        _ntry(
            "10.00",
            "<NtryRef>NR-1</NtryRef>",
            _txdtls("<EndToEndId>E-1</EndToEndId><TxId>TX-1</TxId>"),
        ),
        "ASR-1",
    )
    + _with_servicer(_ntry("20.00", "", _txdtls("<AcctSvcrRef>ASR-2T</AcctSvcrRef>")), "ASR-2")
    + _with_servicer(
        _ntry(
            "30.00",
            "",
            _txdtls("<AcctSvcrRef>ASR-3a</AcctSvcrRef><TxId>TX-3a</TxId>", "10.00", "a")
            + _txdtls("<AcctSvcrRef>ASR-3b</AcctSvcrRef>", "20.00", "b"),
        ),
        "ASR-3",
    )
    + _ntry("40.00", "", _txdtls("<AcctSvcrRef>ASR-4T</AcctSvcrRef><TxId>TX-4</TxId>"))
    + "</Stmt></BkToCstmrStmt></Document>"
).encode()
OFX_REFERENCES = (
    b"OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM>"
    b"<ACCTID>NL91ABNA0417164300</BANKACCTFROM><BANKTRANLIST>"
    b"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240102<TRNAMT>1.00<FITID>F-1<SRVRTID>S-1"
    b"<MEMO>Payout</STMTTRN>"
    b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240103<TRNAMT>-2.00<SRVRTID>S-2</STMTTRN>"
    b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
)
MT940_REFERENCES = (
    b":20:S1\r\n:25:NL91ABNA0417164300\r\n:60F:C240101EUR0,00\r\n"
    b":61:2401020102C10,00NTRFNONREF//B-1\r\n"
    b":86:/EREF/E-1//CNTP/NL20INGB0001234567/INGBNL2A/TikTok/SG//REMI/USTD//Payout TTCR-1/\r\n"
    b":61:2401020102RC10,00NRTINONREF//B-2\r\n"
    b":86:/RTRN/MS03/EREF/E-1//REMI/USTD//RETURN TTCR-1/\r\n"
    b":62F:C240102EUR0,00\r\n-\r\n"
)


def german_sample() -> bytes:
    data = (SAMPLES / "betterplace__sepa_snippet.sta").read_bytes()
    for account_number in (b"50880050/0194787400888", b"50880050/0194791600888"):
        data = data.replace(b":25:" + account_number, b":25:DE20123456781020304050")
    return data


def imported(agency, finance, data: bytes, iban: str = "NL91ABNA0417164300") -> list[tuple]:
    bank_statement_import(
        account=account(agency, iban=iban), actor=finance, data=data, file_name="x"
    )
    return list(
        BankTransaction.objects.filter(agency=agency)
        .order_by("pk")
        .values_list(
            "bank_reference",
            "transaction_code",
            "is_reversal",
            "end_to_end_id",
            "remittance_info",
            "fingerprint",
        )
    )


@pytest.fixture(params=["in_process", "parsed_ahead"])
def either_way(request):
    """Once parsed here, once by the forked helper process large files use."""
    if request.param == "parsed_ahead":
        request.getfixturevalue("parse_ahead")


def test_camt_stores_account_servicer_references_and_keeps_its_fingerprints(
    agency, finance, either_way
):
    rows = imported(agency, finance, CAMT_REFERENCES)

    assert [row[0] for row in rows] == ["ASR-1", "ASR-2", "ASR-3a", "ASR-3b", "ASR-4T"]
    assert [row[3] for row in rows] == ["E-1", "", "", "", ""]
    # Fingerprints as the import computed them when bank_reference was NtryRef/TxId.
    assert [bytes(row[5]).hex()[:16] for row in rows] == [
        "6b7dd63e19b5f559",
        "36ef5722f8e7e8e4",
        "ddbb35aa17001b62",
        "e774664c61077df5",
        "3f41b11068d1f057",
    ]


def test_ofx_stores_the_fitid_and_trntype(agency, finance):
    rows = imported(agency, finance, OFX_REFERENCES)

    assert [row[:3] for row in rows] == [("F-1", "CREDIT", False), ("S-2", "DEBIT", False)]
    assert [bytes(row[5]).hex()[:16] for row in rows] == ["83dae87ed3e9cfa1", "ec8879f9c8c07ac0"]


def test_mt940_stores_the_bank_reference_codes_and_a_reversal_debit(agency, finance):
    rows = imported(agency, finance, MT940_REFERENCES)

    assert [row[:5] for row in rows] == [
        ("B-1", "NTRF", False, "E-1", "Payout TTCR-1"),
        ("B-2", "NRTI RTRN/MS03", True, "E-1", "RETURN TTCR-1"),
    ]
    assert BankTransaction.objects.get(bank_reference="B-2").credit_debit == "debit"
    assert [bytes(row[5]).hex()[:16] for row in rows] == ["a1d276381f24a908", "a610842b4a852c9c"]


def test_german_mt940_stores_todays_reading_but_keeps_its_earlier_fingerprints(
    agency, finance, either_way
):
    rows = imported(agency, finance, german_sample(), iban="DE20123456781020304050")

    assert rows[4][:5] == (
        "0724710345316116",
        "NTRF 159",
        False,
        "TFNR 40001 00005",
        "MTLG:Grund nicht spezifiziert Reject aus SEPA-Ueberweisungsauftrag",
    )
    # The fingerprints the import gave this file before :86: was read without its keywords.
    assert [bytes(row[5]).hex()[:16] for row in rows] == [
        "c76381a11e85327b",
        "3035da51992c71a9",
        "08a678d3d71ed882",
        "bd528eda760f2a72",
        "51a94a346622b8e3",
        "fcd7d770f274204e",
        "7edb4f539a112066",
        "e9777391852ba864",
        "8109012bd4a425b7",
        "f65df288969d8515",
        "3a7be84dfee36435",
    ]
    again = bank_statement_import(
        account=account(agency, iban="DE20123456781020304050"),
        actor=finance,
        data=german_sample(),
        file_name="again",
    )
    assert (again.new_count, again.duplicate_count) == (0, 11)
