from __future__ import annotations

import io
from pathlib import Path

import pytest

from payouts.parsers import (
    DEFAULT_MAX_BYTES,
    ColumnMapping,
    StatementParseError,
    detect_format,
    parse_statement,
)
from payouts.parsers.errors import StatementWarning

FIXTURES = Path(__file__).parent / "fixtures"
MT940 = b":20:X\r\n:25:NL91ABNA0417164300\r\n:60F:C240101EUR0,\r\n:62F:C240101EUR0,\r\n"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ((FIXTURES / "camt053_v02.xml").read_bytes()[:200], "camt053"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><Document/>", "camt053"),
        (b"OFXHEADER:100\nDATA:OFXSGML\n", "ofx"),
        (b'<?xml version="1.0"?><?OFX OFXHEADER="200"?><OFX>', "ofx"),
        (b"{1:F01ABNANL2AXXXX0000000000}{2:O940}{4:\r\n:20:X", "mt940"),
        (b"ABNANL2A\r\n940\r\n:20:ABN AMRO BANK NV\r\n", "mt940"),
        (b"Datum;Bedrag\n2024-01-01;1,00\n", None),
        (b"", None),
    ],
)
def test_the_format_is_recognised_from_the_first_bytes(head, expected):
    assert detect_format(head) == expected


def test_an_unrecognised_file_is_refused_pointing_at_csv_mappings():
    with pytest.raises(StatementParseError) as caught:
        parse_statement(b"Datum;Bedrag\n2024-01-01;1,00\n")
    assert str(caught.value) == (
        "Line 1: the file is not a recognised bank statement (CAMT.053 XML, MT940 or OFX); "
        "a CSV export needs a column mapping"
    )


def test_a_chosen_format_overrides_sniffing():
    with pytest.raises(StatementParseError, match="no MT940 statement found"):
        parse_statement(b"OFXHEADER:100\n<OFX></OFX>", format="mt940")


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(StatementParseError, match="larger than the limit of 105 bytes"):
        parse_statement(MT940 + b" " * 200, max_bytes=105)


def test_a_stream_over_the_size_limit_is_refused_while_reading():
    document = (FIXTURES / "camt053_v02.xml").read_bytes()

    with pytest.raises(StatementParseError, match="larger than the limit"):
        parse_statement(io.BytesIO(document), max_bytes=len(document) - 1)
    assert len(parse_statement(io.BytesIO(document), max_bytes=len(document)).transactions) == 3


def test_a_large_xml_stream_is_refused_once_reading_passes_the_limit():
    # More than the first 64 KB sniffed, so the limit is enforced inside the XML parser's reads.
    filler = "".join(f"<!-- {n:06d} -->\n" for n in range(20_000)).encode()
    document = (
        (FIXTURES / "camt053_v02.xml").read_bytes().replace(b"</Document>", filler + b"</Document>")
    )

    with pytest.raises(StatementParseError, match="larger than the limit"):
        parse_statement(io.BytesIO(document), max_bytes=len(document) - 10)


def test_the_default_limit_is_50_mb():
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_a_file_with_a_utf8_bom_is_read_as_utf8():
    result = parse_statement(b"\xef\xbb\xbf" + MT940)

    assert result.warnings == ()
    assert result.statements[0].statement_id == "X"


def test_an_explicit_encoding_is_used_without_a_warning():
    result = parse_statement(MT940.replace(b":20:X", ":20:Ü".encode("cp850")), encoding="cp850")

    assert result.statements[0].statement_id == "Ü"
    assert result.warnings == ()


def test_an_unknown_format_name_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown statement format"):
        parse_statement(MT940, format="pdf")


def test_csv_without_a_mapping_is_a_programming_error():
    with pytest.raises(ValueError, match="needs a ColumnMapping"):
        parse_statement(b"a,b\n", format="csv")


def test_messages_render_through_a_translation_function():
    error = StatementParseError("field %(tag)s is bad", line=3, tag=":61:")
    dutch = {"Line %(line)s": "Regel %(line)s", "field %(tag)s is bad": "veld %(tag)s is fout"}

    assert error.render(lambda text: dutch.get(text, text)) == "Regel 3: veld :61: is fout"
    assert str(error) == "Line 3: field :61: is bad"


def test_a_broken_translation_falls_back_to_english():
    warning = StatementWarning("%(count)s entries", element="/Document", count=2)
    broken = {"%(count)s entries": "%(aantal)s posten"}

    assert warning.render(lambda text: broken.get(text, text)) == "Element /Document: 2 entries"


def test_long_values_are_shortened_in_messages():
    error = StatementParseError("bad value '%(value)s'", line=1, value="x" * 500)

    assert len(str(error)) < 100


def test_a_csv_mapping_selects_the_csv_reader_without_naming_the_format():
    mapping = ColumnMapping(booking_date="d", amount="a", fixed_currency="EUR")

    result = parse_statement(b"d,a\n2024-01-01,1.00\n", csv_mapping=mapping)

    assert result.format == "csv"


SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "mt940"
UNICODE = {
    "utf-8 with BOM": lambda text: b"\xef\xbb\xbf" + text.encode(),
    "utf-16 with BOM": lambda text: text.encode("utf-16"),
    "utf-16-le": lambda text: text.encode("utf-16-le"),
    "utf-16-be": lambda text: text.encode("utf-16-be"),
    "utf-16-be with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "utf-32 with BOM": lambda text: text.encode("utf-32"),
}
OFX = (
    "OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM>"
    "<ACCTID>NL91ABNA0417164300</BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT"
    "<DTPOSTED>20240101<TRNAMT>1.00<FITID>F-1<MEMO>Überweisung</STMTTRN></BANKTRANLIST>"
    "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
)


@pytest.mark.parametrize("encoding", sorted(UNICODE))
def test_a_unicode_mt940_is_recognised_and_read_like_its_utf8_original(encoding):
    text = (SAMPLES / "betterplace__sepa_snippet.sta").read_text("utf-8")
    data = UNICODE[encoding](text)

    assert detect_format(data[:65536]) == "mt940"  # never XML for a UTF-16 MT940
    assert parse_statement(data) == parse_statement(text.encode())


@pytest.mark.parametrize("encoding", sorted(UNICODE))
def test_a_unicode_ofx_is_recognised_and_read(encoding):
    data = UNICODE[encoding](OFX)

    assert detect_format(data) == "ofx"
    (entry,) = parse_statement(data).transactions
    assert (entry.remittance_info, entry.bank_reference) == ("Überweisung", "F-1")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP/XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "XLS/DOC"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
    ],
)
def test_a_binary_document_is_refused_saying_what_it_is(data, kind):
    for format in (None, "mt940", "camt053"):
        with pytest.raises(StatementParseError) as caught:
            parse_statement(data + b"\x00" * 40, format=format)
        assert str(caught.value) == (
            f"Line 1: the file is a {kind} file, not a bank statement; download the statement "
            "from your bank as CAMT.053, MT940, OFX or CSV"
        )


def test_binary_data_is_refused_naming_the_line_of_its_first_zero_byte():
    data = b":20:X\r\n:25:NL91ABNA0417164300\r\n\x00\x07\x00\xff\x00\x00\x01\x02"

    with pytest.raises(StatementParseError) as caught:
        parse_statement(
            data, csv_mapping=ColumnMapping(booking_date="d", amount="a", fixed_currency="EUR")
        )

    assert str(caught.value).startswith("Line 3: the file contains binary data, not the text")
