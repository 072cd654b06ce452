from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from payouts.parsers import StatementParseError, parse_statement

OFX1 = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>
<DTSERVER>20240105120000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>ABNA<ACCTID>NL91 ABNA 0417 1643 00<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20240101<DTEND>20240105
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240102<TRNAMT>1234.56<FITID>ABC1
<NAME>TikTok &amp; Co<MEMO>Payout January</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240103003000.000[+1:CET]<DTUSER>20240102
<TRNAMT>-12.00<FITID>ABC2<PAYEE><NAME>Studio Rent</NAME><ADDR1>Main st</PAYEE>
<BANKACCTTO><BANKID>RABO<ACCTID>NL44RABO0123456789<ACCTTYPE>CHECKING</BANKACCTTO>
<MEMO></STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>1222.56<DTASOF>20240105</LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""

OFX2 = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1</TRNUID>
    <STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
    <CCSTMTRS><CURDEF>USD</CURDEF>
      <CCACCTFROM><ACCTID>4111111111111111</ACCTID></CCACCTFROM>
      <BANKTRANLIST><DTSTART>20240101</DTSTART><DTEND>20240131</DTEND>
        <STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240105000100.000[-8:PST]</DTPOSTED>
          <TRNAMT>-5,50</TRNAMT><FITID>9</FITID><NAME>Coffee</NAME>
          <MEMO><![CDATA[a <b> memo]]></MEMO>
          <CURRENCY><CURRATE>1.1</CURRATE><CURSYM>EUR</CURSYM></CURRENCY>
        </STMTTRN>
        <STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20240106</DTPOSTED>
          <TRNAMT>20.00</TRNAMT><FITID>10</FITID><INTU.XID>vendor-tag</INTU.XID>
          <CORRECTFITID>9</CORRECTFITID><CORRECTACTION>REPLACE</CORRECTACTION>
        </STMTTRN>
      </BANKTRANLIST>
      <LEDGERBAL><BALAMT>-100.00</BALAMT><DTASOF>20240131</DTASOF></LEDGERBAL>
    </CCSTMTRS>
  </CCSTMTTRNRS></CREDITCARDMSGSRSV1>
</OFX>
"""


def test_an_ofx1_sgml_statement_with_unclosed_leaf_elements():
    result = parse_statement(OFX1)

    assert result.format == "ofx"
    (statement,) = result.statements
    assert statement.account_iban == "NL91ABNA0417164300"
    assert statement.currency == "EUR"
    assert statement.closing_balance == Decimal("1222.56")
    assert (statement.period_from, statement.period_to) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 5),
    )
    payout, rent = result.transactions
    assert (payout.direction, payout.amount) == ("credit", Decimal("1234.56"))
    assert payout.counterparty_name == "TikTok & Co"
    assert payout.remittance_info == "Payout January"
    assert payout.bank_reference == "ABC1"
    assert payout.transaction_code == "CREDIT"
    assert payout.line == 18
    assert (rent.direction, rent.amount) == ("debit", Decimal("12.00"))
    # The day the bank wrote, not the UTC day (00:30 CET is still the 3rd).
    assert rent.booking_date == dt.date(2024, 1, 3)
    assert rent.value_date == dt.date(2024, 1, 2)
    assert rent.counterparty_name == "Studio Rent"
    assert rent.counterparty_iban == "NL44RABO0123456789"
    assert rent.remittance_info is None


def test_an_ofx2_xml_credit_card_statement():
    result = parse_statement(OFX2)

    (statement,) = result.statements
    assert statement.account_number == "4111111111111111"
    assert statement.closing_balance == Decimal("-100.00")
    coffee, refund = result.transactions
    assert (coffee.amount, coffee.currency, coffee.direction) == (Decimal("5.50"), "EUR", "debit")
    assert coffee.booking_date == dt.date(2024, 1, 5)
    assert coffee.remittance_info == "a <b> memo"
    assert refund.currency == "USD"
    assert [str(w) for w in result.warnings] == [
        "Line 14: a correction (REPLACE of 9) was imported as an ordinary entry"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((b"<TRNAMT>1234.56", b"<TRNAMT>12,34.5"), "Line 18: <TRNAMT> has an invalid amount"),
        ((b"<TRNAMT>1234.56", b""), "Line 18: <STMTTRN> has no TRNAMT"),
        ((b"<DTPOSTED>20240102", b"<DTPOSTED>20241302"), "Line 18: <DTPOSTED> has an invalid date"),
        (
            (b"<DTPOSTED>20240102", b"<DTPOSTED>20240230120000"),
            "Line 18: <DTPOSTED> has an invalid date '20240230120000'",
        ),
        (
            (b"<DTEND>20240105", b"<DTEND>20230229"),
            "Line 17: <DTEND> has an invalid date '20230229'",
        ),
        ((b"<DTPOSTED>20240102", b""), "Line 18: <STMTTRN> has no DTPOSTED"),
        ((b"<CURDEF>EUR", b"<CURDEF>EURO"), "Line 15: <STMTRS> has a missing or unknown CURDEF"),
        ((b"<ACCTID>NL91 ABNA 0417 1643 00", b""), "Line 15: <STMTRS> has no account"),
        (
            (b"</STMTTRN>\n<STMTTRN>", b"</BANKTRANLIST>\n<STMTTRN>"),
            "Line 19: </BANKTRANLIST> cannot close <STMTTRN>",
        ),
        ((b"<OFX>", b"<OFX>\n<!DOCTYPE OFX>"), "Line 12: <!DOCTYPE declarations are not allowed"),
        ((b"<OFX>", b"<OFX>\n<!ENTITY x 'y'>"), "Line 12: <!ENTITY declarations are not allowed"),
        ((b"<STMTRS>", b"<STMTRS>stray"), "Line 15: unexpected text 'stray' between tags"),
    ],
)
def test_a_bad_ofx_file_names_its_line(change, message):
    old, new = change
    with pytest.raises(StatementParseError) as caught:
        parse_statement(OFX1.replace(old, new, 1), format="ofx")
    assert str(caught.value).startswith(message)


def test_a_cut_off_ofx_file_says_so():
    with pytest.raises(StatementParseError, match="Line 26: the file ends inside a tag"):
        parse_statement(OFX1[: OFX1.index(b"</STMTRS>") + 4])
    with pytest.raises(
        StatementParseError, match="Line 25: <STMTRS> opened on line 15 is never closed"
    ):
        parse_statement(OFX1[: OFX1.index(b"</STMTRS>")])


def test_an_ofx_file_without_a_statement_is_refused():
    with pytest.raises(StatementParseError, match="contains no bank or credit card statement"):
        parse_statement(b"OFXHEADER:100\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>")
