"""Formula-safe XLSX workbooks, the one writer every export uses.

Text cells are typed as strings with the quote prefix set, so no cell can turn into a formula
(openpyxl makes any text starting with "=" one); numbers stay numbers, dates dates. openpyxl is
imported when a workbook is written, not with the views that offer one: it is a tenth of the
project's start-up (every command's URL check imports every view).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils import timezone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_text(value: object) -> str:
    """Text as an XLSX cell can hold it: XML 1.0 forbids most control characters, which
    openpyxl refuses rather than drops."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # lazily: see the module docstring

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def workbook_bytes(
    sheet: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    money_format: str = "#,##0.00",
) -> bytes:
    """A one-sheet workbook: a header row of `columns`, then `rows`. Decimals and floats get
    `money_format`, whole numbers none, dates ISO; a moment is text in the active time zone
    with its offset (2026-12-07T19:00:00+14:00: a cell cannot hold a zone), as in the CSV
    exports; None is an empty cell, booleans read "true"/"false", everything else is text."""
    # Lazily: see the module docstring.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)

    def cell(value: object):
        if isinstance(value, bool) or value is None:
            value = "" if value is None else str(value).lower()
        if isinstance(value, int):
            return WriteOnlyCell(ws, value=value)
        if isinstance(value, Decimal | float):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = money_format
            return c
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value).isoformat(timespec="seconds")
        elif isinstance(value, dt.date):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = "yyyy-mm-dd"
            return c
        c = WriteOnlyCell(ws, value=xlsx_text(value))
        c.data_type = "s"
        c.quotePrefix = True
        return c

    ws.append([cell(name) for name in columns])
    for values in rows:
        ws.append([cell(v) for v in values])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
