"""One reader for every CSV import: bytes and a column spec in, typed rows or precise errors out.

Every importer (roster, creator metrics, campaign metric snapshots, payout statements and
their lines, inbound messages) describes only its columns; `read_csv` does the rest the same
way for all of them:

- limits: a file larger than `max_bytes` is refused before it is read; more than `max_rows`
  non-blank rows refuses the whole file at the first row too many;
- encoding: UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark (Excel's
  "Unicode text"), and optionally a legacy encoding such as cp1252 for files that are not
  UTF-8; anything else is refused with a hint;
- binary files (a NUL byte after decoding, a workbook) are refused;
- the delimiter is read from the header line: comma, semicolon, tab or pipe, whichever the
  header holds most of (cells in the rows may hold any of them, which throws csv.Sniffer off);
- the header line names the columns in any order; "Display Name", "display-name" and
  "DISPLAY_NAME" all name `display_name`, as do a column's aliases; unknown columns are
  ignored (listed in `ignored_columns`) or refused; a column named twice and a required
  column missing are errors on row 1;
- rows are numbered as a spreadsheet shows them (the header is row 1; 0 is the file as a
  whole); blank rows are skipped; a short row means empty cells; cells beyond the header are
  an error when they hold anything;
- each cell goes through its column's parser, which returns the value or raises ValueError
  with the message to show; a row with any error is left out of `rows`.

Pure: no database, no settings. All-or-nothing is the calling service's business (it writes
nothing unless `errors` is empty). Messages that quote the file's text use `shown()`, which
shortens it and keeps a spreadsheet from running it as a formula when the errors are copied
into one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .countries import country_alpha2
from .numbers import is_ascii_digits

DELIMITERS = (",", ";", "\t", "|")
# What a spreadsheet runs as a formula when a cell starts with it (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_GROUPED_RE = re.compile(r"^\d{1,3}([,._ ]\d{3})+$", re.ASCII)
_GROUP_SEPARATOR = re.compile(r"[,._ ]")
_SHOWN_LENGTH = 40


@dataclass(frozen=True)
class CellError:
    """One problem, where a person would look for it: the row number as a spreadsheet shows
    it (the header is row 1; 0 for the file as a whole) and the column name ("" for a whole
    row or the file)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


@dataclass(frozen=True)
class Column:
    """One column of an import. `parse` turns the cell's text (not stripped) into its value
    or raises ValueError with the message to show; None keeps the stripped text. A column
    the file leaves out is parsed as an empty cell. `required` columns must be in the header;
    `blank_error`, when given, is the message for an empty cell (the parser is then not
    called). `description` and `example` are for the import page and the template file."""

    name: str
    description: Promise | str = ""
    example: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    blank_error: Promise | str | None = None


@dataclass
class CsvRow:
    row: int
    values: dict[str, Any]


@dataclass
class CsvTable:
    """What `read_csv` found. `rows` holds the rows whose every cell parsed; `columns` the
    spec's columns the header names (in spec order); `missing_columns` the required ones it
    does not; `ignored_columns` the headings it did not know (as shown())."""

    rows: list[CsvRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, message: str, *, row: int = 0) -> CsvTable:
        """The whole file refused with one error (rows dropped)."""
        self.rows = []
        self.errors = [CellError(row, "", message)]
        return self


class _Refused(Exception):
    """The whole file is refused; `read_csv` turns it into the table's one error."""


# --- helpers for column parsers -------------------------------------------------------------


def shown(text: str) -> str:
    """The file's `text` as it may appear in an error message: control characters replaced,
    at most 40 characters, and with a leading quote when a spreadsheet would run it."""
    text = _CONTROL.sub("?", text.strip())
    if len(text) > _SHOWN_LENGTH:
        text = text[: _SHOWN_LENGTH - 1] + "…"
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def header_key(heading: str) -> str:
    """A heading as compared with column names: lower case, letters and digits only."""
    return _NOT_ALNUM.sub("", heading.lower())


def whole_number(text: str, *, limit: int, invalid: str, too_large: str) -> int:
    """A count such as 12000 or "1,250,000" (thousands grouped by , . _ or space), ASCII
    digits only, at most `limit`; ValueError(`invalid` / `too_large`) otherwise."""
    cleaned = text.strip()
    if _GROUPED_RE.match(cleaned):
        cleaned = _GROUP_SEPARATOR.sub("", cleaned)
    if not is_ascii_digits(cleaned):
        raise ValueError(invalid)
    value = int(cleaned)
    if value > limit:
        raise ValueError(too_large)
    return value


def iso_date(text: str) -> date:
    """A date written YYYY-MM-DD (stripped), or ValueError saying what is wrong."""
    value = text.strip()
    if not _DATE_RE.match(value):
        raise ValueError(_("Write the date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(_("This date does not exist.")) from exc


def country_code(text: str) -> str:
    """An ISO country code (any case) as its alpha-2 code; "" for an empty cell."""
    value = text.strip()
    if not value:
        return ""
    code = country_alpha2(value)
    if not code:
        raise ValueError(
            _("Unknown country code “%(value)s”; use e.g. NL.") % {"value": shown(value)}
        )
    return code


def choice(text: str, choices: Iterable[tuple[Any, Any]]) -> Any:
    """The value of `choices` whose value or label is `text` (any case)."""
    wanted = text.strip().casefold()
    choices = list(choices)
    for value, label in choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return value
    raise ValueError(
        _("Use one of: %(values)s.") % {"values": ", ".join(str(v) for v, _l in choices)}
    )


# --- the file ------------------------------------------------------------------------------------


def _utf16(data: bytes) -> str | None:
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return None
    # Column names are ASCII: a header that is not was never UTF-16 text.
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return text if header.isascii() else None


def decode(data: bytes, *, legacy_encoding: str | None = None) -> str:
    """The file's text (see the module docstring); _Refused with the reason otherwise."""
    if data.startswith(b"PK\x03\x04"):  # a workbook (.xlsx, .ods) or another zip file
        raise _Refused(_("The file contains binary data; upload a CSV file."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and (text := _utf16(data)) is not None:
        return text.lstrip("\ufeff")
    # utf-8-sig drops a byte-order mark if there is one (Excel's "CSV UTF-8" writes it).
    for encoding in ("utf-8-sig", *([legacy_encoding] if legacy_encoding else [])):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(encoding)
    raise _Refused(_('The file is not UTF-8 text. In your spreadsheet, save it as "CSV UTF-8".'))


def delimiter(text: str) -> str:
    """The separator the header line holds most of (a comma when it holds none)."""
    header = text.split("\n", 1)[0]
    best = max(DELIMITERS, key=header.count)
    return best if header.count(best) else ","


def _map_header(
    header: list[str],
    columns: Sequence[Column],
    table: CsvTable,
    *,
    unknown_columns: str,
    also_known: Iterable[str],
) -> dict[str, int]:
    keys: dict[str, str] = {}
    for column in columns:
        for name in (column.name, *column.aliases):
            keys.setdefault(header_key(name), column.name)
    silent = {header_key(name) for name in also_known}
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        squashed = header_key(heading)
        name = keys.get(squashed)
        if name is None:
            if not heading.strip() or squashed in silent:
                continue
            if unknown_columns == "error":
                table.errors.append(CellError(1, shown(heading), _("Unknown column.")))
            else:
                table.ignored_columns.append(shown(heading))
            continue
        if name in positions:
            table.errors.append(CellError(1, name, _("This column appears more than once.")))
        positions.setdefault(name, index)
    for column in columns:
        if column.required and column.name not in positions:
            table.missing_columns.append(column.name)
            table.errors.append(CellError(1, column.name, _("This required column is missing.")))
    table.columns = [column.name for column in columns if column.name in positions]
    return positions


def read_csv(
    data: bytes,
    columns: Sequence[Column],
    *,
    max_bytes: int,
    max_rows: int,
    legacy_encoding: str | None = None,
    unknown_columns: str = "ignore",
    also_known: Iterable[str] = (),
    unescape: Callable[[str], str] | None = None,
    check: Callable[[dict[str, Any]], Iterable[tuple[str, str]]] | None = None,
    allow_no_rows: bool = False,
    short_rows: bool = True,
    keep_rows_with_errors: bool = False,
) -> CsvTable:
    """Read `data` against `columns` (see the module docstring).

    - `legacy_encoding`: tried when the file is not UTF-8 (e.g. "cp1252"); None refuses it.
    - `unknown_columns`: "ignore" (listed in `ignored_columns`) or "error"; headings in
      `also_known` are dropped silently either way (e.g. the export's read-only columns).
    - `unescape`: applied to every cell before its parser (e.g. undoing the export's
      formula escaping).
    - `check`: called with each row's parsed values (a cell that failed is left out) for
      rules across columns; it yields (column, message) problems, and may complete the
      values that depend on several cells (an amount read in the row's currency).
    - `allow_no_rows`: a header without rows is fine (otherwise it is an error).
    - `keep_rows_with_errors`: rows with a cell error stay in `rows` (without the cells that
      failed), for an importer that checks the rest of such a row against its data too.
    - `short_rows`: a row with fewer cells than the header has columns is read as if the
      missing cells were empty (spreadsheets drop trailing empty cells); False makes it an
      error.
    """
    table = CsvTable()
    if len(data) > max_bytes:
        return table.refuse(_("The file is larger than the import limit."))
    try:
        text = decode(data, legacy_encoding=legacy_encoding)
    except _Refused as exc:
        return table.refuse(str(exc))
    if not text.strip():
        return table.refuse(_("The file is empty."))
    if "\x00" in text:
        return table.refuse(_("The file contains binary data; upload a CSV file."))

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    try:
        header = next(reader)
    except csv.Error as exc:
        return table.refuse(_("Row 1 cannot be read: %(reason)s") % {"reason": exc})
    positions = _map_header(
        header, columns, table, unknown_columns=unknown_columns, also_known=also_known
    )
    if table.errors:
        return table
    width = len(header)
    plan = [(c.name, positions.get(c.name, width), c.parse, c.blank_error) for c in columns]
    row_number, count = 1, 0
    try:
        for cells in reader:
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            count += 1
            if count > max_rows:
                return table.refuse(
                    _("The file has more than %(max)s rows.") % {"max": f"{max_rows:,}"},
                    row=row_number,
                )
            if not short_rows and len(cells) < width:
                table.errors.append(
                    CellError(
                        row_number,
                        "",
                        _("Expected %(want)s cells, found %(got)s.")
                        % {"want": width, "got": len(cells)},
                    )
                )
                continue
            _read_row(table, row_number, cells, width, plan, unescape, check, keep_rows_with_errors)
    except csv.Error as exc:
        return table.refuse(
            _("Row %(row)d cannot be read: %(reason)s") % {"row": row_number + 1, "reason": exc}
        )
    if not table.rows and not table.errors and not allow_no_rows:
        return table.refuse(_("The file has a header but no rows."))
    return table


def _read_row(table, row_number, cells, width, plan, unescape, check, keep) -> None:
    errors = table.errors
    count = len(cells)
    if count > width and any(cell.strip() for cell in cells[width:]):
        errors.append(
            CellError(row_number, "", _("This row has more cells than the header has columns."))
        )
        return
    # Spreadsheets drop trailing empty cells: a short row means empty cells. Index `width`
    # (one past the header) is the empty cell of the columns the file leaves out.
    cells = cells[:width] + [""] * (width + 1 - min(count, width))
    if unescape is not None:
        cells = [unescape(cell) for cell in cells]
    before = len(errors)
    values: dict[str, Any] = {}
    for name, index, parse, blank_error in plan:
        text = cells[index]
        if blank_error is not None and not text.strip():
            errors.append(CellError(row_number, name, str(blank_error)))
        elif parse is None:
            values[name] = text.strip()
        else:
            try:
                values[name] = parse(text)
            except ValueError as exc:
                errors.append(CellError(row_number, name, str(exc)))
    if check is not None:
        for column, message in check(values):
            errors.append(CellError(row_number, column, str(message)))
    if keep or len(errors) == before:
        table.rows.append(CsvRow(row_number, values))
