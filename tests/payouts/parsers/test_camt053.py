from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from payouts.parsers import (
    StatementParseError,
    StatementRecord,
    TransactionRecord,
    camt053,
    open_statement,
    parse_statement,
)

FIXTURES = Path(__file__).parent / "fixtures"
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def camt(*entries: str, namespace: str = NS, header: str | None = None) -> bytes:
    header = header or (
        "<Id>S1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>"
    )
    body = "\n".join(entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{namespace}"><BkToCstmrStmt>\n'
        f"<Stmt>{header}\n{body}\n</Stmt>\n"
        "</BkToCstmrStmt></Document>\n"
    ).encode()


def entry(
    amount: str = '<Amt Ccy="EUR">10.00</Amt>',
    indicator: str = "<CdtDbtInd>CRDT</CdtDbtInd>",
    booking: str = "<BookgDt><Dt>2024-01-02</Dt></BookgDt>",
    extra: str = "",
) -> str:
    return f"<Ntry>{amount}{indicator}<Sts><Cd>BOOK</Cd></Sts>{booking}{extra}</Ntry>"


def test_version_02_with_default_namespace_bic_and_batch_amounts_in_amtdtls():
    result = parse_statement(fixture("camt053_v02.xml"))

    assert result.format == "camt053"
    (statement,) = result.statements
    assert statement.statement_id == "0352C5320240131180000"
    assert statement.account_iban == "NL91ABNA0417164300"
    assert statement.currency == "EUR"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("1000.00"),
        Decimal("2215.50"),
    )
    assert (statement.period_from, statement.period_to) == (dt.date(2024, 1, 31),) * 2
    assert statement.sequence_number == "31"

    payout, rent, fee = result.transactions
    assert payout.counterparty_name == "TikTok Pte. Ltd."  # a credit: the debtor
    assert payout.counterparty_iban == "IE29AIBK93115212345678"
    assert payout.counterparty_bic == "AIBKIE2D"
    assert payout.remittance_info == "Creator Fund payout January 2024 creator 4711"
    assert payout.end_to_end_id == "TT-PAYOUT-2024-01-0042"
    assert payout.account_servicer_reference == "2024013100123"
    assert payout.bank_reference == "2024013100123"  # the bank's own: AcctSvcrRef
    assert payout.transaction_id == "TX-9981"
    assert payout.transaction_code == "PMNT/RCDT/ESCT"
    assert payout.bank_code == "N166"
    assert payout.detail_index is None

    # One batch entry of 34.50 with two details that carry their own amounts: split.
    assert (rent.entry_index, rent.detail_index, rent.amount) == (2, 1, Decimal("30.00"))
    assert (fee.entry_index, fee.detail_index, fee.amount) == (2, 2, Decimal("4.50"))
    assert rent.direction == fee.direction == "debit"
    assert rent.counterparty_name == "Studio Rent BV"  # a debit: the creditor
    assert rent.end_to_end_id is None  # NOTPROVIDED
    assert rent.value_date == dt.date(2024, 2, 1)
    assert result.warnings == ()


def test_version_04_with_prefixed_namespace_reversal_datetime_and_structured_reference():
    result = parse_statement(fixture("camt053_v04.xml"))

    (statement,) = result.statements
    assert statement.account_iban is None
    assert statement.account_number == "0123456789"
    assert statement.opening_balance == Decimal("-50.00")  # a debit balance
    first, second, reversal = result.transactions
    # DtTm keeps the day the bank wrote, in its own offset (not shifted to UTC).
    assert first.booking_date == dt.date(2024, 2, 29)
    assert first.counterparty_iban == "CH9300762011623852957"
    assert first.counterparty_bic == "UBSWCHZH80A"
    assert first.creditor_reference == "RF18539007547034"
    assert first.remittance_info == "RF18539007547034"
    assert (first.amount, second.amount) == (Decimal("200.00"), Decimal("100.00"))
    assert reversal.reversal is True
    assert reversal.direction == "debit"
    # A reversed credit keeps the original payer as the counterparty, not our own name.
    assert reversal.counterparty_name == "Brandly AG"
    # The pending entry is left out, with a warning naming it.
    assert [str(w) for w in result.warnings] == [
        "Element /Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Sts (line 68): entry skipped: its "
        "status is PDNG, not booked (BOOK)"
    ]


def test_version_08_with_party_choice_several_ustrd_and_an_empty_second_statement():
    result = parse_statement(fixture("camt053_v08.xml"))

    first, second = result.statements
    assert (first.currency, second.currency) == ("EUR", "USD")
    (payment,) = result.transactions
    assert payment.statement_index == 0
    assert payment.counterparty_name == "YouTube Creator Payments"
    assert payment.remittance_info == "Partner earnings April 2024, channel UC-1234 & co"
    assert payment.end_to_end_id is None
    assert payment.account_servicer_reference == "ASR-08-1"  # the entry's wins
    assert payment.posting_text == "GUTSCHRIFT"
    assert payment.additional_info == "SEPA credit transfer"


def test_each_statement_comes_before_its_transactions_when_streamed():
    stream = open_statement(io.BytesIO(fixture("camt053_v02.xml")))

    kinds = [type(record) for record in stream]

    assert kinds == [StatementRecord, TransactionRecord, TransactionRecord, TransactionRecord]
    assert stream.format == "camt053"


def test_a_batch_without_amounts_per_transaction_stays_one_entry_with_a_warning():
    details = (
        "<NtryDtls>"
        "<TxDtls><Refs><EndToEndId>A</EndToEndId></Refs>"
        "<RmtInf><Ustrd>first</Ustrd></RmtInf></TxDtls>"
        "<TxDtls><Refs><EndToEndId>B</EndToEndId></Refs>"
        "<RmtInf><Ustrd>second</Ustrd></RmtInf></TxDtls>"
        "</NtryDtls>"
    )
    result = parse_statement(camt(entry(extra=details)))

    (record,) = result.transactions
    assert record.amount == Decimal("10.00")
    assert record.remittance_info == "first / second"
    assert record.end_to_end_id is None  # they differ, so neither is the entry's
    assert "a batch of 2 transactions without individual amounts" in str(result.warnings[0])


def test_batch_amounts_that_do_not_add_up_keep_the_entry_whole():
    details = (
        "<NtryDtls>"
        '<TxDtls><Amt Ccy="EUR">4.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'
        '<TxDtls><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'
        "</NtryDtls>"
    )
    result = parse_statement(camt(entry(extra=details)))

    assert [t.amount for t in result.transactions] == [Decimal("10.00")]


def test_a_value_date_stands_in_for_a_missing_booking_date():
    result = parse_statement(camt(entry(booking="<ValDt><Dt>2024-01-05</Dt></ValDt>")))

    assert result.transactions[0].booking_date == dt.date(2024, 1, 5)


def test_newer_versions_up_to_13_are_read():
    namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.13"

    assert len(parse_statement(camt(entry(), namespace=namespace)).transactions) == 1


PATH = "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (camt(entry(amount="")), f"Element {PATH} (line 4): missing Amt"),
        (
            camt(entry(amount="<Amt>10.00</Amt>")),
            f"Element {PATH}/Amt (line 4): missing Ccy attribute",
        ),
        (
            camt(entry(amount='<Amt Ccy="EUR">10,00</Amt>')),
            f"Element {PATH}/Amt (line 4): invalid amount '10,00'",
        ),
        (
            camt(entry(amount='<Amt Ccy="EUR">-1.00</Amt>')),
            f"Element {PATH}/Amt (line 4): invalid amount '-1.00'",
        ),
        (
            camt(entry(amount='<Amt Ccy="ZZZ">1.00</Amt>')),
            f"Element {PATH}/Amt (line 4): unknown currency code 'ZZZ'",
        ),
        (
            camt(entry(indicator="<CdtDbtInd>CREDIT</CdtDbtInd>")),
            f"Element {PATH}/CdtDbtInd (line 4): CdtDbtInd is 'CREDIT'; expected CRDT or DBIT",
        ),
        (camt(entry(indicator="")), f"Element {PATH} (line 4): missing CdtDbtInd"),
        (
            camt(entry(booking="<BookgDt><Dt>2024-02-30</Dt></BookgDt>")),
            f"Element {PATH}/BookgDt/Dt (line 4): invalid date '2024-02-30'",
        ),
        (
            camt(entry(booking="<BookgDt><DtTm>yesterday</DtTm></BookgDt>")),
            f"Element {PATH}/BookgDt/DtTm (line 4): invalid date and time 'yesterday'",
        ),
        (camt(entry(booking="")), f"Element {PATH} (line 4): missing BookgDt"),
        (
            camt(entry(extra="<RvslInd>maybe</RvslInd>")),
            f"Element {PATH}/RvslInd (line 4): 'maybe' is not a boolean",
        ),
        (
            camt(entry(), header="<Id>S1</Id>"),
            "Element /Document/BkToCstmrStmt/Stmt[1] (line 3): missing Acct",
        ),
    ],
)
def test_a_bad_entry_names_its_element(document, message):
    with pytest.raises(StatementParseError) as caught:
        parse_statement(document)
    assert str(caught.value).startswith(message)
    assert caught.value.element is not None


def test_a_truncated_file_names_the_line_where_the_xml_breaks():
    document = camt(entry(), entry())

    with pytest.raises(StatementParseError) as caught:
        parse_statement(document[: document.index(b"</Stmt>") + 3])
    assert str(caught.value).startswith("Line 6: the XML is not well-formed:")


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08",
            "Element /Document (line 2): the root element is "
            "{urn:iso:std:iso:20022:tech:xsd:camt.054.001.08}Document; expected a CAMT.053",
        ),
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.053.001.01",
            "Element /Document (line 2): CAMT.053 version 001.01 is not supported",
        ),
    ],
)
def test_a_wrong_namespace_is_refused(namespace, message):
    with pytest.raises(StatementParseError) as caught:
        parse_statement(camt(entry(), namespace=namespace))
    assert str(caught.value).startswith(message)


def test_an_xml_file_that_is_no_statement_is_refused():
    with pytest.raises(StatementParseError, match=r"Element /invoice \(line 1\): the root"):
        parse_statement(b"<invoice><total>1</total></invoice>")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Id>&secret;</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct></Stmt>
</BkToCstmrStmt></Document>
"""

HIDDEN_DOCTYPE = (
    b'<?xml version="1.0"?>\n<!-- ' + b"x" * 1000 + b" -->\n"
    b'<!DOCTYPE Document SYSTEM "http://example.invalid/camt.dtd">\n'
    + camt(entry()).split(b"\n", 1)[1]
)


@pytest.mark.parametrize(
    ("document", "line"),
    [(BILLION_LAUGHS, 2), (EXTERNAL_ENTITY, 2), (HIDDEN_DOCTYPE, 3)],
    ids=["billion-laughs", "external-entity", "doctype-after-comment"],
)
def test_a_doctype_is_refused_before_any_entity_is_read(document, line):
    with pytest.raises(StatementParseError) as caught:
        parse_statement(document)
    assert str(caught.value) == (
        f"Line {line}: the XML contains a DOCTYPE declaration; statements with DTDs or "
        "entities are refused"
    )


def test_an_undeclared_entity_is_not_well_formed():
    document = camt(entry(extra="<AddtlNtryInf>&secret;</AddtlNtryInf>"))

    with pytest.raises(StatementParseError, match="Line 4: the XML is not well-formed"):
        parse_statement(document)


def test_an_entry_outside_a_statement_is_refused():
    document = (
        f'<Document xmlns="{NS}"><BkToCstmrStmt>{entry()}</BkToCstmrStmt></Document>'
    ).encode()

    with pytest.raises(StatementParseError, match=r"an entry \(Ntry\) outside a statement"):
        parse_statement(document)


def test_a_document_without_statements_is_refused():
    document = f'<Document xmlns="{NS}"><BkToCstmrStmt/></Document>'.encode()

    with pytest.raises(StatementParseError, match="contains no statement"):
        parse_statement(document)


def test_balances_that_do_not_add_up_give_a_warning_naming_the_statement():
    header = (
        "<Id>S1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>"
        '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>"
    )
    result = parse_statement(camt(entry(), header=header))

    assert [str(w) for w in result.warnings] == [
        "Element /Document/BkToCstmrStmt/Stmt[1] (line 3): the opening balance 1.00 plus the "
        "entries (10.00) does not equal the closing balance 5.00"
    ]


def test_the_parser_itself_refuses_a_doctype_even_without_the_prolog_check():
    # Defence in depth: camt053.iter_records is also safe when called directly.
    with pytest.raises(StatementParseError, match="DOCTYPE declaration"):
        list(camt053.iter_records(io.BytesIO(EXTERNAL_ENTITY), []))


def test_a_utf16_statement_is_read():
    document = camt(entry()).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')

    result = parse_statement(document.encode("utf-16"))

    assert result.transactions[0].amount == Decimal("10.00")


def test_a_utf16_statement_without_byte_order_mark_is_read():
    document = camt(entry()).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')

    for encoded in (document.encode("utf-16-le"), document.encode("utf-16-be")):
        assert parse_statement(encoded).transactions[0].amount == Decimal("10.00")


def test_an_encoding_nobody_knows_is_a_statement_error_not_a_crash():
    # Found by the mangled-statement property test: expat asks Python's codecs for the
    # declared encoding, and their LookupError used to escape the prolog check.
    document = camt(entry()).replace(b'encoding="UTF-8"', b'encoding="TF-8"')

    with pytest.raises(StatementParseError, match="Unsupported encoding: TF-8"):
        parse_statement(document)


def test_a_utf16_doctype_without_byte_order_mark_is_refused_before_parsing():
    document = EXTERNAL_ENTITY.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')

    with pytest.raises(StatementParseError, match="DOCTYPE declaration"):
        camt053.check_prolog(document.encode("utf-16-le"))


def test_a_prolog_that_fills_the_head_up_to_a_cut_off_tag_is_refused():
    head = b"<?xml version='1.0'?><!--" + b"x" * (65536 - 29) + b"--><"

    assert len(head) == 65536
    with pytest.raises(StatementParseError, match="XML prolog is longer than 65536 bytes"):
        camt053.check_prolog(head)


@pytest.mark.parametrize(
    ("booking", "where"),
    [
        ("<BookgDt><DtTm>2024-02-30T10:00:00+01:00</DtTm></BookgDt>", "BookgDt/DtTm"),
        ("<BookgDt><Dt>2023-02-29</Dt></BookgDt>", "BookgDt/Dt"),
        ("<BookgDt><Dt>2024-04-31+02:00</Dt></BookgDt>", "BookgDt/Dt"),
        ("<ValDt><Dt>2024-02-30</Dt></ValDt>", "ValDt/Dt"),
    ],
)
def test_a_date_that_does_not_exist_is_an_error_naming_its_element(booking, where):
    with pytest.raises(StatementParseError) as caught:
        parse_statement(camt(entry(booking=booking)))

    assert caught.value.element == f"{PATH}/{where}"
    assert caught.value.line == 4


def test_a_balance_dated_30_february_is_an_error_naming_the_balance():
    header = (
        "<Id>S1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>"
        "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>"
        '<Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-02-30</Dt></Dt></Bal>'
    )

    with pytest.raises(StatementParseError) as caught:
        parse_statement(camt(entry(), header=header))

    assert caught.value.element == "/Document/BkToCstmrStmt/Stmt[1]/Bal[1]/Dt/Dt"
    assert "invalid date '2024-02-30'" in str(caught.value)


def refs(*parts: str) -> str:
    return "<NtryDtls><TxDtls><Refs>" + "".join(parts) + "</Refs></TxDtls></NtryDtls>"


@pytest.mark.parametrize(
    ("extra", "bank_reference", "transaction_id"),
    [
        # The entry's AcctSvcrRef is the bank's own reference, whatever else there is.
        (
            "<AcctSvcrRef>ASR-E</AcctSvcrRef>"
            + refs("<AcctSvcrRef>ASR-T</AcctSvcrRef><TxId>TX-1</TxId>"),
            "ASR-E",
            "TX-1",
        ),
        ("<NtryRef>NR-1</NtryRef><AcctSvcrRef>ASR-E</AcctSvcrRef>", "ASR-E", None),
        # Else the transaction's AcctSvcrRef; a TxId (the payer's bank's) never stands in.
        (refs("<AcctSvcrRef>ASR-T</AcctSvcrRef><TxId>TX-1</TxId>"), "ASR-T", "TX-1"),
        ("<NtryRef>NR-1</NtryRef>" + refs("<TxId>TX-1</TxId>"), "NR-1", "TX-1"),
        (refs("<TxId>TX-1</TxId>"), None, "TX-1"),
    ],
)
def test_the_bank_reference_is_the_account_servicers_own(extra, bank_reference, transaction_id):
    (record,) = parse_statement(camt(entry(extra=extra))).transactions

    assert record.bank_reference == bank_reference
    assert record.transaction_id == transaction_id


def test_each_part_of_a_split_batch_keeps_its_own_account_servicer_reference():
    details = "".join(
        f'<TxDtls><Refs><AcctSvcrRef>ASR-{n}</AcctSvcrRef></Refs><Amt Ccy="EUR">5.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd></TxDtls>"
        for n in (1, 2)
    )
    extra = f"<AcctSvcrRef>ASR-E</AcctSvcrRef><NtryDtls>{details}</NtryDtls>"

    first, second = parse_statement(camt(entry(extra=extra))).transactions

    assert (first.bank_reference, second.bank_reference) == ("ASR-1", "ASR-2")
    assert first.account_servicer_reference == "ASR-E"  # unchanged: the entry's first


def test_a_returned_transfer_gives_its_domain_code_and_the_proprietary_code():
    code = (
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly>"
        "</Domn><Prtry><Cd>NRTI+159</Cd><Issr>DK</Issr></Prtry></BkTxCd>"
    )
    extra = "<RvslInd>true</RvslInd><AcctSvcrRef>ASR-R</AcctSvcrRef>" + code

    (record,) = parse_statement(
        camt(entry(indicator="<CdtDbtInd>DBIT</CdtDbtInd>", extra=extra))
    ).transactions

    assert (record.direction, record.reversal) == ("debit", True)
    assert (record.transaction_code, record.bank_code) == ("PMNT/RCDT/RRTN", "NRTI+159")
    assert record.bank_reference == "ASR-R"


def test_a_transaction_code_given_only_in_the_details_is_read():
    code = (
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd>"
    )
    extra = f"<NtryDtls><TxDtls>{code}</TxDtls></NtryDtls>"

    (record,) = parse_statement(camt(entry(extra=extra))).transactions

    assert record.transaction_code == "PMNT/ICDT/RRTN"


# Plain values take a fast path in the parser (an exact CRDT, a YYYY-MM-DD date, a currency
# already checked); anything else the general reading. Both must give the same record, and
# the fast path must never let a bad value through.


def test_padded_values_read_like_plain_ones():
    party = (
        "<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm> Platform  BV </Nm></Pty></Dbtr>"
        "<DbtrAcct><Id><IBAN>nl91 abna 0417 1643 00</IBAN></Id></DbtrAcct></RltdPties>"
        "</TxDtls></NtryDtls>"
    )
    plain = entry(extra="<ValDt><Dt>2024-01-03</Dt></ValDt>" + party)
    padded = entry(
        amount='<Amt Ccy="EUR"> 10.00 </Amt>',
        indicator="<CdtDbtInd> CRDT\n</CdtDbtInd>",
        booking="<BookgDt><Dt> 2024-01-02 </Dt></BookgDt>",
        extra="<ValDt><Dt>2024-01-03+01:00</Dt></ValDt>" + party,
    )

    first, second = parse_statement(camt(plain, padded)).transactions

    assert first.amount == second.amount == Decimal("10.00")
    assert (second.direction, second.booking_date, second.value_date) == (
        "credit",
        dt.date(2024, 1, 2),
        dt.date(2024, 1, 3),
    )
    assert (second.counterparty_name, second.counterparty_iban) == (
        "Platform BV",
        "NL91ABNA0417164300",
    )
    assert [getattr(first, f) for f in ("currency", "counterparty_name", "counterparty_iban")] == [
        getattr(second, f) for f in ("currency", "counterparty_name", "counterparty_iban")
    ]


PATH_2 = "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]"


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (entry(amount='<Amt Ccy="EUR">10,00</Amt>'), f"Element {PATH_2}/Amt (line 5): invalid"),
        (entry(amount='<Amt Ccy="eur">10.00</Amt>'), f"Element {PATH_2}/Amt (line 5): unknown"),
        (entry(amount='<Amt Ccy="">10.00</Amt>'), f"Element {PATH_2}/Amt (line 5): missing Ccy"),
        (
            entry(booking="<BookgDt><Dt>2024-02-30</Dt></BookgDt>"),
            f"Element {PATH_2}/BookgDt/Dt (line 5): invalid date '2024-02-30'",
        ),
        (
            entry(indicator="<CdtDbtInd>crdt</CdtDbtInd>"),
            f"Element {PATH_2}/CdtDbtInd (line 5): CdtDbtInd is 'crdt'",
        ),
    ],
)
def test_a_bad_value_after_a_plain_entry_is_still_an_error(second, message):
    with pytest.raises(StatementParseError) as caught:
        parse_statement(camt(entry(), second))
    assert str(caught.value).startswith(message)
