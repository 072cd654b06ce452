"""CSV files that are safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets skip
before reading a formula) is run as a formula by Excel, LibreOffice and Google Sheets:
"=HYPERLINK(...)" in a creator's name would become a live link in an accountant's export.
Every exported cell goes through `spreadsheet_safe`, which prefixes a single quote to such a
cell (OWASP "CSV injection"), so the spreadsheet shows the text as it was typed.

A moment is written in the active time zone (the agency's, on a page or under the caller's
`timezone.override`) with its offset, 2026-12-07T19:00:00+14:00: the wall-clock time the
agency knows and, with the offset, one instant to a program.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from .downloads import private_download

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a UTF-8 file as Windows-1252 unless it starts with a byte-order mark.
UTF8_BOM = "\ufeff"


def spreadsheet_safe(value: Any) -> str:
    """`value` as cell text that a spreadsheet will never evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dt.datetime) and timezone.is_aware(value):
        text = timezone.localtime(value).isoformat(timespec="seconds")
    elif isinstance(value, (dt.date, dt.datetime, dt.time)):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    # Also text whose leading quotes hide a formula ("'=1"): read back, one quote is taken off
    # whatever follows it, so such text gets one more to stay itself.
    if text.lstrip("'").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def spreadsheet_unescape(text: str) -> str:
    """Undo `spreadsheet_safe` on a cell read back from our own export."""
    if len(text) > 1 and text[0] == "'" and text[1:].lstrip("'").startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


class _Echo:
    """A file-like object whose write() returns what it was given (for streaming)."""

    def write(self, value: str) -> str:
        return value


class SafeCsvWriter:
    """`csv.writer` that neutralises formulas in every cell it writes."""

    def __init__(self, file, **fmtparams: Any):
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_lines(header: Sequence[Any], rows: Iterable[Iterable[Any]], *, bom: bool = True):
    """The CSV text of `header` and `rows`, one line at a time, every cell made safe."""
    writer = SafeCsvWriter(_Echo())
    first = writer.writerow(header)
    yield (UTF8_BOM + first) if bom else first
    for row in rows:
        yield writer.writerow(row)


def csv_text(header: Sequence[Any], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> str:
    return "".join(csv_lines(header, rows, bom=bom))


def csv_streaming_response(
    filename: str, header: Sequence[Any], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """A download that is written while the rows are read, so a large export does not sit
    in memory. `filename` must be plain ASCII (it goes into a header)."""
    lines: Iterator[str] = csv_lines(header, rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return private_download(response)
