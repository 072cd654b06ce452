"""core.csv_import, the one reader behind every CSV import: whatever the bytes, rows or errors
(never an exception), the same rows in every encoding and delimiter it accepts, its limits,
and header names in any spelling."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.csv_import import (
    CellError,
    Column,
    CsvTable,
    iso_date,
    read_csv,
    shown,
    whole_number,
)


def _count(text: str) -> int:
    return whole_number(text, limit=10**6, invalid="Not a count.", too_large="Too large.")


COLUMNS = [
    Column("name", required=True, aliases=("full name",), blank_error="Enter a name."),
    Column("count", parse=lambda t: _count(t) if t.strip() else None),
    Column("note"),
]
LIMITS = {"max_bytes": 100_000, "max_rows": 50}
# Cell text a spreadsheet can hold: no NUL (a binary file), no lone surrogates.
CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
)


def read(data: bytes | str, columns=COLUMNS, **options) -> CsvTable:
    if isinstance(data, str):
        data = data.encode()
    return read_csv(data, columns, **{**LIMITS, **options})


def where(table: CsvTable) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in table.errors]


def write(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


# --- never a crash ---------------------------------------------------------------------------


@given(st.binary(max_size=600))
def test_arbitrary_bytes_give_rows_or_errors_never_an_exception(data):
    table = read(data)

    assert all(isinstance(e, CellError) for e in table.errors)
    assert all(isinstance(e.row, int) and e.row >= 0 for e in table.errors)
    if any(e.row == 0 for e in table.errors):
        assert table.rows == []  # a file refused as a whole has no rows
    assert all(set(row.values) == {"name", "count", "note"} for row in table.rows)


@given(st.lists(st.lists(CELL, max_size=5), max_size=8), st.sampled_from([",", ";", "\t", "|"]))
def test_arbitrary_text_tables_give_rows_or_errors_with_known_columns(rows, delimiter):
    table = read(write([["name", "count", "note"], *rows], delimiter))

    assert {e.column for e in table.errors} <= {"", "name", "count", "note"}
    good = {row.row for row in table.rows}
    assert not good & {e.row for e in table.errors}


# --- encodings and delimiters ----------------------------------------------------------------


@given(
    st.lists(st.tuples(CELL.filter(str.strip), CELL), min_size=1, max_size=6),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_any_cells_come_back_as_written_with_any_delimiter(rows, delimiter):
    text = write([["name", "note"], *map(list, rows)], delimiter)

    table = read(text)

    assert table.errors == []
    assert [(row.values["name"], row.values["note"]) for row in table.rows] == [
        (name.strip(), note.strip()) for name, note in rows
    ]


SAMPLE = "name;count;note\nJosé Müller;1.250;café, crème\nNoah;7;\n"
EXPECTED = [("José Müller", 1250, "café, crème"), ("Noah", 7, "")]


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        SAMPLE.encode("utf-8-sig"),  # Excel's "CSV UTF-8"
        SAMPLE.encode("utf-16"),  # with its byte-order mark (Excel's "Unicode text")
        SAMPLE.encode("utf-16-be"),
        SAMPLE.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-be-no-bom", "crlf"],
)
def test_every_unicode_encoding_with_a_mark_reads_the_same(data):
    if data.startswith(b"\x00"):  # UTF-16 without a mark cannot be told from binary
        assert where(read(data)) == [(0, "")]
        return
    table = read(data)

    assert table.errors == []
    assert [tuple(row.values.values()) for row in table.rows] == EXPECTED


def test_a_legacy_encoding_is_read_only_where_the_importer_allows_it():
    data = SAMPLE.encode("cp1252")

    assert [tuple(r.values.values()) for r in read(data, legacy_encoding="cp1252").rows] == (
        EXPECTED
    )
    refused = read(data)
    assert where(refused) == [(0, "")]
    assert "UTF-8" in refused.errors[0].message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "The file is empty."),
        (b" \r\n\n", "The file is empty."),
        (b"name,note\x00\nx,y\n", "binary data"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary data"),  # a workbook (.xlsx)
        (b"\xff\xfe\x00h\x00a", "not UTF-8"),  # a mark, but no UTF-16 text behind it
        (b"name,note\n", "a header but no rows"),
        (b"name,note\n,\n\n", "a header but no rows"),
    ],
)
def test_unusable_files_are_one_error_on_row_0(data, problem):
    table = read(data)

    assert where(table) == [(0, "")]
    assert problem in table.errors[0].message
    assert table.rows == []


def test_a_header_without_rows_may_be_allowed():
    assert read("name,note\n", allow_no_rows=True).errors == []


# --- limits ----------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=12))
def test_the_row_limit_counts_non_blank_rows_and_names_the_first_row_too_many(limit, rows):
    text = "name\n" + "".join(f"n{i}\n\n" for i in range(rows))

    table = read(text, max_rows=limit)

    if rows == 0:
        assert "no rows" in table.errors[0].message
    elif rows <= limit:
        assert table.errors == [] and len(table.rows) == rows
    else:
        # Each row is followed by a blank line: row k of the file is 2k.
        assert where(table) == [(2 * (limit + 1), "")]
        assert table.errors[0].message == f"The file has more than {limit:,} rows."
        assert table.rows == []


def test_the_byte_limit_is_checked_before_reading():
    table = read("name\n" + "x" * 100, max_bytes=50)

    assert [e.message for e in table.errors] == ["The file is larger than the import limit."]


# --- the header ------------------------------------------------------------------------------


@given(
    st.sampled_from(["name", "Name", "NAME", " name ", "full name", "Full-Name", "FULL_NAME"]),
    st.sampled_from(["count", "Count", "COUNT", "co unt"]),
)
def test_headings_match_in_any_case_and_spelling_and_by_alias(name, count):
    table = read(write([[name, count], ["Mila", "3"]]))

    assert table.errors == []
    assert table.columns == ["name", "count"]
    assert table.rows[0].values == {"name": "Mila", "count": 3, "note": ""}


def test_header_problems_are_on_row_1_and_stop_the_reading():
    table = read("count,Count,colour,=cmd|calc\n1,2,red,x\n")

    assert where(table) == [(1, "count"), (1, "name")]
    assert table.missing_columns == ["name"]
    assert table.ignored_columns == ["colour", "'=cmd|calc"]
    assert table.rows == []


def test_unknown_columns_can_be_refused():
    table = read("name,colour\nMila,red\n", unknown_columns="error")

    assert where(table) == [(1, "colour")]


def test_headings_named_as_known_are_dropped_silently():
    table = read("name,total\nMila,3\n", also_known=["total"])

    assert table.errors == [] and table.ignored_columns == []


# --- rows and cells --------------------------------------------------------------------------


def test_cell_errors_name_row_and_column_and_leave_the_row_out():
    table = read("name,count\nMila,lots\n,2\nNoah,1\n")

    assert [(e.row, e.column, e.message) for e in table.errors] == [
        (2, "count", "Not a count."),
        (3, "name", "Enter a name."),
    ]
    assert [row.row for row in table.rows] == [4]


def test_rows_with_errors_may_be_kept_without_their_bad_cells():
    table = read("name,count\nMila,lots\n", keep_rows_with_errors=True)

    assert table.rows[0].values == {"name": "Mila", "note": ""}


def test_short_rows_mean_empty_cells_and_long_rows_are_errors():
    table = read("name,count,note\nMila\nNoah,1,,\nSara,1,,extra\n")

    assert [row.values for row in table.rows] == [
        {"name": "Mila", "count": None, "note": ""},
        {"name": "Noah", "count": 1, "note": ""},
    ]
    assert where(table) == [(4, "")]
    assert where(read("name,count,note\nMila\n", short_rows=False)) == [(2, "")]


def test_a_check_sees_the_parsed_row_and_adds_problems():
    def check(values):
        if values.get("count") == 0:
            yield "count", "Zero is not a count here."

    table = read("name,count\nMila,0\nNoah,1\n", check=check)

    assert where(table) == [(2, "count")]
    assert [row.values["name"] for row in table.rows] == ["Noah"]


def test_cells_can_be_unescaped_before_parsing():
    table = read("name,note\n'=Mila,x\n", unescape=lambda t: t.removeprefix("'"))

    assert table.rows[0].values["name"] == "=Mila"


def test_row_numbers_are_spreadsheet_rows_with_multiline_cells():
    table = read('name,count\n"Mila\nJansen",1\nNoah,x\n')

    assert where(table) == [(3, "count")]


# --- helpers ---------------------------------------------------------------------------------


@given(st.text(max_size=200))
def test_shown_text_is_short_printable_and_never_a_formula(text):
    result = shown(text)

    assert len(result) <= 41
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in result)
    assert not result.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize(
    ("text", "value"),
    [("12000", 12000), (" 1,250 ", 1250), ("250 000", 250000), ("1.250", 1250), ("0", 0)],
)
def test_whole_numbers_take_grouped_thousands(text, value):
    assert _count(text) == value


@pytest.mark.parametrize(("text", "message"), [("1e3", "Not a count."), ("-5", "Not a count.")])
def test_whole_numbers_refuse_anything_else(text, message):
    with pytest.raises(ValueError, match=message):
        _count(text)
    with pytest.raises(ValueError, match="Too large"):
        _count("1,000,001")
    with pytest.raises(ValueError, match="Not a count"):
        _count("١٢٣")


@pytest.mark.parametrize(
    ("text", "message"),
    [("17-04-1998", "Write the date as YYYY-MM-DD."), ("2001-02-30", "This date does not exist.")],
)
def test_dates_are_iso_and_real(text, message):
    assert str(iso_date(" 1998-04-17 ")) == "1998-04-17"
    with pytest.raises(ValueError, match=message):
        iso_date(text)
