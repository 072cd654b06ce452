from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from payouts.parsers import ColumnMapping, StatementParseError, parse_statement

ING = (
    '"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Af Bij";"Bedrag (EUR)";'
    '"Mededelingen"\n'
    '"20240105";"TikTok Pte Ltd";"NL91ABNA0417164300";"IE29AIBK93115212345678";"Bij";'
    '"1.234,56";"Payout januari creator 42"\n'
    '"20240106";"Studio Rent";"NL91ABNA0417164300";"NL44RABO0123456789";"Af";"12,00";'
    '"Huur\nstudio"\n'
)
ING_MAPPING = ColumnMapping(
    booking_date="Datum",
    amount="Bedrag (EUR)",
    direction="Af Bij",
    fixed_currency="EUR",
    counterparty_name="Naam / Omschrijving",
    counterparty_iban="Tegenrekening",
    remittance_info=("Mededelingen",),
    account="Rekening",
    date_format="%Y%m%d",
    decimal_separator=",",
    delimiter=";",
)

SPLIT = (
    "Bank export 2024-01\n"
    "\n"
    "Booking date,Value date,Credit,Debit,Currency,Counterparty,Reference,Text 1,Text 2\n"
    '01/02/2024,01/03/2024,"1,250.00",,usd,Brandly Inc,E2E-1,Invoice,88\n'
    "01/04/2024,,,-30.50,USD,Fee,,,\n"
)
SPLIT_MAPPING = ColumnMapping(
    booking_date="Booking date",
    value_date="Value date",
    credit="Credit",
    debit="Debit",
    currency="Currency",
    counterparty_name="Counterparty",
    end_to_end_id="Reference",
    remittance_info=("Text 1", "Text 2"),
    date_format="%m/%d/%Y",
    skip_lines=2,
)


def test_an_ing_export_with_a_mark_column_and_a_decimal_comma():
    result = parse_statement(ING.encode(), csv_mapping=ING_MAPPING)

    assert result.format == "csv"
    (statement,) = result.statements
    assert statement.account_iban == "NL91ABNA0417164300"
    assert statement.currency == "EUR"
    assert (statement.period_from, statement.period_to) == (
        dt.date(2024, 1, 5),
        dt.date(2024, 1, 6),
    )
    payout, rent = result.transactions
    assert (payout.direction, payout.amount) == ("credit", Decimal("1234.56"))
    assert payout.counterparty_iban == "IE29AIBK93115212345678"
    assert payout.remittance_info == "Payout januari creator 42"
    assert (rent.direction, rent.amount) == ("debit", Decimal("12.00"))
    assert rent.remittance_info == "Huur studio"  # a quoted field over two lines
    assert (payout.line, rent.line) == (2, 3)


def test_separate_credit_and_debit_columns_below_a_preamble():
    result = parse_statement(SPLIT.encode(), csv_mapping=SPLIT_MAPPING)

    invoice, fee = result.transactions
    assert (invoice.direction, invoice.amount, invoice.currency) == (
        "credit",
        Decimal("1250.00"),
        "USD",
    )
    assert invoice.value_date == dt.date(2024, 1, 3)
    assert invoice.end_to_end_id == "E2E-1"
    assert invoice.remittance_info == "Invoice 88"
    assert (fee.direction, fee.amount) == ("debit", Decimal("30.50"))
    assert fee.value_date == fee.booking_date == dt.date(2024, 1, 4)


def test_a_signed_amount_column_gives_the_direction():
    data = b"date;amount\n2024-01-02;-5,00\n2024-01-03;+7,5\n2024-01-04;3,00-\n"
    mapping = ColumnMapping(
        booking_date="date",
        amount="amount",
        fixed_currency="EUR",
        decimal_separator=",",
        delimiter=";",
    )

    result = parse_statement(data, csv_mapping=mapping)

    assert [(t.direction, t.amount) for t in result.transactions] == [
        ("debit", Decimal("5.00")),
        ("credit", Decimal("7.5")),
        ("debit", Decimal("3.00")),
    ]


def test_an_export_covering_two_accounts_gives_two_statements():
    data = ING.replace('"NL91ABNA0417164300";"NL44', '"NL20INGB0001234567";"NL44').encode()

    result = parse_statement(data, csv_mapping=ING_MAPPING)

    assert [s.account_iban for s in result.statements] == [
        "NL91ABNA0417164300",
        "NL20INGB0001234567",
    ]
    assert [t.statement_index for t in result.transactions] == [0, 1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"Datum"', '"Date"', "Line 1: the header has no column 'Datum' (it has: Date, Naam"),
        ('"Rekening"', '"Datum"', "Line 1: the header has the column 'Datum' more than once"),
        ('"12,00"', '"12,0,0"', "Line 3, column 'Bedrag (EUR)': invalid amount '12,0,0'"),
        ('"12,00"', '"12.00"', "Line 3, column 'Bedrag (EUR)': invalid amount '12.00'"),
        ('"12,00"', '"twelve"', "Line 3, column 'Bedrag (EUR)': invalid amount 'twelve'"),
        ('"20240106"', '"2024-01-06"', "Line 3, column 'Datum': invalid date '2024-01-06'"),
        ('"20240106"', '"20240230"', "Line 3, column 'Datum': invalid date '20240230'"),
        ('"Af"', '"Weg"', "Line 3, column 'Af Bij': 'Weg' is neither a credit nor a debit"),
        (';"Mededelingen"\n', "\n", "Line 1: the header has no column 'Mededelingen'"),
        ('"Studio Rent";', '"Studio Rent"', "Line 3: the row has 6 fields but the header has 7"),
        ('"Huur\nstudio"', '"Huur"x', "Line 3: the CSV is malformed"),
    ],
)
def test_a_bad_csv_names_the_line_and_column(old, new, message):
    with pytest.raises(StatementParseError) as caught:
        parse_statement(ING.replace(old, new, 1).encode(), csv_mapping=ING_MAPPING)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("01/02/2024,,1.00,2.00,USD,x,,,", "both the credit and the debit column"),
        ("01/02/2024,,,,USD,x,,,", "neither the credit nor the debit column"),
        ("01/02/2024,,1.00,,XXY,x,,,", "Line 4, column 'Currency': unknown currency code 'XXY'"),
        ("01/02/2024,31/02/2024,1.00,,USD,x,,,", "Line 4, column 'Value date': invalid date"),
    ],
)
def test_bad_credit_debit_and_currency_cells(row, message):
    data = SPLIT.rsplit("\n", 3)[0] + "\n" + row + "\n"

    with pytest.raises(StatementParseError, match=message):
        parse_statement(data.encode(), csv_mapping=SPLIT_MAPPING)


def test_a_file_with_only_a_header_gives_an_empty_statement():
    result = parse_statement(ING.split("\n")[0].encode(), csv_mapping=ING_MAPPING)

    assert len(result.statements) == 1
    assert result.transactions == ()


def test_an_empty_file_has_no_header():
    with pytest.raises(StatementParseError, match="Line 1: the file has no header line"):
        parse_statement(b"", csv_mapping=ING_MAPPING)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"amount": None}, "Map either one amount column or credit and debit columns."),
        ({"credit": "Bij"}, "Map either one amount column or credit and debit columns."),
        ({"fixed_currency": None}, "Map a currency column or choose one fixed currency."),
        ({"fixed_currency": "EURO"}, "The fixed currency is not an ISO 4217 code."),
        ({"decimal_separator": "'"}, "The decimal separator must be a comma or a point."),
        ({"delimiter": ";;"}, "The delimiter must be one character, such as , ; or a tab."),
        ({"delimiter": ","}, "The decimal separator and the delimiter must differ."),
        ({"date_format": "YYYYMMDD"}, "The date format needs codes such as %d-%m-%Y."),
    ],
)
def test_an_inconsistent_mapping_lists_its_problem_and_is_refused(changes, problem):
    mapping = ColumnMapping.from_dict({**ING_MAPPING.to_dict(), **changes})

    assert problem in mapping.problems()
    with pytest.raises(StatementParseError):
        parse_statement(ING.encode(), csv_mapping=mapping)


def test_a_mapping_survives_saving_as_json_data():
    data = ING_MAPPING.to_dict()

    assert data["remittance_info"] == ["Mededelingen"]
    assert ColumnMapping.from_dict(data) == ING_MAPPING
    assert ColumnMapping.from_dict({**data, "remittance_info": "Naam / Omschrijving"}).columns()


def test_an_excel_unicode_text_export_in_utf16_is_read():
    tab = ING.replace('";"', '"\t"')
    mapping = ColumnMapping.from_dict({**ING_MAPPING.to_dict(), "delimiter": "\t"})

    for data in (tab.encode("utf-16"), tab.encode("utf-16-le"), b"\xef\xbb\xbf" + tab.encode()):
        result = parse_statement(data, csv_mapping=mapping)
        assert [t.amount for t in result.transactions] == [Decimal("1234.56"), Decimal("12.00")]
        assert result.warnings == ()


def test_a_mapped_transaction_code_and_bank_reference_are_read():
    data = "date,amount,code,ref\n2024-01-01,-1.00,ST,BANK-1\n"
    mapping = ColumnMapping(
        booking_date="date",
        amount="amount",
        fixed_currency="EUR",
        transaction_code="code",
        bank_reference="ref",
    )

    (entry,) = parse_statement(data.encode(), csv_mapping=mapping).transactions

    assert (entry.transaction_code, entry.bank_reference) == ("ST", "BANK-1")
