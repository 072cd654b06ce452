"""Property tests: what the CAMT generator writes comes back unchanged, and no input, however
mangled, makes a parser raise anything but StatementParseError."""

from __future__ import annotations

import datetime as dt
import io
import string
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from bench.generators.camt053 import PlannedTransaction, write_camt053
from payouts.parsers import ColumnMapping, StatementParseError, parse_statement
from payouts.parsers.fields import account_matches, decode_text

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "mt940"

# Words without whitespace, so the written and the parsed text are the same after the
# parsers collapse runs of spaces; XML-special characters are included on purpose.
word = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S"), exclude_characters="\x85"),
    min_size=1,
    max_size=20,
)
text = st.lists(word, min_size=1, max_size=12).map(" ".join)
identifier = st.text(alphabet=string.ascii_letters + string.digits + "-/.", min_size=1, max_size=35)
iban = st.from_regex(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", fullmatch=True)
bic = st.from_regex(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", fullmatch=True)
amount = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("999999999.99"), places=2)


@st.composite
def planned(draw, currency=None):
    booked = draw(st.dates(min_value=dt.date(2000, 1, 1)))
    return PlannedTransaction(
        amount=draw(amount),
        booking_date=booked,
        value_date=draw(st.one_of(st.none(), st.just(booked))),
        direction=draw(st.sampled_from(["credit", "debit"])),
        currency=currency or draw(st.sampled_from(["EUR", "EUR", "USD", "CHF"])),
        counterparty_name=draw(st.one_of(st.none(), text)),
        counterparty_iban=draw(st.one_of(st.none(), iban)),
        counterparty_bic=draw(st.one_of(st.none(), bic)),
        remittance_info=draw(st.one_of(st.none(), text)),
        end_to_end_id=draw(st.one_of(st.none(), identifier)),
        account_servicer_reference=draw(st.one_of(st.none(), identifier)),
        reversal=draw(st.booleans()),
    )


def write(transactions, version, **options) -> bytes:
    out = io.BytesIO()
    write_camt053(out, transactions, version=version, **options)
    return out.getvalue()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    transactions=st.lists(planned(), max_size=8),
    version=st.sampled_from(["02", "04", "08"]),
    opening=amount,
)
def test_planted_transactions_come_back_from_the_generated_camt(transactions, version, opening):
    result = parse_statement(write(transactions, version, opening_balance=opening))

    (statement,) = result.statements
    assert statement.account_iban == "NL55INGB0000000001"
    assert statement.opening_balance == opening
    assert result.warnings == ()  # the generator's closing balance adds up
    assert len(result.transactions) == len(transactions)
    for planted, parsed in zip(transactions, result.transactions, strict=True):
        assert parsed.amount == planted.amount
        assert parsed.currency == planted.currency
        assert parsed.direction == planted.direction
        assert parsed.reversal == planted.reversal
        assert parsed.booking_date == planted.booking_date
        assert parsed.value_date == (planted.value_date or planted.booking_date)
        assert parsed.counterparty_name == planted.counterparty_name
        assert parsed.counterparty_iban == planted.counterparty_iban
        assert parsed.counterparty_bic == planted.counterparty_bic
        assert parsed.remittance_info == planted.remittance_info
        assert parsed.end_to_end_id == planted.end_to_end_id
        assert parsed.account_servicer_reference == planted.account_servicer_reference


@settings(max_examples=30)
@given(
    parts=st.lists(planned(currency="EUR"), min_size=2, max_size=5),
    version=st.sampled_from(["02", "08"]),
)
def test_a_planted_batch_with_amounts_comes_back_split(parts, version):
    parts = [
        PlannedTransaction(**{**part.__dict__, "direction": "credit", "reversal": False})
        for part in parts
    ]
    batch = PlannedTransaction(
        amount=sum((p.amount for p in parts), Decimal(0)),
        booking_date=parts[0].booking_date,
        parts=tuple(parts),
    )

    result = parse_statement(write([batch], version))

    assert [(t.detail_index, t.amount) for t in result.transactions] == [
        (index, part.amount) for index, part in enumerate(parts, start=1)
    ]
    assert [t.end_to_end_id for t in result.transactions] == [p.end_to_end_id for p in parts]


MAPPING = ColumnMapping(booking_date="date", amount="amount", fixed_currency="EUR")
FORMATS = [None, "camt053", "mt940", "ofx", "csv"]


def parse_or_refuse(data: bytes, format: str | None) -> None:
    try:
        parse_statement(data, format=format, csv_mapping=MAPPING if format == "csv" else None)
    except StatementParseError as error:
        assert str(error)  # renders without failing


@settings(max_examples=300)
@given(data=st.binary(max_size=2000), format=st.sampled_from(FORMATS))
def test_random_bytes_give_a_statement_error_or_a_result(data, format):
    parse_or_refuse(data, format)


VALID = {
    "camt053": (FIXTURES / "camt053_v02.xml").read_bytes(),
    "mt940": (SAMPLES / "betterplace__sepa_snippet.sta").read_bytes(),
    "ofx": (
        b"OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM>"
        b"<ACCTID>1</BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240101"
        b"<TRNAMT>1.00<FITID>1</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    ),
    "csv": b"date,amount\n2024-01-01,1.00\n2024-01-02,-2.50\n",
}


@st.composite
def mangled(draw):
    format = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[format])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["cut", "delete", "insert", "replace"]))
        if action == "cut":
            del data[position:]
        elif action == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=40))]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=20))
        elif position < len(data):
            data[position] = draw(st.integers(min_value=0, max_value=255))
    return bytes(data), draw(st.sampled_from([None, format]))


@settings(max_examples=300)
@given(case=mangled())
def test_mangled_statements_give_a_statement_error_or_a_result(case):
    data, format = case
    parse_or_refuse(data, format)


mt940_line = st.one_of(
    st.sampled_from(
        [
            ":20:REF",
            ":25:NL91ABNA0417164300",
            ":28C:1/1",
            ":60F:C240101EUR10,00",
            ":60M:D240101EUR0,",
            ":61:2401020102C5,00NTRFNONREF//B1",
            ":61:2412310102RD5,00NTRF",
            ":86:166?00GUTSCHRIFT?20EREF+X?32NAME",
            ":86:/EREF/X//REMI/USTD//Y/",
            ":62F:C240102EUR15,00",
            ":64:C240102EUR15,00",
            ":34F:EURD0,00",
            ":NS:22x",
            "-",
            "-}{5:}",
            "{1:F01}{2:O940}{4:",
            "",
        ]
    ),
    st.text(max_size=30),
)


@settings(max_examples=300)
@given(lines=st.lists(mt940_line, max_size=25))
def test_shuffled_mt940_fields_give_a_statement_error_or_a_result(lines):
    parse_or_refuse("\r\n".join(lines).encode(), "mt940")


# --- Unicode encodings, binary data and account identifications ------------------------------


def _importable_samples() -> list[str]:
    names = []
    for path in sorted(SAMPLES.iterdir()):
        if "LICENSE" in path.name:
            continue
        try:
            parse_statement(path.read_bytes())
        except StatementParseError:
            continue
        names.append(path.name)
    return names


IMPORTABLE = _importable_samples()
ENCODINGS = {
    "utf-8-sig": lambda text: text.encode("utf-8-sig"),
    "utf-16": lambda text: text.encode("utf-16"),
    "utf-16-le": lambda text: text.encode("utf-16-le"),
    "utf-16-be": lambda text: text.encode("utf-16-be"),
    "utf-32": lambda text: text.encode("utf-32"),
}


@settings(max_examples=60)
@given(name=st.sampled_from(IMPORTABLE), encoding=st.sampled_from(sorted(ENCODINGS)))
def test_a_sample_in_any_unicode_encoding_reads_as_its_original(name, encoding):
    original = (SAMPLES / name).read_bytes()
    expected = parse_statement(original)
    text, _used = decode_text(original)  # UTF-8, or Latin-1 for the Raiffeisen sample

    result = parse_statement(ENCODINGS[encoding](text))

    assert result.format == "mt940"
    assert (result.statements, result.transactions) == (expected.statements, expected.transactions)


@settings(max_examples=200)
@given(
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]),
    data=st.binary(max_size=600),
    format=st.sampled_from(FORMATS),
)
def test_bytes_after_a_byte_order_mark_give_a_statement_error_or_a_result(prefix, data, format):
    parse_or_refuse(prefix + data, format)


@settings(max_examples=200)
@given(text=st.text(max_size=300), encoding=st.sampled_from(["utf-16-le", "utf-16-be"]))
def test_utf16_text_gives_a_statement_error_or_a_result(text, encoding):
    parse_or_refuse(text.encode(encoding, errors="surrogatepass"), None)


national = st.sampled_from(
    [
        (
            "NL",
            st.from_regex(r"[A-Z]{4}", fullmatch=True),
            st.from_regex(r"[0-9]{10}", fullmatch=True),
        ),
        (
            "DE",
            st.from_regex(r"[1-9][0-9]{7}", fullmatch=True),
            st.from_regex(r"[0-9]{10}", fullmatch=True),
        ),
    ]
).flatmap(lambda spec: st.tuples(st.just(spec[0]), spec[1], spec[2]))


def _iban(country: str, bank: str, number: str) -> str:
    return str(IBAN.generate(country, bank_code=bank, account_code=number)).replace(" ", "")


@settings(max_examples=200)
@given(account=national, form=st.integers(min_value=0, max_value=5))
def test_an_account_identification_in_any_usual_form_names_its_iban(account, form):
    country, bank, number = account
    iban = _iban(country, bank, number)
    bank_part = bank if country == "DE" else f"{bank}{country}2A"
    identification = [
        iban,
        f"{iban}EUR",
        number,
        number.lstrip("0") or "0",
        f"{bank_part}/{number}",
        f" {iban[:4]} {iban[4:8]} {iban[8:]} ",
    ][form]
    if not number.strip("0"):
        return  # an account number of zeros names nothing

    assert account_matches(identification, iban)


@settings(max_examples=200)
@given(account=national, other=st.from_regex(r"[0-9]{10}", fullmatch=True), form=st.booleans())
def test_another_account_number_never_names_the_iban(account, other, form):
    country, bank, number = account
    if other.lstrip("0") == number.lstrip("0"):
        return
    iban = _iban(country, bank, number)
    bank_part = bank if country == "DE" else f"{bank}{country}2A"

    assert not account_matches(f"{bank_part}/{other}" if form else other, iban)
    assert not account_matches(_iban(country, bank, other), iban)
