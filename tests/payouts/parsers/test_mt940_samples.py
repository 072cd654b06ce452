"""Every real MT940 sample in tests/fixtures/mt940 is imported or refused with a line number.

The samples (ABN AMRO, ING, Knab, Rabobank, SNS, Triodos, ASN, PostFinance, Sparkasse,
Raiffeisen …, including deliberately broken ones) come from the MIT-licensed `mt940`
library's test suite; copied with their licences into tests/fixtures/mt940.
The expected outcome of each file is written down here, so a new sample cannot slip in
untested and a behaviour change shows up as a failing case.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from payouts.parsers import StatementParseError, parse_statement

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "mt940"

# file -> (statements, transactions) when imported, or the start of the error message.
EXPECTED: dict[str, tuple[int, int] | str] = {
    "ASNB__0708271685_09022020_164516.940.txt": (31, 8),
    "betterplace__amount_formats.sta": "Line 1: field :60F: appears before the statement's",
    "betterplace__currency_in_25.sta": "Line 1: field :25: appears before the statement's",
    "betterplace__empty_86.sta": "Line 1: field :86: appears before the statement's",
    "betterplace__empty_entry_date.sta": "Line 1: field :61: appears before the statement's",
    "betterplace__empty_line.sta": "Line 2: the statement 'TELEREPORTING' that starts here",
    "betterplace__missing_crlf_at_end.sta": "Line 1: field :62F: appears before the statement's",
    "betterplace__sepa_mt9401.sta": (26, 97),
    "betterplace__sepa_snippet.sta": (2, 11),
    "betterplace__sepa_snippet_broken.sta": "Line 6: field :25: is out of order",
    "betterplace__with_binary_character.sta": (2, 4),
    "cmxl__account_balance_credit.sta": "Line 1: field :60F: appears before the statement's",
    "cmxl__account_balance_debit.sta": "Line 1: field :60F: appears before the statement's",
    "cmxl__account_identification_iban.sta": "Line 1: field :25: appears before the statement's",
    "cmxl__account_identification_legacy.sta": "Line 1: field :25: appears before the",
    "cmxl__available_balance.sta": "Line 1: field :64: appears before the statement's",
    "cmxl__closing_balance.sta": "Line 1: field :62F: appears before the statement's",
    "cmxl__mt940.sta": (3, 16),
    "cmxl__reference.sta": "Line 1: the statement 'D140902049' that starts here has no account",
    "cmxl__statement_details.sta": "Line 1: field :61: appears before the statement's",
    "cmxl__statement_line.sta": "Line 1: field :61: appears before the statement's",
    "cmxl__statement_number.sta": "Line 1: field :28C: appears before the statement's",
    "jejik__abnamro.sta": (2, 10),
    "jejik__generic.sta": (2, 2),
    "jejik__ing.sta": (1, 7),
    "jejik__knab.sta": (2, 3),
    "jejik__postfinance.sta": (2, 4),
    "jejik__rabobank-iban.sta": (2, 4),
    "jejik__rabobank.sta": (4, 5),
    "jejik__sns.sta": (2, 2),
    "jejik__triodos.sta": (1, 2),
    "self-provided__details_60-63.sta": (1, 1),
    "self-provided__empty_non_swift.sta": "Line 1: no MT940 statement found",
    "self-provided__february_30.sta": "Line 6: field :61: has an invalid date '160230'",
    "self-provided__gv_codes.sta": "Line 1: the statement 'STARTUMS' that starts here has no",
    "self-provided__invalid_statement.sta": "Line 1: the file is not a recognised bank statement",
    "self-provided__long_statement_number.sta": (1, 0),
    "self-provided__malformed_details.sta": (1, 1),
    "self-provided__mt942.sta": "Line 4: field :34F: belongs to an MT942 interim",
    "self-provided__overly_long_details.sta": (1, 1),
    "self-provided__raiffeisen-cmi.sta": (1, 7),
    "self-provided__raphaelm.sta": "Line 27: field :62M: is not a valid balance 'C020315105000,00'",
    "self-provided__sparkassen.sta": "Line 1: field :61: appears before the statement's",
    "self-provided__transaction_details_wrapped.sta": "Line 6: field :61: has an invalid date",
    "self-provided__whitespace.sta": (1, 1),
    "self-provided__wrapped_timestamp.sta": "Line 5: field :61: has an invalid date '160230'",
}


def _statement_files() -> list[str]:
    return sorted(path.name for path in SAMPLES.iterdir() if "LICENSE" not in path.name)


def test_every_sample_file_has_a_recorded_outcome():
    assert _statement_files() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_sample_is_imported_or_refused_with_a_line_number(name):
    data = (SAMPLES / name).read_bytes()
    expected = EXPECTED[name]

    if isinstance(expected, str):
        with pytest.raises(StatementParseError) as caught:
            parse_statement(data)
        assert str(caught.value).startswith(expected)
        assert caught.value.line is not None
    else:
        result = parse_statement(data)
        assert result.format == "mt940"
        assert (len(result.statements), len(result.transactions)) == expected
        for transaction in result.transactions:
            assert transaction.amount >= 0
            assert transaction.direction in ("credit", "debit")
            assert transaction.currency == result.statements[transaction.statement_index].currency


def test_a_sample_read_as_mt940_explicitly_gives_the_same_outcome_as_sniffing():
    for name in _statement_files():
        data = (SAMPLES / name).read_bytes()
        try:
            sniffed = parse_statement(data)
        except StatementParseError:
            with pytest.raises(StatementParseError):
                parse_statement(data, format="mt940")
        else:
            assert parse_statement(data, format="mt940") == sniffed


def test_the_sepa_sample_reads_german_subfields_into_fields():
    result = parse_statement((SAMPLES / "betterplace__sepa_snippet.sta").read_bytes())

    first = result.transactions[0]
    assert first.counterparty_name == "KARL KAUFMANN"
    assert first.counterparty_iban == "DE14508800500194785000"
    assert first.counterparty_bic == "DRESDEFF508"
    assert first.end_to_end_id == "EndToEndId TFNR 22 004 00001"
    assert first.remittance_info == "Verw CTSc-01 BC-PPP TFNr 22 004"
    assert first.posting_text == "GUTSCHRIFT"
    assert first.bank_code == "166"
    assert first.bank_reference == "0724710333343453"
    assert (first.direction, first.amount) == ("credit", Decimal("50990.05"))


def test_a_reversed_credit_in_the_sepa_sample_is_a_reversal_going_out():
    result = parse_statement((SAMPLES / "betterplace__sepa_mt9401.sta").read_bytes())

    storno = next(t for t in result.transactions if t.posting_text == "SAMMLER/STORNO")
    assert storno.reversal is True
    assert storno.direction == "debit"  # RC: a credit reversed takes the money back out


def test_february_30_is_an_error_on_its_line_not_a_guess():
    with pytest.raises(StatementParseError) as caught:
        parse_statement((SAMPLES / "self-provided__february_30.sta").read_bytes())

    assert caught.value.line == 6  # after a blank first line
    assert str(caught.value) == "Line 6: field :61: has an invalid date '160230' (no such day)"


def test_a_non_utf8_sample_is_read_as_latin1_and_says_so():
    result = parse_statement((SAMPLES / "self-provided__raiffeisen-cmi.sta").read_bytes())

    assert result.statements[0].currency == "HUF"
    assert any("read as latin-1" in str(w) for w in result.warnings)


def test_rabobank_puts_the_name_after_the_padded_reference():
    result = parse_statement((SAMPLES / "jejik__rabobank.sta").read_bytes())

    first = result.transactions[0]
    assert first.customer_reference == "0121470966"
    assert first.additional_info == "W.P. Jansen"
    assert first.remittance_info.startswith("Terugboeking NIET AKKOORD MET AFSCHRIJVING")


# (file, entry) -> what reconciliation reads: bank reference, :61: type, GVC or /TRCD/,
# reversal, end-to-end id (EREF) and remittance text (sub-field and keyword markers removed).
READ_FOR_RECONCILIATION = [
    (
        "jejik__ing.sta",
        0,
        (
            None,
            "NTRF",
            None,
            False,
            None,
            "RC AFREKENING BETALINGSVERKEER BETREFT REKENING "
            "4715589 PERIODE: 01-10-2010 / 31-12-2010 ING Bank N.V. tarifering ING",
        ),
    ),
    (
        "jejik__rabobank-iban.sta",
        0,
        (None, "N102", None, False, "01-01-2013 12:00 0030000987654321", None),
    ),
    ("jejik__rabobank-iban.sta", 1, (None, "N154", None, False, None, "Reference 201301234")),
    (
        "jejik__rabobank.sta",
        0,
        (
            None,
            "N044",
            None,
            False,
            None,
            "Terugboeking NIET AKKOORD MET AFSCHRIJVING KOSTEN KINDEROPVANG JUNI 20095731",
        ),
    ),
    (
        "jejik__knab.sta",
        0,
        (
            "B4E07XM00J000023",
            "NTRF",
            None,
            False,
            None,
            "HIER EEN MOOIE OMSCHRIJVING IN "
            "HOOFDLETTERS WANT DAT IS ZOALS DE NEDERLANDSE BANKEN COMMUNICEREN",
        ),
    ),
    (
        "betterplace__sepa_mt9401.sta",
        0,
        (
            "0724710345313905",
            "NTRF",
            "159",
            False,
            "TFNR 40005 00005",
            "MTLG:Grund nicht spezifiziert Reject aus SEPA-Ueberweisungsauftrag",
        ),
    ),
    ("betterplace__sepa_mt9401.sta", 5, (None, "NRTI", "079", True, None, "0904059003")),
    (
        "betterplace__sepa_mt9401.sta",
        8,
        (
            "BD7CFA74485E7E69",
            "NTRF",
            "191",
            False,
            None,
            "MTLG:SEPA-Ueberweisungsauftrag Datei mit 0000005 Zahlungen",
        ),
    ),
    (
        "self-provided__malformed_details.sta",
        0,
        (
            None,
            "NMSC",
            "105",
            False,
            "123/123/12345-----L1101234567890123",
            "STEUERNR 123/123/12345 KOERPST 3VJ.17 233,15EUR EREF: 123/123/12345-----L11123456789"
            "12345 MREF: BYA12345678901 CRED: DE99ZZZ00000012345 IBAN: DE00700500000000012345 "
            "BIC: BYLADEMM ABWA: Finanzamt Muenchen",
        ),
    ),
]


@pytest.mark.parametrize(("name", "index", "expected"), READ_FOR_RECONCILIATION)
def test_what_reconciliation_reads_from_the_samples(name, index, expected):
    entry = parse_statement((SAMPLES / name).read_bytes()).transactions[index]

    assert (
        entry.bank_reference,
        entry.transaction_code,
        entry.bank_code,
        entry.reversal,
        entry.end_to_end_id,
        entry.remittance_info,
    ) == expected


def test_no_sample_remittance_keeps_a_german_subfield_or_keyword_marker():
    for name in _statement_files():
        try:
            result = parse_statement((SAMPLES / name).read_bytes())
        except StatementParseError:
            continue
        for entry in result.transactions:
            text = entry.remittance_info or ""
            assert not re.search(r"\?\d\d|\b(?:EREF|KREF|MREF|CRED|SVWZ)\+", text), (name, text)
