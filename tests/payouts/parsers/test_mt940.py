from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from payouts.parsers import StatementParseError, parse_statement


def mt940(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def statement(*entries: str, opening: str = "C231229EUR100,00", closing: str = "C240102EUR150,00"):
    return mt940(
        ":20:STMT-1",
        ":25:NL91ABNA0417164300",
        ":28C:1/1",
        f":60F:{opening}",
        *entries,
        f":62F:{closing}",
        "-",
    )


def test_a_statement_gives_its_account_balances_and_entries():
    result = parse_statement(
        statement(
            ":61:2401020102C50,00NTRFNONREF//BANKREF-1",
            ":86:/EREF/E2E-77//CNTP/NL20INGB0001234567/INGBNL2A/Creator Lotte/AMSTERDAM//REMI/",
            "USTD//Payout 2024-01/",
        )
    )

    (account,) = result.statements
    assert account.account_iban == "NL91ABNA0417164300"
    assert account.currency == "EUR"
    assert account.opening_balance == Decimal("100.00")
    assert account.closing_balance == Decimal("150.00")
    assert account.sequence_number == "1/1"
    (entry,) = result.transactions
    assert entry.booking_date == dt.date(2024, 1, 2)
    assert entry.value_date == dt.date(2024, 1, 2)
    assert (entry.direction, entry.amount, entry.currency) == ("credit", Decimal("50.00"), "EUR")
    assert entry.end_to_end_id == "E2E-77"
    assert entry.counterparty_iban == "NL20INGB0001234567"
    assert entry.counterparty_bic == "INGBNL2A"
    assert entry.counterparty_name == "Creator Lotte"
    assert entry.remittance_info == "Payout 2024-01"
    assert entry.bank_reference == "BANKREF-1"
    assert entry.customer_reference is None  # NONREF means none
    assert entry.transaction_code == "NTRF"
    assert result.warnings == ()


def test_a_booking_in_january_for_a_december_value_date_rolls_into_the_next_year():
    result = parse_statement(
        statement(":61:2312310102C50,00NTRFNONREF", closing="C240102EUR150,00")
    )

    (entry,) = result.transactions
    assert entry.value_date == dt.date(2023, 12, 31)
    assert entry.booking_date == dt.date(2024, 1, 2)


def test_a_december_booking_for_a_january_value_date_rolls_back_a_year():
    result = parse_statement(statement(":61:2401021230C50,00NTRFNONREF"))

    assert result.transactions[0].booking_date == dt.date(2023, 12, 30)


@pytest.mark.parametrize(
    ("mark", "direction", "reversal"),
    [("C", "credit", False), ("D", "debit", False), ("RC", "debit", True), ("RD", "credit", True)],
)
def test_credit_debit_marks_and_reversals(mark, direction, reversal):
    sign = 1 if direction == "credit" else -1
    closing = f"C240102EUR{100 + sign * 25},00"
    result = parse_statement(statement(f":61:2401020102{mark}25,00NTRFNONREF", closing=closing))

    (entry,) = result.transactions
    assert (entry.direction, entry.reversal) == (direction, reversal)
    assert result.warnings == ()


def test_german_subfields_give_name_iban_and_sepa_keywords():
    result = parse_statement(
        statement(
            ":61:2401020102CR50,00NTRFNONREF",
            ":86:166?00SEPA-GUTSCHRIFT?109310?20EREF+TT-2024-0001?21SVWZ+Payout Januar creat",
            "or 42?30COBADEFFXXX?31DE89370400440532013000?32TikTok Pte?33. Ltd.?34997",
        )
    )

    (entry,) = result.transactions
    assert entry.bank_code == "166"
    assert entry.posting_text == "SEPA-GUTSCHRIFT"
    assert entry.end_to_end_id == "TT-2024-0001"
    assert entry.remittance_info == "Payout Januar creator 42"
    assert entry.counterparty_bic == "COBADEFFXXX"
    assert entry.counterparty_iban == "DE89370400440532013000"
    assert entry.counterparty_name == "TikTok Pte. Ltd."


def test_unstructured_details_are_kept_as_remittance_and_a_valid_leading_iban_is_used():
    result = parse_statement(
        statement(
            ":61:2401020102C50,00NTRFNONREF",
            ":86:NL91ABNA0417164300 brandly bv",
            "invoice 2024-001",
        )
    )

    (entry,) = result.transactions
    assert entry.counterparty_iban == "NL91ABNA0417164300"
    assert entry.counterparty_name == "brandly bv"
    assert entry.remittance_info == "NL91ABNA0417164300 brandly bv invoice 2024-001"


def test_bank_headers_and_the_swift_envelope_around_statements_are_skipped():
    data = mt940(
        "{1:F01ABNANL2AXXXX0000000000}{2:O940ABNANL2AXXXXN}{3:}{4:",
        ":20:A",
        ":25:NL91ABNA0417164300",
        ":28C:1",
        ":60F:C240101EUR0,00",
        ":62F:C240101EUR0,00",
        "-}{5:}",
        "ABNANL2A",
        "940",
        ":20:B",
        ":25:NL91ABNA0417164300",
        ":28C:2",
        ":60F:C240101EUR0,00",
        ":61:240102C1,NMSCNONREF",
        ":62F:C240102EUR1,00",
    )

    result = parse_statement(data)

    assert [s.statement_id for s in result.statements] == ["A", "B"]
    assert result.transactions[0].statement_index == 1


def test_a_latin1_file_is_decoded_and_reported():
    data = statement(":61:2401020102C50,00NTRFNONREF", ":86:Überweisung Müller").decode()
    result = parse_statement(data.encode("latin-1"))

    assert result.transactions[0].remittance_info == "Überweisung Müller"
    assert [str(w) for w in result.warnings] == ["the file is not UTF-8; it was read as cp1252"]


def test_balances_that_do_not_add_up_give_a_warning_naming_the_closing_line():
    result = parse_statement(statement(":61:2401020102C10,00NTRFNONREF"))

    assert [str(w) for w in result.warnings] == [
        "Line 6: the opening balance 100.00 plus the transactions (10.00) does not equal "
        "the closing balance 150.00"
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (":61:2401020102C12,3,4NTRF", "Line 5: field :61: has an invalid amount '12,3,4'"),
        (":61:2413020102C1,00NTRF", "Line 5: field :61: has an invalid date '241302'"),
        (":61:240102C1,00", None),  # no type and no reference is allowed
        (":61:24010C1,00NTRF", "Line 5: field :61: '24010C1,00NTRF' does not start with"),
        (":61:240102C1,00 NTRF", "Line 5: field :61: has no transaction type (e.g. NTRF)"),
    ],
)
def test_a_bad_statement_line_names_its_line(entry, message):
    data = statement(entry, closing="C240102EUR101,00")
    if message is None:
        assert len(parse_statement(data).transactions) == 1
        return
    with pytest.raises(StatementParseError) as caught:
        parse_statement(data)
    assert str(caught.value).startswith(message)
    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("balance", "message"),
    [
        ("C240101EUR", "Line 4: field :60F: is not a valid balance 'C240101EUR'"),
        ("X240101EUR1,00", "Line 4: field :60F: is not a valid balance 'X240101EUR1,00'"),
        ("C240101XYZ1,00", "Line 4: field :60F: has an unknown currency code 'XYZ'"),
        ("C240132EUR1,00", "Line 4: field :60F: has an invalid date '240132'"),
    ],
)
def test_a_bad_balance_names_its_line(balance, message):
    with pytest.raises(StatementParseError) as caught:
        parse_statement(statement(opening=balance))
    assert str(caught.value).startswith(message)


def test_a_statement_cut_off_before_its_closing_balance_is_refused():
    data = mt940(":20:X", ":25:NL91ABNA0417164300", ":60F:C240101EUR0,00", ":61:240102C1,NMSC")

    with pytest.raises(StatementParseError) as caught:
        parse_statement(data)
    assert str(caught.value) == (
        "Line 1: the statement 'X' that starts here has no closing balance (:62F:); "
        "the file may be cut off"
    )


def test_closing_and_opening_balances_in_different_currencies_are_refused():
    with pytest.raises(StatementParseError, match="Line 5: the closing balance is in USD"):
        parse_statement(statement(closing="C240102USD100,00"))


def test_a_control_character_is_refused_with_its_line():
    data = statement(":61:2401020102C50,00NTRFNONREF", ":86:bad\x07byte")

    with pytest.raises(StatementParseError, match=r"Line 6: contains a control character \(0x07\)"):
        parse_statement(data)


def test_text_after_a_one_line_field_is_refused():
    data = mt940(":20:X", ":25:NL91ABNA0417164300", "stray text", ":60F:C240101EUR0,00")

    with pytest.raises(StatementParseError, match="Line 3: unexpected text 'stray text' after"):
        parse_statement(data)


def test_a_field_after_the_terminator_belongs_to_no_statement():
    data = statement() + b"\r\n:61:2401020102C1,00NTRF"

    with pytest.raises(StatementParseError, match="Line 7: field :61: appears before the"):
        parse_statement(data)
