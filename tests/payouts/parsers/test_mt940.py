from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from payouts.parsers import StatementParseError, parse_statement

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "mt940"


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


# --- Impossible dates: an error on their line, never a guess ------------------------------


@pytest.mark.parametrize(
    ("lines", "line", "tag", "value"),
    [
        ((":60F:C240230EUR100,00", ":62F:C240301EUR100,00"), 4, "60F", "240230"),
        ((":60F:C240201EUR100,00", ":62F:C240230EUR100,00"), 5, "62F", "240230"),
        (
            (":60F:C240201EUR100,00", ":61:2402300230C1,00NTRF", ":62F:C240301EUR101,00"),
            5,
            "61",
            "240230",
        ),
        (
            (":60F:C240201EUR100,00", ":61:2402280230C1,00NTRF", ":62F:C240301EUR101,00"),
            5,
            "61",
            "0230",
        ),
        ((":60F:C241301EUR100,00", ":62F:C240301EUR100,00"), 4, "60F", "241301"),
    ],
)
def test_a_date_that_does_not_exist_is_an_error_naming_its_line(lines, line, tag, value):
    data = mt940(":20:X", ":25:NL91ABNA0417164300", ":28C:1", *lines, "-")

    with pytest.raises(StatementParseError) as caught:
        parse_statement(data)

    assert caught.value.line == line
    assert str(caught.value) == (
        f"Line {line}: field :{tag}: has an invalid date '{value}' (no such day)"
    )


def test_a_29_february_booking_date_takes_the_nearest_leap_year():
    result = parse_statement(
        statement(
            ":61:2403010229C50,00NTRF",
            opening="C240229EUR100,00",
            closing="C240301EUR150,00",
        )
    )

    assert result.transactions[0].booking_date == dt.date(2024, 2, 29)


# --- :86: sub-fields: what reconciliation reads ---------------------------------------------


def test_ing_structured_details_give_reference_counterparty_and_remittance():
    result = parse_statement(
        statement(
            ":61:2401020102C50,00NTRFNONREF//ING-4711",
            ":86:/EREF/TTCR-2024-000123//CNTP/NL20INGB0001234567/INGBNL2A/TIKTOK PTE L",
            "TD/SINGAPORE//REMI/USTD//Creator payout TTCR-2024-000123 januari/",
            opening="C240101EUR100,00",
        )
    )

    (entry,) = result.transactions
    assert entry.bank_reference == "ING-4711"
    assert entry.end_to_end_id == "TTCR-2024-000123"
    assert entry.remittance_info == "Creator payout TTCR-2024-000123 januari"
    assert (entry.counterparty_name, entry.counterparty_iban, entry.counterparty_bic) == (
        "TIKTOK PTE LTD",
        "NL20INGB0001234567",
        "INGBNL2A",
    )
    assert (entry.transaction_code, entry.bank_code) == ("NTRF", None)


def test_a_returned_transfer_carries_its_return_reason_in_the_bank_code():
    result = parse_statement(
        statement(
            ":61:2401020102D50,00NRTINONREF//ING-4712",
            ":86:/RTRN/MS03/EREF/TTCR-2024-000123//ORDP//NAME/TikTok Pte Ltd/ID/99/REMI/",
            "USTD//RETURN TTCR-2024-000123/",
            opening="C240101EUR200,00",
        )
    )

    (entry,) = result.transactions
    assert (entry.direction, entry.reversal) == ("debit", False)
    assert (entry.transaction_code, entry.bank_code) == ("NRTI", "RTRN/MS03")
    assert entry.counterparty_name == "TikTok Pte Ltd"
    assert entry.remittance_info == "RETURN TTCR-2024-000123"
    assert entry.end_to_end_id == "TTCR-2024-000123"


def test_abn_amro_sepa_details_with_transaction_type_and_name_are_read():
    result = parse_statement(
        statement(
            ":61:2401020102C50,00N658NONREF",
            ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/C LOT",
            "TE/REMI/PAYOUT TTCR-2024-000123/EREF/NOTPROVIDED",
            opening="C240101EUR100,00",
        )
    )

    (entry,) = result.transactions
    assert entry.counterparty_name == "C LOTTE"
    assert entry.posting_text == "SEPA OVERBOEKING"
    assert entry.remittance_info == "PAYOUT TTCR-2024-000123"
    assert entry.end_to_end_id is None  # NOTPROVIDED means none
    assert entry.transaction_code == "N658"


def test_a_structured_creditor_reference_is_kept_apart():
    result = parse_statement(
        statement(
            ":61:2401020102C50,00N102NONREF",
            ":86:/ORDP//NAME/Payer BV/REMI//CDTRREFTP//CD/SCOR/ISSR/CUR/CDTRREF/RF18539",
            "007547034/",
            opening="C240101EUR100,00",
        )
    )

    (entry,) = result.transactions
    assert entry.creditor_reference == "RF18539007547034"
    assert entry.counterparty_name == "Payer BV"


def test_german_purpose_subfields_are_joined_in_order_without_markers():
    result = parse_statement(
        statement(
            ":61:2401020102C50,00NTRFNONREF//0724710333343453",
            ":86:166?00GUTSCHR. UEBERWEISUNG?109310?20EREF+TTCR-2024-000123?21SVWZ+Crea",
            "tor payout TTCR-20?2224-000123 Januar?30INGBNL2A?31NL20INGB0001234567",
            "?32TikTok Pte?33 Ltd",
            opening="C240101EUR100,00",
        )
    )

    (entry,) = result.transactions
    assert entry.posting_text == "GUTSCHR. UEBERWEISUNG"
    assert entry.bank_code == "166"
    assert entry.end_to_end_id == "TTCR-2024-000123"
    # ?21 is full (27 characters): the next subfield continues it mid-word.
    assert entry.remittance_info == "Creator payout TTCR-2024-000123 Januar"
    assert entry.counterparty_name == "TikTok Pte Ltd"
    assert (entry.counterparty_iban, entry.counterparty_bic) == ("NL20INGB0001234567", "INGBNL2A")


def test_a_german_return_keeps_the_original_reference_and_drops_the_identifier_sections():
    result = parse_statement(
        statement(
            ":61:2401020102D50,00NTRFNONREF//0724710345316116",
            ":86:159?00RUECKBUCHUNG?100399?20EREF+TTCR-2024-000123?21KREF+AGENCY-77",
            "?22MREF+M-1 CRED+DE98ZZZ09999999999?23SVWZ+RUECKBUCHUNG TTCR-2024?24-000123",
            "?25MTLG:Konto erloschen",
            opening="C240101EUR200,00",
        )
    )

    (entry,) = result.transactions
    assert (entry.transaction_code, entry.bank_code) == ("NTRF", "159")
    assert entry.posting_text == "RUECKBUCHUNG"
    assert entry.end_to_end_id == "TTCR-2024-000123"
    # ?23 is full: "TTCR-2024" continues in ?24; ?24 is short, so a space follows it.
    assert entry.remittance_info == "RUECKBUCHUNG TTCR-2024-000123 MTLG:Konto erloschen"


def test_a_german_identifier_ends_where_its_short_subfield_ends():
    result = parse_statement(
        statement(
            ":61:2401020102C50,00NTRFNONREF",
            ":86:166?00GUTSCHRIFT?20EREF+E2E-1?21Danke fuer alles",
            opening="C240101EUR100,00",
        )
    )

    (entry,) = result.transactions
    assert entry.end_to_end_id == "E2E-1"
    assert entry.remittance_info == "Danke fuer alles"


def test_a_sparkasse_field_tag_broken_after_its_colon_is_read_whole():
    # self-provided__sparkassen.sta: the amount wraps, and ":86:" is broken as ":" + "86:".
    snippet = (SAMPLES / "self-provided__sparkassen.sta").read_text().strip().splitlines()
    data = mt940(
        ":20:STARTUMS",
        ":25:12345678/1020304050",
        ":60F:C181126EUR0,00",
        *snippet,
        ":62F:C181126EUR30,00",
        "-",
    )

    (entry,) = parse_statement(data).transactions
    assert (entry.direction, entry.amount) == ("credit", Decimal("30.00"))
    assert (entry.transaction_code, entry.bank_code) == ("N062", "166")
    assert entry.posting_text == "GUTSCHR. UEBERWEISUNG"
    assert entry.remittance_info == "Test"
    assert entry.additional_info is None


@pytest.mark.parametrize(
    ("mark", "direction"), [("RC", "debit"), ("RD", "credit"), ("C", "credit"), ("D", "debit")]
)
def test_rc_and_rd_are_reversals_and_rc_takes_money_out(mark, direction):
    result = parse_statement(
        statement(
            f":61:2401020102{mark}50,00NRTINONREF//R-1",
            opening="C240101EUR100,00",
            closing="C240102EUR150,00" if direction == "credit" else "C240102EUR50,00",
        )
    )

    (entry,) = result.transactions
    assert (entry.direction, entry.reversal) == (direction, mark.startswith("R"))
    assert entry.bank_reference == "R-1"
    assert result.warnings == ()
